import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import type { Principal } from '../http/auth.js';
import { ActionError, toActionError, type Supervisor, type SupervisorActions } from '../supervisor/actions.js';
import type { SupervisorHub } from '../supervisor/hub.js';
import { parseSupervisorMessage, type SupervisorClientMessage, type SupervisorErrorCode, type SupervisorServerMessage } from '../supervisor/protocol.js';
import { scopeOf } from '../supervisor/scope.js';
import { SupervisorSession } from '../supervisor/session.js';
import { textOf } from './raw-data.js';

export const SUPERVISOR_WS_PATH = '/supervisor/ws';

export interface SupervisorWsDeps {
  readonly hub: SupervisorHub;
  readonly actions: SupervisorActions;
  /** `Authorization` header value → principal (the REST API's token resolver). */
  readonly resolveToken: (header: string) => Principal | null;
  readonly logger: Logger;
}

export interface SupervisorWsOptions {
  readonly pingMs: number;
  /** How long a new socket may take to send its `auth` (default 10 s). */
  readonly authTimeoutMs?: number;
  /** Send buffer above which ticks are skipped for that socket (default 256 KiB). */
  readonly congestedBytes?: number;
  /** Send buffer above which the socket is dropped (default 16 MiB; a snapshot of 5,000 agents is about 1.5 MB). */
  readonly maxBuffered?: number;
}

const MAX_MESSAGE = 4096;
const MAX_QUEUED = 4;
const MAX_STRIKES = 20;
/** Refusals that say how the switch or the call stands, not that the client misbehaves: they count no strike. */
const NO_STRIKE: ReadonlySet<SupervisorErrorCode> = new Set(['SWITCH_REFUSED', 'SWITCH_DOWN', 'SWITCH_TIMEOUT', 'NO_CALL', 'CALL_GONE', 'CONTROL_BUSY']);
const AUTH_FAILURES_PER_ADDRESS = 10;

interface Conn {
  readonly ws: WebSocket;
  readonly address: string;
  who: Supervisor | null;
  session: SupervisorSession | null;
  alive: boolean;
  closed: boolean;
  strikes: number;
  queued: number;
  busy: Promise<void>;
}

/**
 * The supervisor console's socket edge: frames in, schema-checked, one command
 * at a time per socket; `auth` first (the bearer token in the first message, so it
 * never sits in a URL or an access log), then the hub's snapshot and coalesced
 * diffs, and the actions handed to SupervisorActions.
 */
export function attachSupervisorWebSocket(server: Server, deps: SupervisorWsDeps, opts: SupervisorWsOptions): { close(): Promise<void> } {
  const log = deps.logger.child({ part: 'supervisor-ws' });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false, clientTracking: true });
  const conns = new WeakMap<WebSocket, Conn>();
  const failures = new Map<string, { count: number; until: number }>();
  const congestedBytes = opts.congestedBytes ?? 256 * 1024;
  const maxBuffered = opts.maxBuffered ?? 16 * 1024 * 1024;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== SUPERVISOR_WS_PATH) return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const ping = setInterval(() => {
    const now = Date.now();
    for (const [k, f] of failures) if (f.until <= now) failures.delete(k);
    for (const ws of wss.clients) {
      const c = conns.get(ws);
      if (!c) continue;
      if (!c.alive) {
        ws.terminate();
        continue;
      }
      c.alive = false;
      ws.ping();
    }
  }, opts.pingMs);
  ping.unref();

  wss.on('connection', (ws, req: IncomingMessage) => {
    const c: Conn = { ws, address: req.socket.remoteAddress ?? 'unknown', who: null, session: null, alive: true, closed: false, strikes: 0, queued: 0, busy: Promise.resolve() };
    conns.set(ws, c);
    const authTimer = setTimeout(() => {
      if (!c.who) {
        reply(c, { type: 'error', id: null, code: 'AUTH_FAILED', message: 'send auth with your token first' });
        ws.close(4401, 'no auth');
      }
    }, opts.authTimeoutMs ?? 10_000);
    authTimer.unref();
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => onMessage(c, textOf(data), isBinary));
    ws.on('error', (err) => log.debug({ err: err.message }, 'supervisor socket error'));
    ws.on('close', () => {
      clearTimeout(authTimer);
      c.closed = true;
      if (c.session) deps.hub.remove(c.session);
      c.session = null;
    });
  });

  function reply(c: Conn, m: SupervisorServerMessage): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(JSON.stringify(m));
  }

  function refuse(c: Conn, id: string | number | null, code: SupervisorErrorCode, message: string): void {
    reply(c, { type: 'error', id, code, message });
    if (!NO_STRIKE.has(code) && ++c.strikes >= MAX_STRIKES) c.ws.close(1008, 'too many bad messages');
  }

  function onMessage(c: Conn, text: string, isBinary: boolean): void {
    c.alive = true;
    if (isBinary) return refuse(c, null, 'BAD_MESSAGE', 'binary frames are not accepted');
    if (Buffer.byteLength(text) > MAX_MESSAGE) return refuse(c, null, 'TOO_LARGE', `messages are limited to ${MAX_MESSAGE} bytes`);
    const parsed = parseSupervisorMessage(text);
    if (!parsed.ok) return refuse(c, parsed.id, parsed.code, parsed.message);
    const id = parsed.message.id ?? null;
    if (c.queued >= MAX_QUEUED) return refuse(c, id, 'RATE_LIMITED', 'too many commands waiting; wait for the answers');
    c.queued++;
    c.busy = c.busy
      .then(() => (c.closed ? undefined : handle(c, parsed.message, id)))
      .catch((err: unknown) => log.error({ err }, 'supervisor handler failed'))
      .finally(() => c.queued--);
  }

  async function handle(c: Conn, m: SupervisorClientMessage, id: string | number | null): Promise<void> {
    try {
      if (m.type === 'auth') return auth(c, m.token, id);
      const who = c.who;
      const session = c.session;
      if (!who || !session) throw new ActionError('NOT_LOGGED_IN', 'send auth with your token first');
      switch (m.type) {
        case 'filter':
          if (!session.setFilter(m.queues)) throw new ActionError('OUT_OF_SCOPE', 'that filter names a queue outside your scope');
          reply(c, { type: 'ack', id });
          deps.hub.resnapshot(session);
          return;
        case 'agent.status':
          await deps.actions.setStatus(who, m.agent, m.status);
          return reply(c, { type: 'ack', id });
        case 'agent.release':
          await deps.actions.release(who, m.agent);
          return reply(c, { type: 'ack', id });
        case 'call.hangup':
          await deps.actions.hangup(who, m.call);
          return reply(c, { type: 'ack', id });
        case 'call.eavesdrop': {
          const leg = await deps.actions.eavesdrop(who, m.agent, m.mode, m.phone);
          return reply(c, { type: 'ack', id, leg });
        }
        case 'eavesdrop.stop':
          await deps.actions.stopEavesdrop(who, m.leg);
          return reply(c, { type: 'ack', id });
      }
    } catch (err) {
      const e = toActionError(err);
      if (e.code === 'INTERNAL') log.error({ err }, 'supervisor action failed');
      refuse(c, id, e.code, e.message);
    }
  }

  function auth(c: Conn, token: string, id: string | number | null): void {
    if (c.who) throw new ActionError('ALREADY_LOGGED_IN', `this socket is logged in as ${c.who.name}`);
    const f = failures.get(c.address);
    if (f && f.until > Date.now() && f.count >= AUTH_FAILURES_PER_ADDRESS) throw new ActionError('RATE_LIMITED', 'too many failed logins; try again in a minute');
    const principal = deps.resolveToken(`Bearer ${token}`);
    if (!principal) {
      if (f && f.until > Date.now()) f.count++;
      else failures.set(c.address, { count: 1, until: Date.now() + 60_000 });
      reply(c, { type: 'error', id, code: 'AUTH_FAILED', message: 'unknown token' });
      c.ws.close(4401, 'auth failed');
      return;
    }
    if (principal.role === 'wallboard') {
      // A wallboard token reads the wallboard feed and nothing else: no console, no actions.
      reply(c, { type: 'error', id, code: 'FORBIDDEN', message: 'a wallboard token may not open the supervisor console' });
      c.ws.close(4403, 'forbidden');
      return;
    }
    const who: Supervisor = { name: principal.name, role: principal.role, scope: scopeOf(principal) };
    c.who = who;
    reply(c, { type: 'hello', id, name: who.name, role: who.role, queues: principal.queues ? [...principal.queues] : null });
    const ws = c.ws;
    c.session = new SupervisorSession(who.scope, {
      send: (p) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > maxBuffered) {
          // A console that cannot keep up is cut off; it reconnects and gets a snapshot.
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify(p));
      },
      congested: () => ws.bufferedAmount > congestedBytes,
    });
    deps.hub.add(c.session);
  }

  return {
    async close() {
      clearInterval(ping);
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
