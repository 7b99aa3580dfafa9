import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { EslFrame } from './frame-parser.js';
import { decodeEventFrame, isEventFrame, type EslEvent, type EventFormat } from './event.js';
import { EslAuthError, EslCommandError, EslError, EslLinkDownError, EslTimeoutError } from './errors.js';
import { assertWireSafe } from './wire.js';
import { openTransport, type EslTransport } from './transport.js';
import type { Logger } from '../log.js';

export interface EslClientOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /** Default per-command timeout. */
  readonly commandTimeoutMs?: number;
  readonly format?: EventFormat;
  /**
   * Plain event names. BACKGROUND_JOB is added only while a bgapi is in flight: on a
   * busy switch it would otherwise bring every other program's job results.
   * No names and no subclasses: no `event` command (a connection for commands only).
   */
  readonly events?: readonly string[];
  /** Custom subclasses; sent after `CUSTOM`, which must end the line. */
  readonly customSubclasses?: readonly string[];
  /**
   * `filter <header> <value>` lines, sent before the subscription so no
   * unfiltered event slips through (see src/calls/subscription.ts).
   */
  readonly filters?: ReadonlyArray<readonly [string, string]>;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly connectTimeoutMs?: number;
  /** Several switches: stamped on every event read from this link (EslEvent.switchId). */
  readonly switchId?: string;
  readonly logger: Logger;
}

export interface LinkState {
  readonly connected: boolean;
  /** When the link last changed between up and down (ISO), null before the first attempt ends. */
  readonly since: string | null;
  readonly lastError: string | null;
  /** Successful connections after the first one. */
  readonly reconnects: number;
  readonly attempts: number;
}

export interface EslClientEvents {
  /** Authenticated and subscribed: commands may be sent. */
  ready: [];
  down: [error: Error];
  /** `readAt`: performance.now() when the frame was read off the socket (for cc_push_latency_seconds). */
  event: [event: EslEvent, readAt: number];
  /** A reply settled: for metrics and the audit trail. */
  command: [info: CommandOutcome];
}

export interface CommandOutcome {
  readonly command: string;
  readonly outcome: 'ok' | 'error' | 'timeout' | 'link_down';
  readonly latencyMs: number;
  readonly reply: string | null;
}

export interface ApiOptions {
  readonly timeoutMs?: number;
  readonly onReply?: (body: string) => void;
  /** Several switches: send to the switch holding this channel (see BgapiOptions.near). One link: ignored. */
  readonly near?: string;
}

interface Pending {
  readonly command: string;
  readonly sentAt: number;
  readonly resolve: (frame: EslFrame) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | null;
  settled: boolean;
}

interface PendingJob {
  readonly resolve: (body: string) => void;
  readonly reject: (error: Error) => void;
}

/** `true` when an api/bgapi body reports failure. */
export function isErrorReply(body: string): boolean {
  return body.startsWith('-ERR') || body.startsWith('-USAGE');
}

/**
 * The gateway's link to FreeSWITCH's event socket.
 *
 * Commands use `api` on one socket, pipelined and matched to replies in FIFO
 * order: mod_event_socket runs `api` synchronously in the connection's thread
 * (parse_command → api_exec without a thread), so replies come back in command
 * order. That costs no extra event per command (bgapi would add a
 * BACKGROUND_JOB event to every call) and keeps round trips sub-millisecond.
 * `bgapi` (Job-UUID correlation) is there for long-running commands.
 */
export class EslClient extends EventEmitter<EslClientEvents> {
  private transport: EslTransport | null = null;
  private pending: Pending[] = [];
  private jobs = new Map<string, PendingJob>();
  /** BACKGROUND_JOB is part of this connection's subscription (a bgapi is in flight). */
  private jobEvents = false;
  private isReady = false;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private state: { connected: boolean; since: string | null; lastError: string | null; reconnects: number; attempts: number; everConnected: boolean } = {
    connected: false,
    since: null,
    lastError: null,
    reconnects: 0,
    attempts: 0,
    everConnected: false,
  };
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: EslClientOptions) {
    super();
    this.timeoutMs = opts.commandTimeoutMs ?? 5000;
    this.log = opts.logger;
    for (const word of [...(opts.events ?? []), ...(opts.customSubclasses ?? [])]) assertWireSafe(word, 'subscription');
    for (const [h, v] of opts.filters ?? []) if (!/^[A-Za-z0-9_-]+$/.test(h) || !/^[^\s]+$/.test(v)) throw new EslError(`bad filter: ${h} ${v}`);
  }

  get ready(): boolean {
    return this.isReady;
  }

  linkState(): LinkState {
    const { everConnected: _e, ...rest } = this.state;
    return { ...rest };
  }

  /** Starts connecting; reconnects forever until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Closes the link, fails what is pending and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const t = this.transport;
    if (!t) return;
    await new Promise<void>((resolve) => {
      this.once('down', () => resolve());
      t.destroy(new EslLinkDownError('ESL client stopped'));
    });
  }

  /**
   * Sends `api <command>`; resolves with the body, rejects with a typed EslError.
   * `onReply` runs synchronously when the reply is read, before any event that
   * followed it on the wire: a resync applies its snapshot there, so events
   * newer than the snapshot are never overwritten by it.
   */
  async api(command: string, opts: ApiOptions = {}): Promise<string> {
    const frame = await this.send(`api ${command}`, undefined, opts.timeoutMs ?? this.timeoutMs, false, opts.onReply);
    const body = frame.body?.toString('utf8') ?? '';
    if (isErrorReply(body)) throw new EslCommandError(command, body.trim());
    return body;
  }

  /** Sends `bgapi <command>` and resolves with the BACKGROUND_JOB body. */
  async bgapi(command: string, { timeoutMs = this.timeoutMs }: { timeoutMs?: number; near?: string } = {}): Promise<string> {
    const jobUuid = randomUUID();
    const result = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.jobs.delete(jobUuid);
        reject(new EslTimeoutError(command, timeoutMs));
      }, timeoutMs);
      this.jobs.set(jobUuid, {
        resolve: (body) => {
          clearTimeout(timer);
          resolve(body);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
    try {
      if (!this.jobEvents && !this.jobsAlwaysSubscribed) {
        // Subscribed before the job runs: the switch reads this connection's commands in order.
        this.jobEvents = true;
        void this.send(this.subscriptionLine(true), undefined, timeoutMs).then(
          (f) => {
            const r = f.headers['Reply-Text'] ?? '';
            if (r.startsWith('+OK')) return;
            this.jobEvents = false;
            this.jobs.get(jobUuid)?.reject(new EslCommandError('event', r));
            this.jobs.delete(jobUuid);
          },
          () => {
            // Link down or timed out: the bgapi below fails the same way; a new connection starts unsubscribed.
            this.jobEvents = false;
          },
        );
      }
      const accepted = await this.send(`bgapi ${command}`, { 'Job-UUID': jobUuid }, timeoutMs);
      // A refused bgapi (e.g. permission denied) gets no BACKGROUND_JOB: fail now, not at the timeout.
      const reply = accepted.headers['Reply-Text'] ?? '';
      if (isErrorReply(reply)) throw new EslCommandError(command, reply);
    } catch (err) {
      this.jobs.get(jobUuid)?.reject(err as Error);
      this.jobs.delete(jobUuid);
    }
    let body: string;
    try {
      body = await result;
    } finally {
      this.unsubscribeJobsWhenIdle();
    }
    if (isErrorReply(body)) throw new EslCommandError(command, body.trim());
    return body;
  }

  /** BACKGROUND_JOB is in the connection's own subscription (ESL_EVENTS): never taken away by a nixevent. */
  private get jobsAlwaysSubscribed(): boolean {
    return this.opts.events?.includes('BACKGROUND_JOB') ?? false;
  }

  /** The last job settled: stop receiving BACKGROUND_JOB (other programs' jobs included). */
  private unsubscribeJobsWhenIdle(): void {
    if (this.jobs.size > 0 || !this.jobEvents || !this.isReady || this.jobsAlwaysSubscribed) return;
    this.jobEvents = false;
    this.send('nixevent BACKGROUND_JOB', undefined, this.timeoutMs).catch(() => undefined);
  }

  /** Sends one command block and resolves with its reply frame (command/reply or api/response). */
  private send(
    command: string,
    headers: Record<string, string> | undefined,
    timeoutMs: number,
    internal = false,
    onReply?: (body: string) => void,
  ): Promise<EslFrame> {
    assertWireSafe(command);
    if (headers) for (const [k, v] of Object.entries(headers)) assertWireSafe(`${k}: ${v}`, 'header');
    const transport = this.transport;
    if (!transport || (!this.isReady && !internal)) return Promise.reject(new EslLinkDownError());
    return new Promise<EslFrame>((resolve, reject) => {
      const entry: Pending = {
        command,
        sentAt: performance.now(),
        settled: false,
        timer: null,
        resolve: (frame) => {
          if (entry.timer) clearTimeout(entry.timer);
          const body = frame.body?.toString('utf8') ?? frame.headers['Reply-Text'] ?? '';
          const failed = isErrorReply(body);
          this.report(command, failed ? 'error' : 'ok', entry.sentAt, body);
          if (onReply && !failed) {
            try {
              onReply(body);
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
              return;
            }
          }
          resolve(frame);
        },
        reject: (err) => {
          if (entry.timer) clearTimeout(entry.timer);
          this.report(command, err instanceof EslTimeoutError ? 'timeout' : 'link_down', entry.sentAt, null);
          reject(err);
        },
      };
      entry.timer = setTimeout(() => this.onTimeout(entry, timeoutMs), timeoutMs);
      this.pending.push(entry);
      try {
        transport.send(command, headers);
      } catch (err) {
        this.settle(entry, () => entry.reject(err instanceof EslError ? err : new EslLinkDownError((err as Error).message)));
      }
    });
  }

  private onTimeout(entry: Pending, timeoutMs: number): void {
    if (entry.settled) return;
    // Reject now but keep the entry queued: its late reply must still be consumed
    // by it, or every later reply would be handed to the wrong caller.
    entry.settled = true;
    entry.reject(new EslTimeoutError(entry.command, timeoutMs));
    // A switch that has not answered for a further timeout is wedged: reconnect.
    setTimeout(() => {
      if (this.pending.includes(entry) && this.transport) {
        this.log.warn({ command: entry.command.slice(0, 60) }, 'FreeSWITCH stopped answering; dropping the ESL link');
        this.transport.destroy(new EslLinkDownError('FreeSWITCH stopped answering commands'));
      }
    }, timeoutMs).unref();
  }

  private settle(entry: Pending, fn: () => void): void {
    const i = this.pending.indexOf(entry);
    if (i !== -1) this.pending.splice(i, 1);
    if (entry.settled) return;
    entry.settled = true;
    fn();
  }

  private report(command: string, outcome: CommandOutcome['outcome'], sentAt: number, reply: string | null): void {
    if (this.listenerCount('command') === 0) return;
    this.emit('command', { command, outcome, latencyMs: performance.now() - sentAt, reply });
  }

  private connect(): void {
    this.state.attempts++;
    let handshakeError: Error | null = null;
    const transport = openTransport(
      { host: this.opts.host, port: this.opts.port, password: this.opts.password, connectTimeoutMs: this.opts.connectTimeoutMs ?? 3000 },
      {
        onConnect: () => {
          this.log.debug({ host: this.opts.host, port: this.opts.port }, 'ESL TCP connected, waiting for auth/request');
        },
        onFrame: (frame, readAt) => {
          const type = frame.headers['Content-Type'];
          if (type === 'command/reply' || type === 'api/response') {
            const head = this.pending.shift();
            if (head && !head.settled) {
              head.settled = true;
              head.resolve(frame);
            }
            return;
          }
          if (isEventFrame(frame)) {
            let event: EslEvent;
            try {
              event = decodeEventFrame(frame);
              if (this.opts.switchId !== undefined) event = { ...event, switchId: this.opts.switchId };
            } catch (err) {
              this.log.warn({ err }, 'undecodable ESL event skipped');
              return;
            }
            if (event.name === 'BACKGROUND_JOB') this.onBackgroundJob(event);
            this.emit('event', event, readAt);
            return;
          }
          if (type === 'auth/request') {
            this.handshake(transport).catch((err: Error) => {
                handshakeError = err;
                if (err instanceof EslAuthError) this.log.error({ host: this.opts.host, port: this.opts.port }, err.message);
                else this.log.warn({ err: err.message }, 'ESL handshake failed');
                transport.destroy(err);
            });
            return;
          }
          if (type === 'text/disconnect-notice') {
            this.log.info('FreeSWITCH sent a disconnect notice');
          }
        },
        onClose: (error) => {
          this.transport = null;
          const wasReady = this.isReady;
          this.isReady = false;
          const failed = this.pending;
          this.pending = [];
          const down = new EslLinkDownError(`ESL link down: ${error.message}`);
          for (const entry of failed) {
            if (!entry.settled) {
              entry.settled = true;
              entry.reject(down);
            }
          }
          for (const job of this.jobs.values()) job.reject(down);
          this.jobs.clear();
          this.jobEvents = false;
          this.state.lastError = (handshakeError ?? error).message;
          if (wasReady) {
            this.state.connected = false;
            this.state.since = new Date().toISOString();
            if (this.stopped) this.log.info('ESL link closed');
            else this.log.warn({ err: error.message }, 'ESL link down');
          } else {
            if (!this.state.since) this.state.since = new Date().toISOString();
            // Unreachable switch: say so, at attempts 1, 2, 4, 8, … so the log does not flood.
            const n = this.failures + 1;
            if (!handshakeError && !this.stopped && (n & (n - 1)) === 0) {
              this.log.warn({ host: this.opts.host, port: this.opts.port, attempt: n, err: error.message }, 'cannot reach FreeSWITCH; retrying');
            }
          }
          this.emit('down', error);
          if (!this.stopped) this.scheduleReconnect();
        },
      },
    );
    this.transport = transport;
  }

  private async handshake(transport: EslTransport): Promise<void> {
    const auth = await this.send(`auth ${this.opts.password}`, undefined, this.timeoutMs, true);
    const authReply = auth.headers['Reply-Text'] ?? '';
    if (!authReply.startsWith('+OK')) throw new EslAuthError(authReply);
    if (this.subscribes) {
      // Filters first: the switch applies them to whatever the event line then subscribes.
      for (const [header, value] of this.opts.filters ?? []) {
        const f = await this.send(`filter ${header} ${value}`, undefined, this.timeoutMs, true);
        const fReply = f.headers['Reply-Text'] ?? '';
        if (!fReply.startsWith('+OK')) throw new EslCommandError('filter', fReply);
      }
      const sub = await this.send(this.subscriptionLine(), undefined, this.timeoutMs, true);
      const subReply = sub.headers['Reply-Text'] ?? '';
      if (!subReply.startsWith('+OK')) throw new EslCommandError('event', subReply);
    }
    if (this.transport !== transport) return;
    // A new connection has only the base subscription: the next bgapi adds BACKGROUND_JOB again.
    this.jobEvents = false;
    this.failures = 0;
    this.isReady = true;
    if (this.state.everConnected) this.state.reconnects++;
    this.state.everConnected = true;
    this.state.connected = true;
    this.state.since = new Date().toISOString();
    this.log.info({ host: this.opts.host, port: this.opts.port, reconnects: this.state.reconnects }, 'ESL link up');
    this.emit('ready');
  }

  private get subscribes(): boolean {
    return (this.opts.events?.length ?? 0) > 0 || (this.opts.customSubclasses?.length ?? 0) > 0;
  }

  /**
   * The real switch reads every word after `CUSTOM` as a subclass name, so
   * plain event names go first and `CUSTOM <subclasses>` last. `withJobs`: the
   * line sent while a bgapi is in flight (`event` adds to what is subscribed).
   */
  subscriptionLine(withJobs = false): string {
    const names = new Set([...(withJobs ? ['BACKGROUND_JOB'] : []), ...(this.opts.events ?? [])]);
    names.delete('CUSTOM');
    const subclasses = this.opts.customSubclasses ?? [];
    const words = [...names, ...(subclasses.length ? ['CUSTOM', ...subclasses] : [])];
    return `event ${this.opts.format ?? 'plain'} ${words.join(' ')}`;
  }

  private onBackgroundJob(event: EslEvent): void {
    const id = event.headers.get('Job-UUID');
    if (!id) return;
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    job.resolve(event.body);
  }

  private scheduleReconnect(): void {
    this.failures++;
    const initial = this.opts.backoff?.initialMs ?? 100;
    const max = this.opts.backoff?.maxMs ?? 5000;
    const ceiling = Math.min(max, initial * 2 ** (this.failures - 1));
    // "Equal jitter": never less than half the step, so a flapping switch is not hammered.
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.stopped) return;
      try {
        this.connect();
      } catch (err) {
        // Thrown in a timer it would be uncaught and end the process: a failed attempt like any other.
        this.state.lastError = (err as Error).message;
        this.log.error({ err }, 'ESL connect failed at once; retrying');
        this.scheduleReconnect();
      }
    }, delay);
  }
}
