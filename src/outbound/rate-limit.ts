import type { Redis } from 'ioredis';

/** Per-agent dial limit: fixed windows of a minute and of an hour. */
export interface DialRateLimiter {
  /** Counts one dial of `agent`; `ok: false` when a window is already full (the attempt is still counted). */
  take(agent: string, now?: number): Promise<{ ok: true } | { ok: false; retryAfterS: number; window: 'minute' | 'hour' }>;
}

export interface DialLimits {
  readonly perMinute: number;
  readonly perHour: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

function verdict(limits: DialLimits, minuteCount: number, hourCount: number, now: number) {
  if (minuteCount > limits.perMinute) return { ok: false as const, window: 'minute' as const, retryAfterS: Math.ceil((MINUTE - (now % MINUTE)) / 1000) };
  if (hourCount > limits.perHour) return { ok: false as const, window: 'hour' as const, retryAfterS: Math.ceil((HOUR - (now % HOUR)) / 1000) };
  return { ok: true as const };
}

/**
 * In Redis, so that the limit holds across gateway instances: one counter per
 * agent and window (`INCR` + `PEXPIRE` in one MULTI), expiring after the window.
 * Refused attempts count too, so hammering the limit does not reopen it.
 */
export function redisDialRateLimiter(redis: Redis, keyPrefix: string, limits: DialLimits): DialRateLimiter {
  return {
    async take(agent, now = Date.now()) {
      const m = `${keyPrefix}outbound:rate:${agent}:m:${Math.floor(now / MINUTE)}`;
      const h = `${keyPrefix}outbound:rate:${agent}:h:${Math.floor(now / HOUR)}`;
      const res = await redis.multi().incr(m).pexpire(m, 2 * MINUTE).incr(h).pexpire(h, 2 * HOUR).exec();
      if (!res) throw new Error('rate-limit transaction aborted');
      const count = (i: number): number => {
        const [err, v] = res[i] ?? [null, 0];
        if (err) throw err;
        return Number(v);
      };
      return verdict(limits, count(0), count(2), now);
    },
  };
}

/** The demo without Redis: the same windows in this process. */
export function memoryDialRateLimiter(limits: DialLimits): DialRateLimiter {
  const counts = new Map<string, number>();
  return {
    async take(agent, now = Date.now()) {
      const m = `${agent}:m:${Math.floor(now / MINUTE)}`;
      const h = `${agent}:h:${Math.floor(now / HOUR)}`;
      if (counts.size > 10_000) counts.clear();
      counts.set(m, (counts.get(m) ?? 0) + 1);
      counts.set(h, (counts.get(h) ?? 0) + 1);
      return verdict(limits, counts.get(m) ?? 0, counts.get(h) ?? 0, now);
    },
  };
}
