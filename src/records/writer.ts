import type { Logger } from '../log.js';
import type { LiveCall } from './model.js';
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
}

interface Pending {
  live: LiveCall | null;
  finished: Finished | null;
}

/**
 * Batches call changes into transactions and keeps them until the database
 * took them. Per call only the latest live state is kept (a call that ended
 * needs no live row); the order of calls is kept. A failed write keeps the
 * whole batch and retries with backoff, for as long as it takes: a database
 * outage delays records, it does not lose them (they are lost only if this
 * process dies before the database comes back).
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

  constructor(private readonly opts: WriterOptions) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.lingerMs = opts.lingerMs ?? 20;
    this.retryMs = opts.retryMinMs ?? 100;
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
  }

  /** Resolves when everything queued so far is written (or the writer was closed). */
  async flush(): Promise<void> {
    if (this.pending.size === 0 && !this.running) return;
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size > 0) {
      const lost = [...this.pending.values()].filter((p) => p.finished).map((p) => p.finished!.call.memberUuid);
      if (lost.length) this.opts.logger.error({ records: lost.length, memberUuids: lost.slice(0, 50) }, 'call records not written at shutdown (database unreachable)');
    }
    for (const w of this.idleWaiters.splice(0)) w();
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
      if (this.pending.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      else if (!this.timer) this.schedule(0); // a timer is set when waiting to retry or for the database to open
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      if (this.opts.canWrite && !this.opts.canWrite()) {
        this.timer = setTimeout(() => {
          this.timer = null;
          void this.run();
        }, 200);
        return;
      }
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
      const started = performance.now();
      try {
        const { inserted } = await this.opts.write(live, finished);
        // Only what was written leaves; a newer change that arrived meanwhile stays.
        for (const [uuid, p] of batch) if (this.pending.get(uuid) === p) this.pending.delete(uuid);
        this.opts.onWritten?.({ records: finished.length, inserted, live: live.length, ms: performance.now() - started });
        if (this.failing) this.opts.logger.info({ backlog: this.pending.size }, 'call records database reachable again; writing the backlog');
        this.failing = false;
        this.retryMs = this.opts.retryMinMs ?? 100;
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        this.opts.onError?.(e);
        if (!this.failing) this.opts.logger.warn({ err: e.message, backlog: this.pending.size }, 'call records not written; keeping them and retrying');
        this.failing = true;
        const wait = this.retryMs;
        this.retryMs = Math.min(this.opts.retryMaxMs ?? 5000, this.retryMs * 2);
        if (!this.closed) {
          this.timer = setTimeout(() => {
            this.timer = null;
            void this.run();
          }, wait);
        }
        return;
      }
    }
  }
}
