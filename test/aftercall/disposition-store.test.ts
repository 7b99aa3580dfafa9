/**
 * Dispositions stored with the call: real Redis and real PostgreSQL (and the
 * embedded PGlite for the migration). The record may be written before or
 * after the disposition arrives; the database may be away and come back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { migrate, openDatabase, type Database } from '../../src/db/database.js';
import { DispositionStore } from '../../src/aftercall/disposition-store.js';
import { silentLogger } from '../../src/log.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/stack.js';

const log = silentLogger();
const QUEUE = 'support@default';
const AGENT = '1001@default';

/** What the records writer inserts (the columns that matter here); the trigger may fill the rest. */
async function insertRecord(pool: pg.Pool | pg.PoolClient, memberUuid: string): Promise<void> {
  await pool.query(
    `INSERT INTO call_records (member_uuid, queue, joined_at, ended_at, wait_s, outcome, agent) VALUES ($1, $2, now(), now(), 3, 'answered', $3) ON CONFLICT (member_uuid) DO NOTHING`,
    [memberUuid, QUEUE, AGENT],
  );
}

async function recordOf(pool: pg.Pool, memberUuid: string): Promise<{ disposition: string | null; notes: string | null; after_call_s: number | null }> {
  const r = await pool.query<{ disposition: string | null; notes: string | null; after_call_s: number | null }>('SELECT disposition, notes, after_call_s FROM call_records WHERE member_uuid = $1', [memberUuid]);
  assert.equal(r.rows.length, 1);
  return r.rows[0]!;
}

async function withStack(databaseUrl: string | null, body: (pool: pg.Pool, store: DispositionStore, redis: Redis, prefix: string, open: { db: Database | null }) => Promise<void>): Promise<void> {
  const r = await startRedis();
  const redis = new Redis(r.url);
  const db = await openDatabase({ url: databaseUrl, logger: log });
  const open: { db: Database | null } = { db };
  try {
    await migrate(db, log);
    const prefix = 'acwtest:';
    const store = new DispositionStore(redis, { pool: () => open.db?.pool ?? null }, { keyPrefix: prefix, ttlS: 3600, logger: log, retryMs: 50 });
    try {
      await body(db.pool, store, redis, prefix, open);
    } finally {
      store.close();
    }
  } finally {
    await db.close();
    redis.disconnect();
    await r.stop();
  }
}

test('PostgreSQL: disposition before the record, record before the disposition, time in after-call work separately, a change replaces', async () => {
  const pgdb = await createTestDatabase();
  try {
    await withStack(pgdb.url, async (pool, store, redis, prefix) => {
      // Filed first: the record, inserted later, takes it (trigger).
      const early = randomUUID();
      await store.save({ memberUuid: early, agent: AGENT, queue: QUEUE, disposition: 'sale', notes: 'first' });
      await insertRecord(pool, early);
      assert.deepEqual(await recordOf(pool, early), { disposition: 'sale', notes: 'first', after_call_s: null });
      // Again (a replayed insert) changes nothing.
      await insertRecord(pool, early);
      assert.deepEqual(await recordOf(pool, early), { disposition: 'sale', notes: 'first', after_call_s: null });

      // Record first: the disposition updates it; the time in after-call work keeps the disposition.
      const late = randomUUID();
      await insertRecord(pool, late);
      assert.deepEqual(await recordOf(pool, late), { disposition: null, notes: null, after_call_s: null });
      await store.save({ memberUuid: late, agent: AGENT, queue: QUEUE, afterCallS: 12 });
      await store.save({ memberUuid: late, agent: AGENT, queue: QUEUE, disposition: 'info', notes: 'n1' });
      assert.deepEqual(await recordOf(pool, late), { disposition: 'info', notes: 'n1', after_call_s: 12 });
      await store.save({ memberUuid: late, agent: AGENT, queue: QUEUE, disposition: 'sale', notes: '' });
      assert.deepEqual(await recordOf(pool, late), { disposition: 'sale', notes: '', after_call_s: 12 });
      await store.save({ memberUuid: late, agent: AGENT, queue: QUEUE, disposition: 'sale', notes: '' });
      assert.deepEqual(await recordOf(pool, late), { disposition: 'sale', notes: '', after_call_s: 12 });

      // The Redis copy, with its TTL; nothing left pending.
      assert.deepEqual(await store.get(late), { memberUuid: late, agent: AGENT, queue: QUEUE, disposition: 'sale', notes: '', afterCallS: 12 });
      assert.ok((await redis.ttl(`${prefix}disposition:${late}`)) > 3000);
      assert.deepEqual(await redis.smembers(`${prefix}disposition:pending`), []);
    });
  } finally {
    await pgdb.drop();
  }
});

test('PostgreSQL away: the disposition waits in Redis and reaches the record when the database is back', async () => {
  const pgdb = await createTestDatabase();
  try {
    await withStack(pgdb.url, async (pool, store, redis, prefix, open) => {
      const db = open.db;
      open.db = null; // not open (yet): what CallRecords reports before its database answers
      const m = randomUUID();
      await store.save({ memberUuid: m, agent: AGENT, queue: QUEUE, disposition: 'sale', notes: 'while away' });
      assert.deepEqual(await redis.smembers(`${prefix}disposition:pending`), [m]);
      await insertRecord(pool, m);
      assert.equal((await recordOf(pool, m)).disposition, null);
      open.db = db;
      await waitFor(async () => (await recordOf(pool, m)).disposition === 'sale', 'the retried write');
      assert.equal((await recordOf(pool, m)).notes, 'while away');
      await waitFor(async () => (await redis.scard(`${prefix}disposition:pending`)) === 0, 'pending set emptied');
    });
  } finally {
    await pgdb.drop();
  }
});

test('PGlite accepts the migration: the trigger fills a record inserted after its disposition', async () => {
  await withStack(null, async (pool, store) => {
    const m = randomUUID();
    await store.save({ memberUuid: m, agent: AGENT, queue: QUEUE, disposition: 'sale', notes: 'embedded', afterCallS: 4 });
    await insertRecord(pool, m);
    assert.deepEqual(await recordOf(pool, m), { disposition: 'sale', notes: 'embedded', after_call_s: 4 });
  });
});

test('PostgreSQL: a record inserted while the disposition is being filed keeps it (both take the member’s lock; neither misses the other)', async () => {
  const pgdb = await createTestDatabase();
  try {
    await withStack(pgdb.url, async (pool, store) => {
      const memberUuid = randomUUID();
      // The records writer's batch: inserted (its trigger found no disposition yet), not yet committed.
      const writer = await pool.connect();
      try {
        await writer.query('BEGIN');
        await insertRecord(writer, memberUuid);
        // The agent files meanwhile: without the lock its UPDATE would see no record and its row would
        // be missed by the trigger that already ran; with it, the save waits for the writer's commit.
        let saved = false;
        const saving = store.save({ memberUuid, agent: AGENT, queue: QUEUE, disposition: 'sale', notes: 'raced' }).then(() => (saved = true));
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(saved, false, 'the save waits for the record’s transaction');
        await writer.query('COMMIT');
        await saving;
      } finally {
        writer.release();
      }
      assert.deepEqual(await recordOf(pool, memberUuid), { disposition: 'sale', notes: 'raced', after_call_s: null });
    });
  } finally {
    await pgdb.drop();
  }
});
