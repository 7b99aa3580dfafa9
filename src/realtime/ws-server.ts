import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { textOf } from './raw-data.js';
import * as grammar from '../callcenter/grammar.js';
import { CallcenterError } from '../callcenter/replies.js';
import type { CallCenter } from '../callcenter/service.js';
import type { StateView } from '../callcenter/state.js';
import { EslLinkDownError, EslTimeoutError } from '../esl/errors.js';
import type { Logger } from '../log.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PasswordStore } from '../store/passwords.js';
import type { SessionStore } from '../store/sessions.js';
import { isRedisError } from '../store/redis.js';
import type { AgentChannel, AgentDesk, DeskSocket } from './desk.js';
import { parseClientMessage } from './messages.js';
import type { ClientMessage, ErrorCode, ServerMessage } from './protocol.js';

export interface WsOptions {
  readonly pingMs: number;
  readonly logoutGraceS: number;
  /** Largest message handled; a bigger one gets a TOO_LARGE error. */
  readonly maxMessage?: number;
  /** Largest frame read at all; a bigger one closes the socket (1009). */
  readonly maxPayload?: number;
  /** Bytes queued to one socket before it is dropped (the page resumes and gets a snapshot). */
  readonly maxBuffered?: number;
}

export interface WsDeps {
  readonly desk: AgentDesk;
  readonly callCenter: CallCenter;
  readonly view: StateView;
  readonly passwords: PasswordStore;
  readonly sessions: SessionStore;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/** The socket closed while its command was waiting: nothing more to do for it. */
class SocketClosed extends Error {}

class ClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  if (err instanceof grammar.GrammarError) return new ClientError(err.field === 'contact' ? 'BAD_CONTACT' : 'BAD_MESSAGE', err.message);
  if (err instanceof CallcenterError) return new ClientError(err.code === 'AGENT_NOT_FOUND' ? 'AGENT_NOT_FOUND' : 'SWITCH_REFUSED', `FreeSWITCH refused: ${err.reply}`);
  if (err instanceof EslLinkDownError) return new ClientError('SWITCH_DOWN', 'FreeSWITCH is not reachable; nothing was changed');
  if (err instanceof EslTimeoutError) return new ClientError('SWITCH_TIMEOUT', 'FreeSWITCH did not answer in time');
  if (isRedisError(err)) return new ClientError('STORE_DOWN', 'the gateway cannot reach its store (Redis); nothing was changed');
  return new ClientError('INTERNAL', 'the gateway could not do that');
}

/** Per-socket state: which agent it speaks for, and how much abuse it has sent. */
class Connection implements DeskSocket {
  channel: AgentChannel | null = null;
  token: string | null = null;
  alive = true;
  closed = false;
  strikes = 0;
  /** Messages accepted and not yet handled: bounded, so a client cannot queue unlimited work. */
  queued = 0;
  busy = Promise.resolve();

  constructor(
    readonly ws: WebSocket,
    readonly address: string,
    private readonly maxBuffered: number,
  ) {}

  /** Called after every wait: a socket that closed meanwhile must not act any more. */
  check(): void {
    if (this.closed) throw new SocketClosed();
  }

  send(json: string): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    if (this.ws.bufferedAmount > this.maxBuffered) {
      // A page that cannot keep up is cut off instead of buffering without bound.
      this.ws.terminate();
      return false;
    }
    this.ws.send(json);
    return true;
  }

  reply(m: ServerMessage): void {
    this.send(JSON.stringify(m));
  }
}

const MAX_STRIKES = 20;
const MAX_QUEUED = 4;
/** Errors that say the client misbehaves; refusals by the switch or the store do not count. */
const STRIKES: ReadonlySet<ErrorCode> = new Set(['BAD_JSON', 'BAD_MESSAGE', 'UNKNOWN_TYPE', 'TOO_LARGE', 'NOT_LOGGED_IN', 'AUTH_FAILED', 'BAD_TOKEN', 'BAD_CONTACT', 'RATE_LIMITED']);

/** Failed desk logins allowed per agent and per address in a minute, before RATE_LIMITED. */
const LOGIN_FAILURES_PER_AGENT = 5;
const LOGIN_FAILURES_PER_ADDRESS = 20;

class LoginThrottle {
  private readonly failures = new Map<string, { count: number; until: number }>();

  blocked(agent: string, address: string): boolean {
    return this.count(`a:${agent}`) >= LOGIN_FAILURES_PER_AGENT || this.count(`ip:${address}`) >= LOGIN_FAILURES_PER_ADDRESS;
  }

  failed(agent: string, address: string): void {
    for (const key of [`a:${agent}`, `ip:${address}`]) {
      const f = this.failures.get(key);
      if (f && f.until > Date.now()) f.count++;
      else this.failures.set(key, { count: 1, until: Date.now() + 60_000 });
    }
  }

  sweep(): void {
    const now = Date.now();
    for (const [k, f] of this.failures) if (f.until <= now) this.failures.delete(k);
  }

  private count(key: string): number {
    const f = this.failures.get(key);
    return f && f.until > Date.now() ? f.count : 0;
  }
}

/** Attaches the agent desk WebSocket endpoint (`/ws`) to the HTTP server. */
export function attachDeskWebSocket(server: Server, deps: WsDeps, opts: WsOptions): { close(): Promise<void> } {
  const { desk, callCenter, view, passwords, sessions, metrics } = deps;
  const log = deps.logger.child({ part: 'ws' });
  const maxMessage = opts.maxMessage ?? 4096;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 64 * 1024, perMessageDeflate: false, clientTracking: true });
  const maxBuffered = opts.maxBuffered ?? 1024 * 1024;
  const throttle = new LoginThrottle();
  const sessionTtlS = opts.logoutGraceS + 3600;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== '/ws') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    throttle.sweep();
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
  heartbeat.unref();
  const conns = new WeakMap<WebSocket, Connection>();

  wss.on('connection', (ws, req: IncomingMessage) => {
    const c = new Connection(ws, req.socket.remoteAddress ?? 'unknown', maxBuffered);
    conns.set(ws, c);
    metrics.wsConnections.inc();
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => {
      c.alive = true;
      if (isBinary) return refuse(c, null, 'BAD_MESSAGE', 'binary frames are not accepted');
      const text = textOf(data);
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
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      c.closed = true;
      metrics.wsConnections.dec();
      if (c.channel) desk.detach(c.channel, c);
      c.channel = null;
      // The resume token stays valid for the logout grace from this moment.
      if (c.token) sessions.touch(c.token, sessionTtlS).catch(() => undefined);
    });
  });

  function refuse(c: Connection, id: string | number | null, code: ErrorCode, message: string): void {
    c.reply({ type: 'error', id, code, message });
    if (STRIKES.has(code) && ++c.strikes >= MAX_STRIKES) c.ws.close(1008, 'too many bad messages');
  }

  async function handle(c: Connection, m: ClientMessage): Promise<void> {
    const id = m.id ?? null;
    try {
      switch (m.type) {
        case 'login':
          return await login(c, m, id);
        case 'resume':
          return await resume(c, m, id);
        default:
          break; // every other command needs a login: below
      }
      const ch = c.channel;
      if (!ch) throw new ClientError('NOT_LOGGED_IN', 'log in first');
      const actor = { source: 'agent-desk' as const, id: ch.agent, agent: ch.agent };
      switch (m.type) {
        case 'ready':
          await callCenter.setAgentStatus(ch.agent, 'Available', actor);
          break;
        case 'busy': {
          const reason = m.reason ?? desk.breakReasons[0] ?? 'break';
          if (!desk.breakReasons.includes(reason)) throw new ClientError('BAD_REASON', `reason must be one of: ${desk.breakReasons.join(', ')}`);
          const before = ch.breakReason;
          // From another status, the switch's status change carries the reason to the pages
          // (it may come after the reply). Already on break, no change fires: tell them here.
          const wasOnBreak = view.agents.get(ch.agent)?.status === 'On Break';
          desk.setBreakReason(ch, reason);
          try {
            await callCenter.setAgentStatus(ch.agent, 'On Break', actor);
          } catch (err) {
            desk.setBreakReason(ch, before);
            throw err;
          }
          if (wasOnBreak && before !== reason) desk.push(ch, { type: 'agent.status', status: 'On Break', reason });
          break;
        }
        case 'logout': {
          await callCenter.setAgentStatus(ch.agent, 'Logged Out', actor);
          if (c.token) await sessions.revoke(c.token).catch(() => undefined);
          c.reply({ type: 'ack', id, seq: ch.seq });
          // This socket speaks for nobody any more; the agent's other tabs keep their channel.
          desk.release(ch, c, false);
          c.channel = null;
          c.token = null;
          return;
        }
      }
      c.reply({ type: 'ack', id, seq: ch.seq });
    } catch (err) {
      if (err instanceof SocketClosed) return;
      const e = toClientError(err);
      if (e.code === 'INTERNAL') log.error({ err }, 'desk command failed');
      refuse(c, id, e.code, e.message);
    }
  }

  async function login(c: Connection, m: Extract<ClientMessage, { type: 'login' }>, id: string | number | null): Promise<void> {
    if (c.channel) throw new ClientError('ALREADY_LOGGED_IN', `this socket is logged in as ${c.channel.agent}`);
    const agent = grammar.agentName(m.agent);
    if (m.contact !== undefined) grammar.deskContact(m.contact);
    if (throttle.blocked(agent, c.address)) throw new ClientError('RATE_LIMITED', 'too many failed logins; try again in a minute');
    const ok = await passwords.verify(agent, m.password);
    c.check();
    if (!ok) {
      throttle.failed(agent, c.address);
      throw new ClientError('AUTH_FAILED', 'wrong agent or password');
    }
    // The resume token first: if the store fails here, nothing has changed on the switch yet.
    const token = await sessions.issue(agent, sessionTtlS);
    try {
      c.check();
      await loginOnSwitch(c, m, agent, id, token);
    } catch (err) {
      await sessions.revoke(token).catch(() => undefined);
      throw err;
    }
  }

  async function loginOnSwitch(c: Connection, m: Extract<ClientMessage, { type: 'login' }>, agent: string, id: string | number | null, token: string): Promise<void> {
    const contact = m.contact === undefined ? undefined : grammar.deskContact(m.contact);
    const actor = { source: 'agent-desk' as const, id: agent, agent };
    if (!view.agents.has(agent)) await callCenter.getAgent(agent, actor);
    c.check();
    // A second seat moves the agent's contact to the new phone (put back if the login fails).
    const previousContact = view.agents.get(agent)?.contact;
    const moveContact = contact !== undefined && previousContact !== contact;
    if (moveContact) await callCenter.setAgentContact(agent, contact, actor);
    const status = m.ready ? 'Available' : 'On Break';
    const prior = desk.channel(agent);
    const graceWasRunning = !!prior && (prior.awayTimer !== null || prior.logoutTimer !== null);
    const ch = desk.attach(agent, c);
    c.channel = ch;
    if (!m.ready) desk.setBreakReason(ch, ch.breakReason ?? 'logged in');
    try {
      c.check();
      if (view.agents.get(agent)?.status !== status) await callCenter.setAgentStatus(agent, status, actor);
      c.check();
    } catch (err) {
      // A page that closed meanwhile left an agent the switch may now show as logged in:
      // like any vanished page, that starts the graces. A refused login starts none.
      if (err instanceof SocketClosed) desk.detach(ch, c, true);
      else desk.release(ch, c, graceWasRunning);
      c.channel = null;
      if (moveContact && previousContact && !(err instanceof SocketClosed)) {
        await callCenter.setAgentContact(agent, previousContact, actor).catch((e: Error) => log.warn({ agent, err: e.message }, 'could not put the contact back after a failed login'));
      }
      throw err;
    }
    c.token = token;
    c.reply({ type: 'ack', id, token, agent, seq: ch.seq });
    desk.push(ch, desk.snapshot(ch));
  }

  async function resume(c: Connection, m: Extract<ClientMessage, { type: 'resume' }>, id: string | number | null): Promise<void> {
    if (c.channel) throw new ClientError('ALREADY_LOGGED_IN', `this socket is logged in as ${c.channel.agent}`);
    const owner = await sessions.agentOf(m.token).catch(() => null);
    c.check();
    if (!owner || owner !== m.agent) throw new ClientError('BAD_TOKEN', 'unknown or expired session; log in again');
    sessions.touch(m.token, sessionTtlS).catch(() => undefined);
    const ch = desk.attach(owner, c);
    c.channel = ch;
    c.token = m.token;
    let missed = desk.missedSince(ch, m.lastSeq);
    if (m.lastSeq > ch.seq) {
      // The gateway restarted since (or forgot the channel after the logout grace): continue the
      // page's numbering so the snapshot is not taken for a duplicate. missedSince() already
      // said null (snapshot); asked after the jump it would say "nothing missed".
      desk.resetBuffer(ch, m.lastSeq);
      missed = null;
    }
    c.reply({ type: 'ack', id, agent: owner, seq: ch.seq });
    if (missed === null) {
      desk.push(ch, desk.snapshot(ch));
    } else {
      for (const json of missed) c.send(json);
    }
  }

  return {
    async close() {
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
