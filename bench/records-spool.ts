/**
 * The call-record spool (src/records/spool.ts) through a PostgreSQL outage:
 *   1. n calls end while the database refuses: how fast they reach the Redis spool
 *      (records/s) and what each costs in Redis memory (bytes/record);
 *   2. the database is back: how fast a new writer (the next process) drains the
 *      spool into PostgreSQL (records/s), and that every record is there once.
 *
 *   npm run bench -- records-spool [records]     (default 20,000)
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { migrate, openDatabase } from '../src/db/database.js';
import { silentLogger } from '../src/log.js';
import { redisRecordSpool } from '../src/records/spool.js';
import { writeBatch, type Finished } from '../src/records/store.js';
import { RecordWriter } from '../src/records/writer.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { startRedis } from '../test/helpers/redis.js';
import { waitFor } from '../test/helpers/stack.js';

function finished(i: number): Finished {
  const joinedAt = Date.now() - 120_000 + i;
  const agent = `${1000 + (i % 500)}@default`;
  return {
    call: {
      memberUuid: randomUUID(), sessionUuid: randomUUID(), queue: `q${i % 20}@default`, callerNumber: `1555${String(i % 100_000).padStart(7, '0')}`,
      callerName: `Caller ${i}`, destination: '7000', variables: { account: String(i) }, state: 'answered', agent, agentUuid: randomUUID(),
      joinedAt, offeredAt: joinedAt + 2000, answeredAt: joinedAt + 5000,
      offers: [{ agent, offeredAt: joinedAt + 2000, endedAt: null, outcome: 'answered', hangupCause: null }],
    },
    end: { endedAt: joinedAt + 65_000, cause: 'Terminated', cancelReason: null, hangupCause: 'SUCCESS', agent, answeredAt: joinedAt + 5000 },
  };
}

const usedMemory = async (r: Redis) => Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0);

export async function benchRecordsSpool(n: number): Promise<void> {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const tdb = await createTestDatabase();
  const db = await openDatabase({ url: tdb.url, pgliteDataDir: null, logger: silentLogger() });
  try {
    await migrate(db, silentLogger());
    const spool = redisRecordSpool(redis, { keyPrefix: 'bench:', max: n + 1, ttlMs: 3_600_000 });
    const before = await usedMemory(redis);

    // 1. The outage: every write refused; ended calls move to the spool.
    let spooled = 0;
    const down = new RecordWriter({ logger: silentLogger(), retryMinMs: 50, retryMaxMs: 200, spool, onSpooled: (k) => (spooled += k), write: async () => Promise.reject(new Error('connection refused')) });
    let started = performance.now();
    for (let i = 0; i < n; i++) {
      down.finished(finished(i));
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => spooled === n, `${n} records spooled (${spooled})`, 600_000);
    let s = (performance.now() - started) / 1000;
    const bytes = ((await usedMemory(redis)) - before) / n;
    console.log(`  spool   ${n} records into Redis in ${s.toFixed(2)} s: ${Math.round(n / s)} records/s; ${Math.round(bytes)} bytes of Redis memory per record`);
    await down.close(0);

    // 2. The database is back: the next process drains the spool.
    const up = new RecordWriter({ logger: silentLogger(), spool, write: (live, fin) => writeBatch(db.pool, live, fin) });
    started = performance.now();
    up.start();
    await up.spoolSettled();
    s = (performance.now() - started) / 1000;
    const rows = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM call_records')).rows[0]!.n;
    console.log(`  drain   ${n} records into PostgreSQL in ${s.toFixed(2)} s: ${Math.round(n / s)} records/s (batches of 1000); rows ${rows}, spool left ${await spool.size()}`);
    await up.close();
  } finally {
    await db.close();
    redis.disconnect();
    await server.stop();
    await tdb.drop();
  }
}
