import client from 'prom-client';
import type { Redis } from 'ioredis';
import type { CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import { migrate, openDatabase, type Database } from '../db/database.js';
import type { Logger } from '../log.js';
import type { LiveCall } from './model.js';
import { getRecord, purgeRecords, queryRecords, streamRecords, writeBatch, type Keyset, type RecordFilter, type RecordPage, type StoredRecord } from './store.js';
import { CallTracker } from './tracker.js';
import { RecordWriter } from './writer.js';
import { redisRecordSpool, type RecordSpool } from './spool.js';

/** The spool's keys expire this long after the last record was added: longer than any database outage should last. */
const SPOOL_TTL_MS = 7 * 86_400_000;

export interface CallRecordsOptions {
  readonly databaseUrl: string | null;
  readonly pgliteDataDir: string | null;
  /** Records older than this many days are purged (0: kept for ever). */
  readonly retentionDays: number;
  readonly purgeIntervalMs?: number;
  readonly registry: client.Registry;
  readonly logger: Logger;
  /** Tests: how long the writer lets changes gather before a batch (ms). */
  readonly lingerMs?: number;
  readonly retryMaxMs?: number;
  /** Where ended calls wait while the database cannot take them (null: in memory only). */
  readonly spool?: { readonly redis: Redis; readonly keyPrefix: string; readonly max: number } | null;
}

/** Thrown by reads while the database is not (yet) available. */
export class RecordsUnavailableError extends Error {
  override readonly name = 'RecordsUnavailableError';
}

/**
 * Call records: follows the callcenter events (CallTracker), writes live calls
 * and finished records to the database in batches (RecordWriter), answers the
 * REST reads, and purges old records. The database is opened and migrated in
 * the background, with retries: the gateway's calls and pages never wait for
 * it, and records gathered meanwhile are written once it answers.
 */
export class CallRecords {
  readonly tracker = new CallTracker();
  readonly writer: RecordWriter;
  private db: Database | null = null;
  private opening: Promise<void> | null = null;
  private stopped = false;
  private purgeTimer: NodeJS.Timeout | null = null;
  private openTimer: NodeJS.Timeout | null = null;
  /** The open attempt in flight (stop waits for it, so no database is left open behind it). */
  private attempt: Promise<void> | null = null;
  private readonly log: Logger;
  private readonly metrics: {
    written: client.Counter;
    errors: client.Counter;
    backlog: client.Gauge;
    batchSeconds: client.Histogram;
    live: client.Gauge;
    spooled: client.Counter;
    spoolFull: client.Counter;
    spool: client.Gauge;
  };
  private readonly spool: RecordSpool | null;

  constructor(
    callCenter: CallCenter,
    view: ViewReader,
    private readonly opts: CallRecordsOptions,
  ) {
    this.log = opts.logger;
    const registers = [opts.registry];
    this.metrics = {
      written: new client.Counter({ name: 'cc_call_records_written_total', help: 'Call records inserted (a record another instance wrote first is not counted)', registers }),
      errors: new client.Counter({ name: 'cc_call_records_write_errors_total', help: 'Failed call-record write batches (kept and retried)', registers }),
      backlog: new client.Gauge({ name: 'cc_call_records_backlog', help: 'Calls whose live state or record waits to be written', registers, collect: (): void => this.metrics.backlog.set(this.writer.backlog) }),
      batchSeconds: new client.Histogram({ name: 'cc_call_records_batch_seconds', help: 'One call-record write transaction', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers }),
      live: new client.Gauge({ name: 'cc_live_calls', help: 'Calls in a queue or with an agent now', registers, collect: (): void => this.metrics.live.set(this.tracker.size) }),
      spooled: new client.Counter({ name: 'cc_call_records_spooled_total', help: 'Call records moved to the Redis spool while the database could not take them', registers }),
      spoolFull: new client.Counter({ name: 'cc_call_records_spool_full_total', help: 'Call records the spool refused (RECORDS_SPOOL_MAX reached): kept in this process’s memory only', registers }),
      spool: new client.Gauge({
        name: 'cc_call_records_spool',
        help: 'Call records waiting in the Redis spool (all instances); -1 when Redis cannot say',
        registers,
        collect: async (): Promise<void> => {
          this.metrics.spool.set(this.spool ? await this.spool.size().catch(() => -1) : 0);
        },
      }),
    };
    this.spool = opts.spool
      ? redisRecordSpool(opts.spool.redis, {
          keyPrefix: opts.spool.keyPrefix,
          max: opts.spool.max,
          ttlMs: SPOOL_TTL_MS,
          onUnreadable: (uuids) => this.log.error({ memberUuids: uuids.slice(0, 50), records: uuids.length }, 'unreadable entries dropped from the call-record spool'),
        })
      : null;
    this.writer = new RecordWriter({
      write: (live, finished) => {
        if (!this.db) return Promise.reject(new RecordsUnavailableError('call records database not open yet'));
        return writeBatch(this.db.pool, live, finished);
      },
      logger: this.log,
      ...(opts.lingerMs !== undefined ? { lingerMs: opts.lingerMs } : {}),
      ...(opts.retryMaxMs !== undefined ? { retryMaxMs: opts.retryMaxMs } : {}),
      onWritten: (n) => {
        this.metrics.written.inc(n.inserted);
        this.metrics.batchSeconds.observe(n.ms / 1000);
      },
      onError: () => this.metrics.errors.inc(),
      canWrite: () => this.db !== null,
      spool: this.spool,
      onSpooled: (n) => this.metrics.spooled.inc(n),
      onSpoolFull: (n) => this.metrics.spoolFull.inc(n),
    });
    this.writer.start();
    this.tracker.on('live', (c) => this.writer.live(c));
    this.tracker.on('ended', (call, end) => this.writer.finished({ call, end }));
    callCenter.on('event', (e) => this.tracker.apply(e));
    // Calls that began before this instance listened (start, reconnect) come from the switch's member lists.
    callCenter.on('resynced', () => this.tracker.reconcile(view.members));
    this.tracker.on('vanished', (c) =>
      this.log.warn({ memberUuid: c.memberUuid, queue: c.queue }, 'a call ended while the switch link was down: no record unless another gateway instance saw its end'),
    );
  }

  get backend(): Database['backend'] | null {
    return this.db?.backend ?? null;
  }

  get ready(): boolean {
    return this.db !== null;
  }

  /** The open database's pool, else null: for modules that keep their own tables there (src/outbound, src/queues) or store with the calls (after-call dispositions). */
  get databasePool(): Database['pool'] | null {
    return this.db?.pool ?? null;
  }

  /** Opens and migrates the database, retrying in the background until it works. Resolves on the first success. */
  start(): Promise<void> {
    this.opening ??= new Promise<void>((resolve) => {
      const attempt = (n: number) => {
        this.attempt = this.open();
        this.attempt.then(
          () => {
            this.log.info({ backend: this.db?.backend }, 'call records database ready');
            void this.writer.flush();
            this.schedulePurge(0);
            resolve();
          },
          (err: Error) => {
            if (this.stopped) return resolve();
            const delay = Math.min(10_000, 500 * 2 ** n);
            this.metrics.errors.inc();
            this.log.warn({ err: err.message, retryInMs: delay }, 'call records database not available');
            this.openTimer = setTimeout(() => attempt(n + 1), delay);
            this.openTimer.unref();
          },
        );
      };
      attempt(0);
    });
    return this.opening;
  }

  private async open(): Promise<void> {
    const db = await openDatabase({ url: this.opts.databaseUrl, pgliteDataDir: this.opts.pgliteDataDir, logger: this.log });
    try {
      await migrate(db, this.log);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await db.close();
      return;
    }
    if (db.backend === 'pglite' && !this.opts.pgliteDataDir) this.log.warn('call records are kept in memory (embedded PGlite): set DATABASE_URL (or PGLITE_DATA_DIR) to keep them');
    this.db = db;
  }

  private schedulePurge(delayMs: number): void {
    if (this.stopped) return;
    this.purgeTimer = setTimeout(() => {
      void this.purge().finally(() => this.schedulePurge(this.opts.purgeIntervalMs ?? 3_600_000));
    }, delayMs);
    this.purgeTimer.unref();
  }

  /** Deletes records past the retention (CALL_RETENTION_DAYS; 0 keeps them) and stale live rows; returns how many records. */
  async purge(now = Date.now()): Promise<number> {
    const pool = this.pool();
    try {
      const n = this.opts.retentionDays > 0 ? await purgeRecords(pool, new Date(now - this.opts.retentionDays * 86_400_000)) : 0;
      // Live rows left by a writer that lost a race with a record (a second instance): harmless, but tidy them.
      await pool.query('DELETE FROM live_calls l USING call_records r WHERE r.member_uuid = l.member_uuid');
      // No queue call lasts a day: such a row is from a call that ended while no gateway listened.
      await pool.query("DELETE FROM live_calls WHERE updated_at < now() - interval '1 day'");
      if (n > 0) this.log.info({ purged: n, retentionDays: this.opts.retentionDays }, 'old call records purged');
      return n;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'call record purge failed; next attempt at the next interval');
      return 0;
    }
  }

  private pool() {
    if (!this.db) throw new RecordsUnavailableError('call records database not available');
    return this.db.pool;
  }

  /**
   * Resolves once the database is open and what an earlier process left in
   * the spool is written: the KPI seed waits for it, so that a restarted
   * instance counts those calls (they ended before it listened).
   */
  async settled(): Promise<void> {
    await this.start();
    await this.writer.spoolSettled();
  }

  /** The pool for read-only reports (KPIs); throws RecordsUnavailableError while the database is not open. */
  reportPool(): Database['pool'] {
    return this.pool();
  }

  live(): LiveCall[] {
    return this.tracker.list();
  }

  query(f: RecordFilter, opts: { limit: number; order: 'asc' | 'desc'; after: Keyset | null }): Promise<RecordPage> {
    return queryRecords(this.pool(), f, opts);
  }

  get(memberUuid: string): Promise<StoredRecord | null> {
    return getRecord(this.pool(), memberUuid);
  }

  stream(f: RecordFilter, order: 'asc' | 'desc') {
    return streamRecords(this.pool(), f, order);
  }

  /** Writes what is pending (bounded), then closes the database. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    if (this.openTimer) clearTimeout(this.openTimer);
    await this.attempt?.catch(() => undefined);
    await this.writer.close(this.db ? 5000 : 0);
    const db = this.db;
    this.db = null;
    if (db) await db.close();
  }
}
