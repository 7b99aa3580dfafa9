import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { textOf } from './raw-data.js';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { Logger } from '../log.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PasswordStore } from '../store/passwords.js';
import type { SessionStore } from '../store/sessions.js';
import type { AgentDesk } from './desk.js';
import { parseClientMessage } from './messages.js';
import type { ClientMessage, ErrorCode } from './protocol.js';
import { ClientError, Connection, SocketClosed, toClientError, type DeskContext } from './ws-connection.js';
import { startHeartbeat } from './ws-heartbeat.js';
import { login, LoginThrottle } from './ws-login.js';
import { resume, touch } from './ws-resume.js';
import { statusCommand } from './ws-status.js';
import { dialCommand } from './ws-outbound.js';
import type { OutboundDialer } from '../outbound/service.js';
import { aftercallCommand } from './ws-aftercall.js';
import type { AfterCallWork } from '../aftercall/after-call.js';
import { SUPERVISOR_WS_PATH } from './supervisor-ws.js';
import { callControl } from './ws-calls.js';
import type { CallControls } from '../calls/controls/controls.js';
import { DirectoryFeed } from './directory.js';

export interface WsOptions {
  readonly pingMs: number;
  readonly logoutGraceS: number;
  /** Largest message handled; a bigger one gets a TOO_LARGE error. */
  readonly maxMessage?: number;
  /** Largest frame read at all; a bigger one closes the socket (1009). */
  readonly maxPayload?: number;
  /** Bytes queued to one socket before it is dropped (the page resumes and gets a snapshot). */
  readonly maxBuffered?: number;
  /** The transfer dialog's directory: at most one per socket this often (default 1000 ms; directory.ts). */
  readonly directoryIntervalMs?: number;
}

export interface WsDeps {
  readonly desk: AgentDesk;
  readonly callCenter: CallCenter;
  readonly view: ViewReader;
  readonly passwords: PasswordStore;
  readonly sessions: SessionStore;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Outbound calls (absent or null: `dial` is refused with OUTBOUND_UNAVAILABLE). */
  readonly outbound?: OutboundDialer | null;
  /** After-call work, dispositions, next status (src/aftercall). */
  readonly aftercall?: AfterCallWork;
  /** Call controls (absent: the call.* messages are refused with NOT_ALLOWED). */
  readonly controls?: CallControls;
}

/** The desk endpoint, as the composition root drives it. */
export interface DeskSockets {
  /** Closes the pages of one agent here (its sessions were revoked); returns how many. */
  closeAgent(agent: string, code: number, reason: string): number;
  /** Refuses new desk sockets (503) and closes the open ones with 1012 so the pages move elsewhere; returns how many. */
  drain(): number;
  /** Desk sockets open now. */
  readonly open: number;
  close(): Promise<void>;
}

const MAX_STRIKES = 20;
const MAX_QUEUED = 4;
/** Errors that say the client misbehaves; refusals by the switch or the store do not count. */
const STRIKES: ReadonlySet<ErrorCode> = new Set(['BAD_JSON', 'BAD_MESSAGE', 'UNKNOWN_TYPE', 'TOO_LARGE', 'NOT_LOGGED_IN', 'AUTH_FAILED', 'BAD_TOKEN', 'BAD_CONTACT', 'RATE_LIMITED']);

/**
 * Attaches the agent desk WebSocket endpoint (`/ws`) to the HTTP server: frames
 * in, checked and queued per socket, then handed to login (ws-login), resume
 * (ws-resume) or the status commands (ws-status); liveness by ws-heartbeat.
 */
export function attachDeskWebSocket(server: Server, deps: WsDeps, opts: WsOptions): DeskSockets {
  const { desk, metrics } = deps;
  const log = deps.logger.child({ part: 'ws' });
  const ctx: DeskContext = { desk, callCenter: deps.callCenter, view: deps.view, passwords: deps.passwords, sessions: deps.sessions, log, sessionTtlS: opts.logoutGraceS + 3600 };
  const maxMessage = opts.maxMessage ?? 4096;
  const maxBuffered = opts.maxBuffered ?? 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 64 * 1024, perMessageDeflate: false, clientTracking: true });
  const throttle = new LoginThrottle();
  const conns = new WeakMap<WebSocket, Connection>();
  const directory = new DirectoryFeed(deps.view, opts.directoryIntervalMs !== undefined ? { intervalMs: opts.directoryIntervalMs } : {});

  let draining = false;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Once upgraded the HTTP server no longer guards this socket: a reset (a balancer giving up on a
    // refused or destroyed upgrade) would otherwise be an unhandled 'error' and kill the process.
    socket.on('error', (err) => log.debug({ err: err.message }, 'upgrade socket error'));
    const path = (req.url ?? '').split('?')[0];
    if (path === SUPERVISOR_WS_PATH) return; // served by supervisor-ws.ts
    if (path !== '/ws') {
      socket.destroy();
      return;
    }
    if (draining) {
      // The balancer retries the next instance; a page reconnects and lands elsewhere.
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);
  const heartbeat = startHeartbeat(wss, (ws) => conns.get(ws), opts.pingMs, () => throttle.sweep());

  wss.on('connection', (ws, req: IncomingMessage) => {
    const c = new Connection(ws, req.socket.remoteAddress ?? 'unknown', maxBuffered);
    conns.set(ws, c);
    metrics.wsConnections.inc();
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => onMessage(c, textOf(data), isBinary));
    ws.on('error', (err) => log.debug({ err: err.message }, 'desk socket error'));
    ws.on('close', () => {
      c.closed = true;
      directory.detach(c);
      metrics.wsConnections.dec();
      if (c.channel) desk.detach(c.channel, c);
      c.channel = null;
      // The resume token stays valid for the logout grace from this moment.
      if (c.token) touch(ctx, c.token);
    });
  });

  function onMessage(c: Connection, text: string, isBinary: boolean): void {
    c.alive = true;
    if (isBinary) return refuse(c, null, 'BAD_MESSAGE', 'binary frames are not accepted');
    if (Buffer.byteLength(text) > maxMessage) return refuse(c, null, 'TOO_LARGE', `messages are limited to ${maxMessage} bytes`);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return refuse(c, parsed.id, parsed.code, parsed.message);
    if (c.queued >= MAX_QUEUED) return refuse(c, parsed.message.id ?? null, 'RATE_LIMITED', 'too many commands waiting; wait for the answers');
    metrics.wsMessages.inc({ direction: 'in', type: parsed.message.type });
    // One command at a time per socket, in order; nothing more once the socket closed.
    c.queued++;
    c.busy = c.busy
      .then(() => (c.closed ? undefined : handle(c, parsed.message)))
      .catch((err: unknown) => log.error({ err }, 'desk handler failed'))
      .finally(() => c.queued--);
  }

  function refuse(c: Connection, id: string | number | null, code: ErrorCode, message: string): void {
    c.reply({ type: 'error', id, code, message });
    if (STRIKES.has(code) && ++c.strikes >= MAX_STRIKES) c.ws.close(1008, 'too many bad messages');
  }

  async function handle(c: Connection, m: ClientMessage): Promise<void> {
    const id = m.id ?? null;
    try {
      switch (m.type) {
        case 'login':
        case 'resume':
          if (m.type === 'login') await login(ctx, throttle, c, m, id);
          else await resume(ctx, c, m, id);
          // The page's directory (other agents, queues), when it asked for it: now, then as it changes.
          if (m.directory === true && c.channel && !c.closed) directory.attach(c, c.channel.agent);
          return;
        case 'ready':
        case 'busy':
        case 'logout': {
          const ch = c.channel;
          if (!ch) throw new ClientError('NOT_LOGGED_IN', 'log in first');
          return await statusCommand(ctx, c, ch, m, id);
        }
        case 'dial': {
          const ch = c.channel;
          if (!ch) throw new ClientError('NOT_LOGGED_IN', 'log in first');
          return await dialCommand(deps.outbound ?? null, c, ch, m, id);
        }
        case 'call.disposition':
        case 'acw.end':
        case 'next-status': {
          const ch = c.channel;
          if (!ch) throw new ClientError('NOT_LOGGED_IN', 'log in first');
          return await aftercallCommand(ctx, deps.aftercall, c, ch, m, id);
        }
        case 'call.hangup':
        case 'call.hold':
        case 'call.unhold':
        case 'call.mute':
        case 'call.unmute':
        case 'call.dtmf':
        case 'call.transfer':
        case 'call.consult':
        case 'call.consult.complete':
        case 'call.consult.cancel':
        case 'call.conference': {
          if (!c.channel) throw new ClientError('NOT_LOGGED_IN', 'log in first');
          return await callControl(deps.controls ?? null, deps.view, c, c.channel, m, id);
        }
      }
    } catch (err) {
      if (err instanceof SocketClosed) return;
      const e = toClientError(err);
      if (e.code === 'INTERNAL') log.error({ err }, 'desk command failed');
      refuse(c, id, e.code, e.message);
    }
  }

  const closeWhere = (pick: (c: Connection) => boolean, code: number, reason: string): number => {
    let n = 0;
    for (const ws of wss.clients) {
      const c = conns.get(ws);
      if (c && pick(c)) {
        ws.close(code, reason);
        n++;
      }
    }
    return n;
  };

  return {
    closeAgent: (agent, code, reason) => closeWhere((c) => c.channel?.agent === agent, code, reason),
    drain() {
      draining = true;
      // 1012 (Service Restart): the page reconnects and resumes on another instance.
      return closeWhere(() => true, 1012, 'draining');
    },
    get open() {
      return wss.clients.size;
    },
    async close() {
      heartbeat.stop();
      directory.close();
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
