import type { WebSocket } from 'ws';
import * as grammar from '../callcenter/grammar.js';
import { CallcenterError } from '../callcenter/replies.js';
import type { CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import { EslLinkDownError, EslTimeoutError } from '../esl/errors.js';
import type { Logger } from '../log.js';
import type { PasswordStore } from '../store/passwords.js';
import type { SessionStore } from '../store/sessions.js';
import { isRedisError } from '../store/redis.js';
import type { AgentChannel, AgentDesk, DeskSocket } from './desk.js';
import type { ErrorCode, ServerMessage } from './protocol.js';

/** What the desk socket's handlers work with, built once per WebSocket server. */
export interface DeskContext {
  readonly desk: AgentDesk;
  readonly callCenter: CallCenter;
  readonly view: ViewReader;
  readonly passwords: PasswordStore;
  readonly sessions: SessionStore;
  readonly log: Logger;
  /** How long a resume token stays valid after its page's last sign of life. */
  readonly sessionTtlS: number;
}

/** The socket closed while its command was waiting: nothing more to do for it. */
export class SocketClosed extends Error {}

/** A refusal the page hears as an `error` with this code. */
export class ClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  if (err instanceof grammar.GrammarError) return new ClientError(err.field === 'contact' ? 'BAD_CONTACT' : 'BAD_MESSAGE', err.message);
  if (err instanceof CallcenterError) return new ClientError(err.code === 'AGENT_NOT_FOUND' ? 'AGENT_NOT_FOUND' : 'SWITCH_REFUSED', `FreeSWITCH refused: ${err.reply}`);
  if (err instanceof EslLinkDownError) return new ClientError('SWITCH_DOWN', 'FreeSWITCH is not reachable; nothing was changed');
  if (err instanceof EslTimeoutError) return new ClientError('SWITCH_TIMEOUT', 'FreeSWITCH did not answer in time');
  if (isRedisError(err)) return new ClientError('STORE_DOWN', 'the gateway cannot reach its store (Redis); nothing was changed');
  return new ClientError('INTERNAL', 'the gateway could not do that');
}

/** Per-socket state: which agent it speaks for, and how much abuse it has sent. */
export class Connection implements DeskSocket {
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
