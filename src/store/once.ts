import type { Redis } from 'ioredis';

/**
 * Work that several gateway instances would all do (each follows the same
 * switch events) but that must happen once: a claim in Redis decides which
 * instance does it.
 *
 * Two tools:
 * - `runOnce(key)`: an idempotency key for one piece of work (a grace's status
 *   change, a next-status at a call's end, an outbound send). The first
 *   instance to claim the key runs it; the claim stays for `ttlMs` as the
 *   "done" marker, so the others (which see the same event a few ms later)
 *   skip it. If the work fails the claim is given back, so another instance
 *   or a retry may do it.
 * - `acquireLease(name)`: one owner at a time for a standing job (a purge, a
 *   sweep), with a fencing token that grows with every new owner: hand it to
 *   the side effect, which refuses a token older than one it has seen (a
 *   paused owner whose lease expired must not overwrite its successor).
 *
 * Both are at-most-once while Redis keeps the key; an instance killed in the
 * middle of the work leaves the claim until its TTL: pair it with an
 * idempotent target (a unique key in the database, a request id at the
 * remote end) where one exists.
 */

const CLAIM = `
local token = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], 86400000)
local value = ARGV[1] .. ':' .. token
if redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2]) then return {token, value} end
return false
`;

/** Deletes or extends a key only if it still holds our value (not a successor's). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

interface OnceCommands {
  onceClaim(key: string, fenceKey: string, owner: string, ttlMs: number): Promise<[number, string] | null>;
  onceRelease(key: string, value: string): Promise<number>;
  onceRenew(key: string, value: string, ttlMs: number): Promise<number>;
}

function commands(redis: Redis): Redis & OnceCommands {
  if (!('onceClaim' in redis)) {
    redis.defineCommand('onceClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('onceRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('onceRenew', { numberOfKeys: 1, lua: RENEW });
  }
  return redis as Redis & OnceCommands;
}

export type OnceResult<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

/**
 * Runs `fn` unless another instance (or an earlier call) claimed `key` within `ttlMs`.
 * `fn` gets the claim's fencing token. A failure of `fn` gives the claim back and is rethrown;
 * a Redis failure is thrown before `fn` runs (the caller decides: retry, or run anyway).
 * Cost: one EVALSHA (INCR, PEXPIRE, SET NX PX), plus one on failure.
 */
export async function runOnce<T>(redis: Redis, key: string, owner: string, ttlMs: number, fn: (fence: number) => Promise<T>): Promise<OnceResult<T>> {
  const r = commands(redis);
  const claim = await r.onceClaim(key, `${key}:fence`, owner, ttlMs);
  if (!claim) return { ran: false };
  const [token, value] = claim;
  try {
    return { ran: true, value: await fn(Number(token)) };
  } catch (err) {
    await r.onceRelease(key, value).catch(() => undefined);
    throw err;
  }
}

export interface Lease {
  /** Grows with every new holder of this lease name. */
  readonly token: number;
  /** Extends the lease; false when it was lost (expired and taken, or released). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** Takes the lease `name` for `ttlMs` if nobody holds it; null when another instance does. */
export async function acquireLease(redis: Redis, name: string, owner: string, ttlMs: number): Promise<Lease | null> {
  const r = commands(redis);
  const claim = await r.onceClaim(name, `${name}:fence`, owner, ttlMs);
  if (!claim) return null;
  const [token, value] = claim;
  return {
    token: Number(token),
    renew: async () => (await r.onceRenew(name, value, ttlMs)) === 1,
    release: async () => {
      await r.onceRelease(name, value);
    },
  };
}
