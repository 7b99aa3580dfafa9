import type { Redis } from 'ioredis';
import type pg from 'pg';
import { inTransaction } from '../db/database.js';
import type { Logger } from '../log.js';

/** What is stored with a call after it ended: any of these may be missing. */
export interface CallWrapUp {
  readonly memberUuid: string;
  readonly agent: string;
  readonly queue: string;
  readonly disposition?: string;
  readonly notes?: string;
  /** Seconds the agent spent in after-call work (known when it ends). */
  readonly afterCallS?: number;
}

/** The database side (call_dispositions + call_records); null pool = not open (records off or not ready). */
export interface DispositionDatabase {
  pool(): Pick<pg.Pool, 'connect'> | null;
}

const RETRY_MS = 5000;

/**
 * Stores dispositions, notes and time in after-call work: always in Redis
 * (hash per member UUID, with a TTL: the copy the call-history work reads
 * until it reads the database, and what survives records being off), and in
 * the database when call records are on. The database write is an upsert into
 * call_dispositions plus an UPDATE of the call record; a record inserted later
 * takes the values by trigger (migration 1764547260000), so either order ends
 * in the same row. A database write that fails is remembered in a Redis set and
 * retried, so nothing filed is lost while the database is away.
 */
export class DispositionStore {
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly redis: Redis | null,
    private readonly db: DispositionDatabase | null,
    private readonly opts: { readonly keyPrefix: string; readonly ttlS: number; readonly logger: Logger; readonly retryMs?: number },
  ) {}

  private key(memberUuid: string): string {
    return `${this.opts.keyPrefix}disposition:${memberUuid}`;
  }

  private get pendingKey(): string {
    return `${this.opts.keyPrefix}disposition:pending`;
  }

  /** Saves what is given (fields absent stay as they were). Rejects when Redis refuses; the database is best effort with retry. */
  async save(w: CallWrapUp): Promise<void> {
    const fields: Record<string, string> = { agent: w.agent, queue: w.queue, updatedAt: String(Date.now()) };
    if (w.disposition !== undefined) fields.disposition = w.disposition;
    if (w.notes !== undefined) fields.notes = w.notes;
    if (w.afterCallS !== undefined) fields.afterCallS = String(w.afterCallS);
    if (this.redis) {
      const m = this.redis.multi().hset(this.key(w.memberUuid), fields).expire(this.key(w.memberUuid), this.opts.ttlS);
      if (this.db) m.sadd(this.pendingKey, w.memberUuid);
      await m.exec();
    }
    if (!this.db) return;
    try {
      await this.write(w);
      if (this.redis) await this.redis.srem(this.pendingKey, w.memberUuid);
    } catch (err) {
      this.opts.logger.warn({ memberUuid: w.memberUuid, err: (err as Error).message }, 'disposition not stored in the database yet; kept in Redis and retried');
      this.schedule();
      if (!this.redis) throw err;
    }
  }

  /** The Redis copy (null when absent or expired). */
  async get(memberUuid: string): Promise<CallWrapUp | null> {
    if (!this.redis) return null;
    const h = await this.redis.hgetall(this.key(memberUuid));
    if (!h.agent || !h.queue) return null;
    return {
      memberUuid,
      agent: h.agent,
      queue: h.queue,
      ...(h.disposition !== undefined ? { disposition: h.disposition } : {}),
      ...(h.notes !== undefined ? { notes: h.notes } : {}),
      ...(h.afterCallS !== undefined ? { afterCallS: Number(h.afterCallS) } : {}),
    };
  }

  private async write(w: CallWrapUp): Promise<void> {
    const pool = this.db?.pool();
    if (!pool) throw new Error('call records database not open');
    const disposition = w.disposition ?? null;
    const notes = w.notes ?? null;
    const after = w.afterCallS ?? null;
    // One transaction holding the member's advisory lock, which the record's INSERT trigger takes too
    // (migration 1764547560000): a record committed meanwhile is seen by the UPDATE, or the trigger
    // waits for this commit and copies the disposition itself. Without it, both can miss each other.
    await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(8801, hashtext($1))', [w.memberUuid]);
      // COALESCE keeps what an earlier save stored for a field this one does not carry.
      await client.query(
        `INSERT INTO call_dispositions (member_uuid, agent, queue, disposition, notes, after_call_s) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (member_uuid) DO UPDATE SET
           disposition = COALESCE(EXCLUDED.disposition, call_dispositions.disposition),
           notes = CASE WHEN EXCLUDED.disposition IS NOT NULL THEN EXCLUDED.notes ELSE call_dispositions.notes END,
           after_call_s = COALESCE(EXCLUDED.after_call_s, call_dispositions.after_call_s),
           updated_at = now()`,
        [w.memberUuid, w.agent, w.queue, disposition, notes, after],
      );
      await client.query(
        `UPDATE call_records r SET disposition = d.disposition, notes = d.notes, after_call_s = COALESCE(d.after_call_s, r.after_call_s)
         FROM call_dispositions d WHERE d.member_uuid = $1 AND r.member_uuid = $1`,
        [w.memberUuid],
      );
    });
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.opts.retryMs ?? RETRY_MS);
    this.timer.unref();
  }

  /** Writes what waits in the pending set to the database (after an outage, or a restart). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (!this.redis || !this.db || this.closed) return;
    if (!this.db.pool()) return this.schedule();
    let members: string[];
    try {
      members = await this.redis.smembers(this.pendingKey);
    } catch {
      return this.schedule();
    }
    for (const memberUuid of members) {
      try {
        const w = await this.get(memberUuid);
        if (w) await this.write(w);
        await this.redis.srem(this.pendingKey, memberUuid);
      } catch (err) {
        this.opts.logger.warn({ memberUuid, err: (err as Error).message }, 'pending disposition still not stored');
        return this.schedule();
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
