/**
 * The records SQL on both backends: PostgreSQL (a database of the test's own)
 * and the embedded PGlite. Same migrations, same queries, same assertions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { MIGRATIONS_DIR, migrate, openDatabase, type Database } from '../../src/db/database.js';
import { silentLogger } from '../../src/log.js';
import type { LiveCall, Outcome } from '../../src/records/model.js';
import { purgeRecords, queryRecords, streamRecords, writeBatch, type Finished, type Keyset, type RecordFilter } from '../../src/records/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const T0 = Date.UTC(2026, 10, 1, 8, 0, 0);
const QUEUES = ['support@default', 'sales@default'];
const AGENTS = ['1001@default', '1002@default', '1003@default'];

function call(i: number, overrides: Partial<LiveCall> = {}): LiveCall {
  return {
    memberUuid: randomUUID(),
    sessionUuid: randomUUID(),
    queue: QUEUES[i % 2]!,
    callerNumber: `1555000${String(i % 7).padStart(4, '0')}`,
    callerName: `Caller ${i}`,
    destination: '7000',
    variables: { n: String(i) },
    state: 'answered',
    agent: AGENTS[i % 3]!,
    agentUuid: randomUUID(),
    joinedAt: T0 + i * 60_000,
    offeredAt: T0 + i * 60_000 + 2000,
    answeredAt: T0 + i * 60_000 + 5000,
    offers: [{ agent: AGENTS[i % 3]!, offeredAt: T0 + i * 60_000 + 2000, endedAt: null, outcome: 'answered', hangupCause: null }],
    ...overrides,
  };
}

function finished(c: LiveCall, i: number): Finished {
  const abandoned = i % 5 === 0;
  return {
    call: abandoned ? { ...c, agent: null, answeredAt: null, offers: [] } : c,
    end: {
      endedAt: c.joinedAt + 30_000 + (i % 3) * 1000, // several records end in the same second: keyset ties on member_uuid
      cause: abandoned ? 'Cancel' : 'Terminated',
      cancelReason: abandoned ? 'BREAK_OUT' : null,
      hangupCause: abandoned ? null : 'SUCCESS',
      agent: abandoned ? null : c.agent,
      answeredAt: abandoned ? null : c.answeredAt,
    },
  };
}

async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  return (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;
}

async function pageAll(db: Database, f: RecordFilter, order: 'asc' | 'desc', limit: number): Promise<string[]> {
  const out: string[] = [];
  let after: Keyset | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = await queryRecords(db.pool, f, { limit, order, after });
    out.push(...page.items.map((r) => r.memberUuid));
    if (!page.next) return out;
    after = page.next;
  }
  throw new Error('pagination did not end');
}

for (const backend of ['postgres', 'pglite'] as const) {
  test(`${backend}: migrations, exactly-once writes, live rows, filters, keyset pages, cursor stream, purge`, async () => {
    let pgDb: TestDatabase | null = null;
    if (backend === 'postgres') pgDb = await createTestDatabase();
    const db = await openDatabase({ url: pgDb?.url ?? null, logger: silentLogger() });
    try {
      assert.equal(db.backend, backend);
      await migrate(db, silentLogger());
      await migrate(db, silentLogger()); // a second start applies nothing
      // One row per migration file (other features add theirs).
      assert.equal(await count(db, 'pgmigrations'), readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length);

      // Live row, then its record: the live row goes; a late live upsert (a slower instance) is not written back.
      const c0 = call(0);
      await writeBatch(db.pool, [c0], []);
      assert.equal(await count(db, 'live_calls'), 1);
      const f0 = finished(call(1, { memberUuid: c0.memberUuid }), 1);
      assert.deepEqual(await writeBatch(db.pool, [], [f0]), { inserted: 1 });
      assert.deepEqual(await writeBatch(db.pool, [], [f0]), { inserted: 0 }); // replay: nothing new
      assert.deepEqual(await writeBatch(db.pool, [c0], []), { inserted: 0 });
      assert.equal(await count(db, 'live_calls'), 0);
      assert.equal(await count(db, 'call_records'), 1);

      // Two writers at once with the same ended call: one row.
      const dup = finished(call(2), 2);
      const both = await Promise.all([writeBatch(db.pool, [], [dup]), writeBatch(db.pool, [], [dup])]);
      assert.equal(both[0].inserted + both[1].inserted, 1);

      // 250 more, in batches.
      const all = [f0, dup];
      for (let i = 3; i < 253; i++) all.push(finished(call(i), i));
      for (let i = 2; i < all.length; i += 50) await writeBatch(db.pool, [], all.slice(i, i + 50));
      assert.equal(await count(db, 'call_records'), 252);

      const ended = (f: Finished) => f.end.endedAt;
      const expected = (pred: (f: Finished) => boolean, order: 'asc' | 'desc') => {
        const asc = all
          .filter(pred)
          .sort((a, b) => ended(a) - ended(b) || (a.call.memberUuid < b.call.memberUuid ? -1 : 1))
          .map((f) => f.call.memberUuid);
        return order === 'asc' ? asc : asc.reverse();
      };
      assert.deepEqual(await pageAll(db, {}, 'desc', 37), expected(() => true, 'desc'));
      assert.deepEqual(await pageAll(db, {}, 'asc', 100), expected(() => true, 'asc'));
      const outcomeOf = (f: Finished): Outcome => (f.end.cause === 'Terminated' ? 'answered' : 'abandoned');
      assert.deepEqual(await pageAll(db, { outcome: 'abandoned' }, 'desc', 20), expected((f) => outcomeOf(f) === 'abandoned', 'desc'));
      assert.deepEqual(await pageAll(db, { queue: 'sales@default', agent: '1002@default' }, 'asc', 10), expected((f) => f.call.queue === 'sales@default' && f.end.agent === '1002@default', 'asc'));
      assert.deepEqual(await pageAll(db, { callerNumber: '15550000003' }, 'desc', 10), expected((f) => f.call.callerNumber === '15550000003', 'desc'));
      const from = new Date(T0 + 100 * 60_000);
      const to = new Date(T0 + 150 * 60_000);
      const inRange = (f: Finished) => ended(f) >= from.getTime() && ended(f) < to.getTime();
      assert.deepEqual(await pageAll(db, { from, to }, 'asc', 7), expected(inRange, 'asc'));
      assert.deepEqual(await pageAll(db, { from, to }, 'desc', 7), expected(inRange, 'desc'));
      assert.deepEqual(await pageAll(db, { from, to, outcome: 'answered' }, 'desc', 4), expected((f) => inRange(f) && outcomeOf(f) === 'answered', 'desc'));
      // A cursor outside the range (another query's): the range and the cursor both still hold.
      const page1 = async (order: 'asc' | 'desc', after: Keyset | null) => (await queryRecords(db.pool, { from, to }, { limit: 5, order, after })).items.map((r) => r.memberUuid);
      const cursor = (t: Date, memberUuid = 'z') => ({ endedAt: t, memberUuid });
      const later = new Date(to.getTime() + 3_600_000);
      const earlier = new Date(from.getTime() - 3_600_000);
      assert.deepEqual(await page1('desc', cursor(later)), expected(inRange, 'desc').slice(0, 5));
      assert.deepEqual(await page1('desc', cursor(to)), expected(inRange, 'desc').slice(0, 5));
      assert.deepEqual(await page1('desc', cursor(earlier)), []);
      assert.deepEqual(await page1('asc', cursor(earlier)), expected(inRange, 'asc').slice(0, 5));
      assert.deepEqual(await page1('asc', cursor(later)), []);
      assert.deepEqual(await page1('asc', cursor(to, '')), []);

      // A stored record reads back whole (all[k] is call k + 1: every fifth is abandoned).
      const ABANDONED = 4;
      const ANSWERED = 3;
      const page = await queryRecords(db.pool, { callerNumber: all[ABANDONED]!.call.callerNumber }, { limit: 1000, order: 'asc', after: null });
      const r5 = page.items.find((r) => r.memberUuid === all[ABANDONED]!.call.memberUuid)!;
      assert.equal(r5.outcome, 'abandoned');
      assert.equal(r5.waitS, 32);
      assert.equal(r5.talkS, null);
      assert.deepEqual(r5.variables, { n: '5' });
      const r4 = (await queryRecords(db.pool, { callerNumber: all[ANSWERED]!.call.callerNumber }, { limit: 1000, order: 'asc', after: null })).items.find((r) => r.memberUuid === all[ANSWERED]!.call.memberUuid)!;
      assert.equal(r4.outcome, 'answered');
      assert.equal(r4.waitS, 5);
      assert.equal(r4.ringS, 3);
      assert.equal(r4.talkS, 26);
      assert.deepEqual(r4.offers.map((o) => [o.agent, o.outcome, o.endedAt]), [[all[ANSWERED]!.call.agent, 'answered', all[ANSWERED]!.end.endedAt]]);

      // The cursor stream gives every row once, in order.
      const { rows, release } = await streamRecords(db.pool, { queue: 'support@default' }, 'asc');
      const streamed: string[] = [];
      for await (const row of rows) streamed.push((row as { member_uuid: string }).member_uuid);
      release();
      assert.deepEqual(streamed, expected((f) => f.call.queue === 'support@default', 'asc'));

      // Purge: only what ended before the cut.
      const cut = new Date(T0 + 50 * 60_000);
      const old = all.filter((f) => ended(f) < cut.getTime()).length;
      assert.equal(await purgeRecords(db.pool, cut, 7), old);
      assert.equal(await count(db, 'call_records'), 252 - old);
      assert.equal(await count(db, 'call_records WHERE ended_at < $1', [cut]), 0);
    } finally {
      await db.close();
      await pgDb?.drop();
    }
  });
}
