/**
 * Outbound actions seen again: the desk snapshot carries the agent's dial in
 * progress (a reloaded page, a resume that gets a snapshot), and
 * `GET /api/outbound/actions` lists the stored actions with filters, keyset
 * pages, roles and a token's queue scope. The double, a real Redis and a real
 * PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DeskClient, startStack, waitFor, type Stack } from '../helpers/stack.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { addAgent, login } from '../realtime/desk-helpers.js';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';

const A = '1001@default';
const B = '1002@default';
const SALES = 'sales@default';
const SCOPED = 'scoped-token-0123456789';
const NUMBER = '+15551230800';

let db: TestDatabase;
let s: Stack;
let pool: pg.Pool;

async function until(id: string, state: string): Promise<any> {
  let last: any;
  await waitFor(async () => (last = (await s.api('GET', `/api/outbound/${id}`)).body).state === state, `action ${id} ${state} (is ${JSON.stringify(last)})`, 10000);
  return last;
}

/** Stored actions of an agent, as the dialer would have left them (the list reads the table). */
async function storeFinished(agent: string, n: number, createdAt: Date): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    ids.push(id);
    await pool.query(
      `INSERT INTO outbound_actions (id, agent, idempotency_key, number, caller_id_number, caller_id_name, requested_by, role, state, cause, agent_leg_uuid, customer_leg_uuid, created_at, updated_at, ended_at)
       VALUES ($1, $2, $3, '+15551230999', '+15550001000', 'Main', 'test', 'api', $4, $5, $6, $7, $8, $8, $8)`,
      [id, agent, `seed-${id}`, i % 2 ? 'failed' : 'ended', i % 2 ? 'NO_ANSWER' : 'NORMAL_CLEARING', randomUUID(), randomUUID(), new Date(createdAt.getTime() + i * 1000).toISOString()],
    );
  }
  return ids;
}

describe('outbound actions: in the desk snapshot, and listed over REST', () => {
  before(async () => {
    db = await createTestDatabase();
    s = await startStack({
      double: { queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }] },
      env: {
        CALL_RECORDS: 'on',
        DATABASE_URL: db.url,
        OUTBOUND_ALLOW: '+1555:11',
        OUTBOUND_CALLER_ID: '+15550001000:Main',
        OUTBOUND_ROUTE: 'sofia/gateway/pstn/{number}',
        OUTBOUND_RATE_PER_MINUTE: '50',
        OUTBOUND_RATE_PER_HOUR: '500',
        API_TOKENS: `boss:admin:admin-token-0123456789,watcher:supervisor:supervisor-token-0123456789,sales-lead:supervisor:${SCOPED}`,
        TOKEN_QUEUES: `sales-lead=${SALES}`,
      },
    });
    await waitFor(() => s.gw.records?.ready === true, 'records database open', 20000);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await addAgent(s, A, { contact: 'user/1001' });
    await addAgent(s, B, { contact: 'user/1002', queue: SALES });
  });
  after(async () => {
    await pool?.end();
    await s?.stop();
    await db?.drop();
  });

  test('the desk snapshot carries the dial in progress: after a reload (fresh login), after a resume that gets a snapshot; none once it ended', async () => {
    const a = await login(s, A);
    assert.equal(a.snapshot.outbound, null, 'no action yet');
    const ack = await a.desk.request({ type: 'dial', number: NUMBER, idempotencyKey: 'snap-0001' });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    const id = ack.type === 'ack' ? ack.action?.id : undefined;
    assert.ok(id);
    const bridged = await until(id, 'bridged');
    a.desk.close();

    // The page reloads: a new socket, a fresh resume (lastSeq 0: the page has no state) → a snapshot.
    const again = await DeskClient.open(s.url);
    const r = await again.request({ type: 'resume', agent: A, token: a.ack.token, lastSeq: 0 });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    const snap = await again.next('snapshot');
    assert.equal(snap.outbound?.id, id);
    assert.equal(snap.outbound?.state, 'bridged');
    assert.equal(snap.outbound?.number, NUMBER);

    // A second tab logging in sees it too.
    const tab = await login(s, A);
    assert.equal(tab.snapshot.outbound?.id, id);

    // Hung up: the action ends, and the next snapshot has none in progress.
    s.fs.api(`uuid_kill ${bridged.agentLegUuid}`);
    await again.next('outbound.state', (m) => m.action.id === id && m.action.state === 'ended', 10000);
    const third = await login(s, A);
    assert.equal(third.snapshot.outbound, null);
    for (const d of [again, tab.desk, third.desk]) d.close();
  });

  test('GET /api/outbound/actions: newest first, filters agent/state/since, keyset pages that do not shift, roles, bad input 400', async () => {
    const base = new Date(Date.now() - 3600_000);
    const seededA = await storeFinished(A, 7, base);
    const seededB = await storeFinished(B, 3, new Date(base.getTime() + 100_000));

    const all = await s.api('GET', '/api/outbound/actions?limit=1000');
    assert.equal(all.status, 400, 'limit bounded to 500');
    const everything = await s.api('GET', '/api/outbound/actions?limit=500');
    assert.equal(everything.status, 200, JSON.stringify(everything.body));
    const times = everything.body.items.map((x: any) => Date.parse(x.createdAt));
    assert.deepEqual(times, [...times].sort((x, y) => y - x), 'newest first');
    for (const id of [...seededA, ...seededB]) assert.ok(everything.body.items.some((x: any) => x.id === id), `${id} listed`);

    // Pages of 3 of A's actions: every one once, in order; an action stored meanwhile does not shift them.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/outbound/actions?agent=${encodeURIComponent(A)}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await s.api('GET', q, undefined, 'supervisor-token-0123456789');
      assert.equal(page.status, 200, JSON.stringify(page.body));
      for (const x of page.body.items) {
        assert.equal(x.agent, A);
        seen.push(x.id);
      }
      cursor = page.body.nextCursor;
      if (pages++ === 0) await storeFinished(A, 1, new Date()); // newer than every page: never appears in later pages
    } while (cursor);
    const expected = (await pool.query<{ id: string }>('SELECT id FROM outbound_actions WHERE agent = $1 ORDER BY created_at DESC, id DESC', [A])).rows.map((r) => r.id).slice(1);
    assert.deepEqual(seen, expected, 'each action once, newest first, across pages');

    // state and since.
    const failed = await s.api('GET', `/api/outbound/actions?agent=${encodeURIComponent(A)}&state=failed`);
    assert.ok(failed.body.items.length >= 3 && failed.body.items.every((x: any) => x.state === 'failed' && x.cause === 'NO_ANSWER'));
    const since = new Date(base.getTime() + 100_000).toISOString();
    const recent = await s.api('GET', `/api/outbound/actions?since=${encodeURIComponent(since)}&limit=500`);
    assert.ok(recent.body.items.every((x: any) => Date.parse(x.createdAt) >= Date.parse(since)));
    for (const id of seededB) assert.ok(recent.body.items.some((x: any) => x.id === id));
    assert.equal(recent.body.items.some((x: any) => x.id === seededA[0]), false, 'older than since');

    // Bad input: 400 and nothing read; no token 401.
    for (const q of ['state=dialling', 'since=yesterday', 'agent=1001', "agent=1001@default'", 'cursor=%7B%7D', 'cursor=bm90LWEtY3Vyc29y', 'limit=0', 'extra=1']) {
      const r = await s.api('GET', `/api/outbound/actions?${q}`);
      assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error?.code, q);
    }
    assert.equal((await s.api('GET', '/api/outbound/actions', undefined, null)).status, 401);
  });

  test('a token scoped to sales sees the actions of sales agents only; another agent reads as having none, its action as absent', async () => {
    const ids = await storeFinished(B, 2, new Date(Date.now() - 60_000));
    const scoped = await s.api('GET', '/api/outbound/actions?limit=500', undefined, SCOPED);
    assert.equal(scoped.status, 200, JSON.stringify(scoped.body));
    assert.ok(scoped.body.items.length >= 2);
    assert.ok(scoped.body.items.every((x: any) => x.agent === B), 'only the sales agent');
    const ofA = await s.api('GET', `/api/outbound/actions?agent=${encodeURIComponent(A)}`, undefined, SCOPED);
    assert.deepEqual(ofA.body, { items: [], nextCursor: null });
    const aId = (await s.api('GET', `/api/outbound/actions?agent=${encodeURIComponent(A)}&limit=1`)).body.items[0].id;
    assert.equal((await s.api('GET', `/api/outbound/${aId}`, undefined, SCOPED)).status, 404);
    assert.equal((await s.api('GET', `/api/outbound/${ids[0]}`, undefined, SCOPED)).status, 200);
  });
});
