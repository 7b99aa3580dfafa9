import type { Logger } from '../log.js';
import type { LiveCall } from './model.js';
import type { RecordSpool } from './spool.js';
import type { Finished } from './store.js';

export interface WriterOptions {
  /** Writes one batch; throws when the database refused or is unreachable. */
  readonly write: (live: LiveCall[], finished: Finished[]) => Promise<{ inserted: number }>;
  readonly logger: Logger;
  /** Largest batch written in one transaction. */
  readonly maxBatch?: number;
  /** How long changes may wait to be batched with others (ms). */
  readonly lingerMs?: number;
  /** Retry after a failed write: doubles from this… */
  readonly retryMinMs?: number;
  /** …up to this (ms). */
  readonly retryMaxMs?: number;
  readonly onWritten?: (n: { records: number; inserted: number; live: number; ms: number }) => void;
  readonly onError?: (err: Error) => void;
  /** False while the database is not open yet: changes wait (checked again every 200 ms) without counting as failures. */
  readonly canWrite?: () => boolean;
  /**
   * Where ended calls wait while the database cannot take them, outside this
   * process (src/records/spool.ts); without one they wait in memory only.
   */
  readonly spool?: RecordSpool | null;
  /** Records moved to the spool. */
  readonly onSpooled?: (n: number) => void;
  /** Records the spool refused because it is full (each counted once): they wait in this process's memory. */
  readonly onSpoolFull?: (n: number) => void;
}

/** While Redis cannot be read, the spool is looked at again this often. */
const SPOOL_RECHECK_MS = 5000;

interface Pending {
  live: LiveCall | null;
  finished: Finished | null;
}

/**
 * Batches call changes into transactions and keeps them until the database
 * took them. Per call only the latest live state is kept (a call that ended
 * needs no live row); the order of calls is kept. A failed write keeps the
 * whole batch and retries with backoff, for as long as it takes: a database
 * outage delays records, it does not lose them. With a spool, ended calls
 * that cannot be written (a failed write, the database not open yet, a stop)
 * move there within `lingerMs`, and the spool is written first, oldest
 * first, whenever the database answers: a restart or a crash during the
 * outage loses none. Without one (or with the spool full or Redis away too)
 * they wait in memory, as before: lost only if the process dies meanwhile.
 */
export class RecordWriter {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failing = false;
  private retryMs: number;
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly spool: RecordSpool | null;
  /** The spool may hold records (an earlier process's, or ours): drained before the memory queue. */
  private spoolMayHold: boolean;
  /** The last read of the spool failed (Redis away): the memory queue goes on, the spool is looked at later. */
  private spoolUnreadable = false;
  private spoolTimer: NodeJS.Timeout | null = null;
  private spooling: Promise<void> | null = null;
  /** Records the spool refused (full), counted once each; they wait in memory. */
  private readonly overflow = new Set<string>();
  private spoolDownLogged = false;
  private spoolReadLogged = false;
  private readonly spoolWaiters: Array<() => void> = [];

  constructor(private readonly opts: WriterOptions) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.lingerMs = opts.lingerMs ?? 20;
    this.retryMs = opts.retryMinMs ?? 100;
    this.spool = opts.spool ?? null;
    this.spoolMayHold = this.spool !== null;
  }

  /** False while the writer has nothing of its own nor (as far as it can tell) in the spool. */
  private get idle(): boolean {
    return this.pending.size === 0 && (!this.spoolMayHold || this.spoolUnreadable);
  }

  /** Resolves once the spool was found empty (or unreadable, or the writer closed): what an earlier process left is written. */
  spoolSettled(): Promise<void> {
    if (!this.spool || !this.spoolMayHold || this.spoolUnreadable || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.spoolWaiters.push(resolve));
  }

  private spoolSettling(): void {
    for (const w of this.spoolWaiters.splice(0)) w();
  }

  /** Starts draining what an earlier process left in the spool (once the database can take it). */
  start(): void {
    if (this.spool) this.schedule(0);
  }

  /** Calls waiting to be written (live changes and ended calls). */
  get backlog(): number {
    return this.pending.size;
  }

  get healthy(): boolean {
    return !this.failing;
  }

  live(call: LiveCall): void {
    const p = this.pending.get(call.memberUuid);
    if (p?.finished) return; // ended already: its live row is on its way out
    // A new entry, never a change to the old one: a batch being written holds the old one, and only
    // an entry that is still the same object when the write succeeds leaves the queue.
    this.pending.set(call.memberUuid, { live: call, finished: null });
    this.schedule(this.lingerMs);
  }

  finished(f: Finished): void {
    // Re-inserted so that it keeps its place after earlier calls.
    this.pending.delete(f.call.memberUuid);
    this.pending.set(f.call.memberUuid, { live: null, finished: f });
    this.schedule(this.lingerMs);
    // The database cannot take it now: out of this process within lingerMs, not at the next retry.
    if (this.spool && (this.failing || (this.opts.canWrite && !this.opts.canWrite()))) this.spoolSoon();
  }

  private spoolSoon(): void {
    if (this.spoolTimer || this.closed) return;
    this.spoolTimer = setTimeout(() => {
      this.spoolTimer = null;
      if (!this.running) void this.toSpool();
    }, this.lingerMs);
    this.spoolTimer.unref();
  }

  /**
   * Moves the ended calls waiting in memory to the spool (those it refuses,
   * being full, stay in memory: counted once each and logged). One at a time.
   */
  private toSpool(): Promise<void> {
    this.spooling ??= this.spoolPending().finally(() => (this.spooling = null));
    return this.spooling;
  }

  private async spoolPending(): Promise<void> {
    if (!this.spool) return;
    // Those the full spool refused once stay in memory (written straight to the database later): not offered again at every retry.
    const items = [...this.pending].filter(([uuid, p]) => p.finished !== null && !this.overflow.has(uuid));
    if (items.length === 0) return;
    let res: { added: number; full: Finished[] };
    try {
      res = await this.spool.add(items.map(([, p]) => p.finished!));
    } catch (err) {
      if (!this.spoolDownLogged) this.opts.logger.warn({ err: (err as Error).message, records: items.length }, 'call records could not be spooled to Redis either; they wait in this process’s memory');
      this.spoolDownLogged = true;
      return;
    }
    this.spoolDownLogged = false;
    this.spoolMayHold = true;
    const refused = new Set(res.full.map((f) => f.call.memberUuid));
    for (const [uuid, p] of items) if (!refused.has(uuid) && this.pending.get(uuid) === p) this.pending.delete(uuid);
    if (res.added > 0) this.opts.onSpooled?.(res.added);
    const fresh = res.full.filter((f) => !this.overflow.has(f.call.memberUuid));
    if (fresh.length > 0) {
      for (const f of fresh) this.overflow.add(f.call.memberUuid);
      this.opts.onSpoolFull?.(fresh.length);
      this.opts.logger.error({ records: fresh.length, inMemory: this.overflow.size }, 'call-record spool full (RECORDS_SPOOL_MAX): these records wait in this process’s memory and are lost if it stops before the database is back');
    }
  }

  /** Resolves when everything queued so far is written (or the writer was closed). */
  async flush(): Promise<void> {
    if (this.idle && !this.running) return;
    if (!this.failing) this.schedule(0);
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops the timers after one last attempt, bounded by `timeoutMs`; what is
   * still pending then is reported in the log (count and member UUIDs).
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.pending.size > 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      const attempt = this.run();
      await Promise.race([attempt, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.closed = true;
    for (const t of [this.timer, this.spoolTimer]) if (t) clearTimeout(t);
    this.timer = null;
    this.spoolTimer = null;
    // What the database did not take goes to the spool: the next process (or another instance) writes it.
    if (this.spool && this.pending.size > 0) {
      await this.spooling;
      await Promise.race([this.toSpool(), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    if (this.pending.size > 0) {
      const lost = [...this.pending.values()].filter((p) => p.finished).map((p) => p.finished!.call.memberUuid);
      if (lost.length) this.opts.logger.error({ records: lost.length, memberUuids: lost.slice(0, 50) }, 'call records not written at shutdown (database unreachable, and not spooled)');
    }
    for (const w of this.idleWaiters.splice(0)) w();
    this.spoolSettling();
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.running) return;
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delayMs);
  }

  private run(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.idle) for (const w of this.idleWaiters.splice(0)) w();
      else if (!this.timer && !this.closed) this.schedule(0); // a timer is set when waiting to retry or for the database to open
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    await this.spooling;
    while (!this.closed) {
      if (this.opts.canWrite && !this.opts.canWrite()) {
        await this.toSpool();
        if (this.idle || this.closed) return;
        this.timer = setTimeout(() => {
          this.timer = null;
          void this.run();
        }, 200);
        return;
      }
      // What waits in the spool is older than what waits here: written first.
      if (this.spool && this.spoolMayHold && !this.spoolUnreadable) {
        const r = await this.writeSpooled(this.spool);
        if (r === 'failed') return this.retryLater(true);
        if (r === 'written') continue;
      }
      if (this.pending.size === 0) return;
      const batch: Array<[string, Pending]> = [];
      for (const entry of this.pending) {
        batch.push(entry);
        if (batch.length >= this.maxBatch) break;
      }
      const live: LiveCall[] = [];
      const finished: Finished[] = [];
      for (const [, p] of batch) {
        if (p.finished) finished.push(p.finished);
        else if (p.live) live.push(p.live);
      }
      if (!(await this.write(live, finished))) return this.retryLater(true);
      // Only what was written leaves; a newer change that arrived meanwhile stays.
      for (const [uuid, p] of batch) {
        if (this.pending.get(uuid) !== p) continue;
        this.pending.delete(uuid);
        this.overflow.delete(uuid);
      }
    }
  }

  /** One transaction; false when it failed (counted, logged once per outage). */
  private async write(live: LiveCall[], finished: Finished[]): Promise<boolean> {
    const started = performance.now();
    try {
      const { inserted } = await this.opts.write(live, finished);
      this.opts.onWritten?.({ records: finished.length, inserted, live: live.length, ms: performance.now() - started });
      if (this.failing) this.opts.logger.info({ backlog: this.pending.size }, 'call records database reachable again; writing the backlog');
      this.failing = false;
      this.retryMs = this.opts.retryMinMs ?? 100;
      return true;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.opts.onError?.(e);
      if (!this.failing) this.opts.logger.warn({ err: e.message, backlog: this.pending.size }, this.spool ? 'call records not written; spooling them to Redis and retrying' : 'call records not written; keeping them and retrying');
      this.failing = true;
      return false;
    }
  }

  /** The oldest batch of the spool, written and then removed from it. */
  private async writeSpooled(spool: RecordSpool): Promise<'written' | 'empty' | 'failed'> {
    let batch: Finished[];
    try {
      batch = await spool.peek(this.maxBatch);
    } catch (err) {
      // Redis away: this process's own queue goes on; the spool is looked at again later.
      if (!this.spoolReadLogged) this.opts.logger.warn({ err: (err as Error).message }, 'call-record spool unreadable (Redis); looking again every 5 s');
      this.spoolReadLogged = true;
      this.spoolUnreadable = true;
      this.spoolSettling();
      setTimeout(() => {
        this.spoolUnreadable = false;
        this.schedule(0);
      }, SPOOL_RECHECK_MS).unref();
      return 'empty';
    }
    this.spoolReadLogged = false;
    if (batch.length === 0) {
      this.spoolMayHold = false;
      this.spoolSettling();
      return 'empty';
    }
    if (!(await this.write([], batch))) return 'failed';
    // Written: if Redis fails to forget them now, a later drain writes them again and the primary key keeps one row.
    await spool.remove(batch.map((f) => f.call.memberUuid)).catch((err: Error) => this.opts.logger.warn({ err: err.message }, 'written call records not removed from the spool (written again later, kept once)'));
    return 'written';
  }

  private retryLater(spoolFirst: boolean): void {
    const wait = this.retryMs;
    this.retryMs = Math.min(this.opts.retryMaxMs ?? 5000, this.retryMs * 2);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
    if (spoolFirst && this.spool) void this.toSpool();
  }
}
