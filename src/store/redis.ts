import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

/**
 * One ioredis connection for the gateway. Commands fail at once while Redis
 * is down (no offline queue): a screen pop must not wait for Redis to return,
 * and a REST call must report the failure instead of hanging.
 */
export function createRedis(url: string, log: Logger, onError?: () => void): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 2000),
  });
  let reported = false;
  redis.on('error', (err: Error) => {
    onError?.();
    if (!reported) log.warn({ err: err.message }, 'Redis unavailable');
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) log.info('Redis back');
    reported = false;
  });
  return redis;
}

/** ioredis's ways of saying Redis is not there (no offline queue: commands fail at once). */
export function isRedisError(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  // A ReplyError is Redis answering (a bad command), not Redis being away.
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|enableOfflineQueue|ECONNREFUSED|Reached the max retries/.test(e?.message ?? '')
  );
}
