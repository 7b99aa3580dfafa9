import type { Redis } from 'ioredis';
import type { LiveCall } from './model.js';
import type { Finished } from './store.js';

/**
 * Ended calls waiting for the database, kept outside the gateway process so
 * that a restart (or a crash) during a database outage loses none: the writer
 * moves its records here when a write fails or the database is not open, and
 * drains them, oldest first, once the database answers. A record is keyed by
 * its member UUID: spooled twice (two instances saw the end) it is kept once,
 * and written twice the primary key keeps one row.
 */
export interface RecordSpool {
  /** Adds ended calls, oldest first; those already spooled are skipped. Returns the ones refused because the spool is full. */
  add(items: readonly Finished[]): Promise<{ added: number; full: Finished[] }>;
  /** The oldest `n` spooled records, in the order they were spooled (unreadable entries are dropped). */
  peek(n: number): Promise<Finished[]>;
  /** Forgets records once the database has them. */
  remove(memberUuids: readonly string[]): Promise<void>;
  size(): Promise<number>;
}

/** Spooled once per member UUID, up to ARGV[1] records; ARGV[2] = TTL (ms) of the three keys; then uuid, json pairs. */
const ADD = `
local max = tonumber(ARGV[1])
local refused = {}
local added = 0
for i = 3, #ARGV, 2 do
  local uuid = ARGV[i]
  if redis.call('HEXISTS', KEYS[2], uuid) == 0 then
    if redis.call('HLEN', KEYS[2]) >= max then
      refused[#refused + 1] = uuid
    else
      redis.call('HSET', KEYS[2], uuid, ARGV[i + 1])
      redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), uuid)
      added = added + 1
    end
  end
end
if added > 0 then
  for k = 1, 3 do redis.call('PEXPIRE', KEYS[k], ARGV[2]) end
end
return {added, refused}
`;

interface SpoolCommands {
  recordSpoolAdd(order: string, data: string, seq: string, ...args: Array<string | number>): Promise<[number, string[]]>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A spooled record read back, or null when the stored value is not one (it is then dropped). */
export function parseSpooled(json: string): Finished | null {
  try {
    const v: unknown = JSON.parse(json);
    if (!isObject(v) || !isObject(v.call) || !isObject(v.end)) return null;
    const call = v.call;
    const end = v.end;
    if (typeof call.memberUuid !== 'string' || typeof call.queue !== 'string' || typeof call.joinedAt !== 'number' || !Array.isArray(call.offers)) return null;
    if (typeof end.endedAt !== 'number' || typeof end.cause !== 'string') return null;
    // Written by this code from these same types (JSON of plain data): the checks above catch a foreign or damaged entry.
    return { call: call as unknown as LiveCall, end: end as unknown as Finished['end'] };
  } catch {
    return null;
  }
}

export interface RedisSpoolOptions {
  readonly keyPrefix: string;
  /** Most records kept; more are refused (the writer keeps them in memory, counts and logs them). */
  readonly max: number;
  /** The keys expire this long after the last record was added (a guard against leftovers). */
  readonly ttlMs: number;
  /** Entries that are not a spooled record (damaged or foreign): dropped, reported here. */
  readonly onUnreadable?: (memberUuids: string[]) => void;
}

/**
 * The spool in Redis: a sorted set `<prefix>records:spool` (member UUID, by
 * spool order), a hash `<prefix>records:spool:data` (member UUID → the ended
 * call as JSON) and the order counter `<prefix>records:spool:seq`. Adding is
 * one script (deduplicated, bounded); several instances may drain at once:
 * each removes only what it wrote, by member UUID.
 */
export function redisRecordSpool(redis: Redis, opts: RedisSpoolOptions): RecordSpool {
  const order = `${opts.keyPrefix}records:spool`;
  const data = `${opts.keyPrefix}records:spool:data`;
  const seq = `${opts.keyPrefix}records:spool:seq`;
  if (!('recordSpoolAdd' in redis)) redis.defineCommand('recordSpoolAdd', { numberOfKeys: 3, lua: ADD });
  const r = redis as Redis & SpoolCommands;
  return {
    async add(items) {
      if (items.length === 0) return { added: 0, full: [] };
      const args: Array<string | number> = [opts.max, opts.ttlMs];
      for (const f of items) args.push(f.call.memberUuid, JSON.stringify(f));
      const [added, refused] = await r.recordSpoolAdd(order, data, seq, ...args);
      const no = new Set(refused);
      return { added: Number(added), full: items.filter((f) => no.has(f.call.memberUuid)) };
    },
    async peek(n) {
      const uuids = await redis.zrange(order, '0', String(n - 1));
      if (uuids.length === 0) return [];
      const values = await redis.hmget(data, ...uuids);
      const out: Finished[] = [];
      const gone: string[] = [];
      const unreadable: string[] = [];
      uuids.forEach((uuid, k) => {
        const json = values[k];
        const f = json ? parseSpooled(json) : null;
        if (f && f.call.memberUuid === uuid) out.push(f);
        // No JSON: another instance wrote and removed it between the two reads.
        else (json ? unreadable : gone).push(uuid);
      });
      const bad = [...gone, ...unreadable];
      if (bad.length) await redis.multi().zrem(order, ...bad).hdel(data, ...bad).exec();
      if (unreadable.length) opts.onUnreadable?.(unreadable);
      return out;
    },
    async remove(uuids) {
      if (uuids.length === 0) return;
      await redis.multi().zrem(order, ...uuids).hdel(data, ...uuids).exec();
    },
    async size() {
      return redis.zcard(order);
    },
  };
}
