import type { Redis } from 'ioredis';

/**
 * Caller records (screen-pop data): one flat Redis hash per phone number.
 *
 * Number rule: every character but digits is dropped, a leading `+`
 * included, so `+1 555 123 4567`, `+15551234567` and `15551234567` are one
 * record. FreeSWITCH reports caller IDs as digits, so that is the key form
 * that matches at pop time. Only digits, spaces, `+ - . ( )` are accepted, and
 * 3 to 20 digits must remain.
 */
export class CallerRecordError extends Error {
  override readonly name = 'CallerRecordError';
  constructor(
    readonly code: 'BAD_NUMBER' | 'BAD_RECORD' | 'RECORD_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

export const CALLER_LIMITS = { maxFields: 50, maxKeyLength: 64, maxValueLength: 1024, maxBytes: 16 * 1024 } as const;
const KEY = /^[A-Za-z0-9_.-]{1,64}$/;

export function normaliseNumber(raw: string): string {
  if (!/^\+?[0-9 ().-]{1,40}$/.test(raw)) throw new CallerRecordError('BAD_NUMBER', 'a number may contain only digits, spaces and + - . ( )');
  const digits = raw.replace(/[^0-9]/g, '');
  if (digits.length < 3 || digits.length > 20) throw new CallerRecordError('BAD_NUMBER', 'a number must have 3 to 20 digits');
  return digits;
}

export type CallerRecord = Record<string, string>;

export function checkRecord(record: Readonly<Record<string, unknown>>): CallerRecord {
  const entries = Object.entries(record);
  if (entries.length === 0) throw new CallerRecordError('BAD_RECORD', 'a record needs at least one field');
  if (entries.length > CALLER_LIMITS.maxFields) throw new CallerRecordError('RECORD_TOO_LARGE', `at most ${CALLER_LIMITS.maxFields} fields`);
  let bytes = 0;
  const out: CallerRecord = {};
  for (const [key, value] of entries) {
    if (!KEY.test(key)) throw new CallerRecordError('BAD_RECORD', `field name ${JSON.stringify(key.slice(0, 70))} must be 1-64 of A-Z a-z 0-9 _ . -`);
    if (typeof value !== 'string') throw new CallerRecordError('BAD_RECORD', `field ${key} must be a string`);
    if (value.length > CALLER_LIMITS.maxValueLength) throw new CallerRecordError('RECORD_TOO_LARGE', `field ${key} is longer than ${CALLER_LIMITS.maxValueLength} characters`);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    out[key] = value;
  }
  if (bytes > CALLER_LIMITS.maxBytes) throw new CallerRecordError('RECORD_TOO_LARGE', `record is larger than ${CALLER_LIMITS.maxBytes} bytes`);
  return out;
}

export interface CallerStore {
  put(number: string, record: Readonly<Record<string, unknown>>, ttlS?: number): Promise<{ number: string; record: CallerRecord }>;
  get(number: string): Promise<CallerRecord | null>;
  delete(number: string): Promise<boolean>;
}

export function redisCallerStore(redis: Redis, prefix: string, defaultTtlS = 0): CallerStore {
  const key = (n: string) => prefix + normaliseNumber(n);
  return {
    async put(number, record, ttlS = defaultTtlS) {
      const clean = checkRecord(record);
      const k = key(number);
      const tx = redis.multi().del(k).hset(k, clean);
      if (ttlS > 0) tx.expire(k, ttlS);
      const results = await tx.exec();
      const failure = results?.find(([err]) => err)?.[0];
      if (failure) throw failure;
      return { number: normaliseNumber(number), record: clean };
    },
    async get(number) {
      const h = await redis.hgetall(key(number));
      return Object.keys(h).length ? h : null;
    },
    async delete(number) {
      return (await redis.del(key(number))) > 0;
    },
  };
}

/** For the demo only, when no Redis answers: production always uses Redis. */
export function memoryCallerStore(): CallerStore {
  const map = new Map<string, CallerRecord>();
  return {
    async put(number, record) {
      const clean = checkRecord(record);
      map.set(normaliseNumber(number), clean);
      return { number: normaliseNumber(number), record: clean };
    },
    async get(number) {
      return map.get(normaliseNumber(number)) ?? null;
    },
    async delete(number) {
      return map.delete(normaliseNumber(number));
    },
  };
}
