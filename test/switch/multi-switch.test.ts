/**
 * Several switches, real ones: 2 private FreeSWITCH 1.10.12 boxes keeping mod_callcenter's agents,
 * tiers and members in one PostgreSQL database (freeswitch-conf "Several switches", boxes.ts), baresip
 * phones, and 3 gateway instances over both boxes (ESL_HOSTS) behind a real HAProxy, sharing Redis and
 * the call-record database. Calls on either box reach the desk pages; an instance killed with SIGKILL
 * mid-call, its page resumes on another with every push once and the call's record is written once;
 * a box stopped, its call ends on the page and the agents keep taking the other box's calls.
 *
 * Real-switch tier: without FreeSWITCH the test is skipped with the reason, unless
 * REQUIRE_REAL_SWITCH=1 (CI), where that is a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import type { DeskClient } from '../helpers/stack.js';
import { closed, seqs } from '../realtime/desk-helpers.js';
import { HAPROXY, sharedEnv, startBalanced, type Balanced } from '../scale/cluster.js';
import { addAgent, instanceWithPages, loginVia, pushes, resumeVia, type Push } from '../scale/pages.js';
import { startBoxes, type Boxes } from './boxes.js';
import { findSwitch } from './switch.js';

const A = '1001@default';
const B = '1002@default';
const where = findSwitch();
const required = process.env.REQUIRE_REAL_SWITCH === '1';
const skip = 'skip' in where ? (required ? false : `real-switch tier skipped: ${where.skip}`) : HAPROXY ? false : 'haproxy is not installed (npm run setup:test)';

/** Rows of call_records for a member, once there is at least one (up to 60 s). */
async function records(db: pg.Client, memberUuid: string): Promise<number> {
  const end = Date.now() + 60_000;
  for (;;) {
    const n = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM call_records WHERE member_uuid = $1', [memberUuid])).rows[0]!.n);
    if (n > 0 || Date.now() > end) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The agent's stream once the page has received its last push (up to 30 s). */
async function caughtUp(redis: Redis, key: string, page: DeskClient): Promise<Push[]> {
  const end = Date.now() + 30_000;
  for (;;) {
    const stream = (await redis.lrange(key, 0, -1)).map((j) => JSON.parse(j) as Push);
    const last = stream[stream.length - 1]?.seq;
    if (last === undefined || seqs(page).includes(last) || Date.now() > end) return stream;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function assertOnceInOrder(all: Push[]): number[] {
  const got = all.map((p) => p.seq);
  assert.deepEqual(got, [...got].sort((x, y) => x - y), 'in order');
  assert.equal(new Set(got).size, got.length, `no seq twice: ${JSON.stringify(got)}`);
  return got;
}

test('2 real switches sharing PostgreSQL, 3 gateway instances behind HAProxy: calls on both boxes, an instance killed mid-call, a box stopped', { skip, timeout: 300_000 }, async () => {
  if ('skip' in where) throw new Error(`REQUIRE_REAL_SWITCH=1 but ${where.skip}`);
  let boxes: Boxes | null = null;
  let redisServer: TestRedis | null = null;
  let recordsDb: TestDatabase | null = null;
  let cluster: Balanced | null = null;
  const pages: DeskClient[] = [];
  let redis: Redis | null = null;
  const prefixOf = `m${randomBytes(3).toString('hex')}:`;
  let db: pg.Client | null = null;
  try {
    // Everything that takes time starts at once: the boxes, then the instances and the phones.
    const [b, r, d] = await Promise.all([startBoxes(where), startRedis(), createTestDatabase()]);
    boxes = b;
    redisServer = r;
    recordsDb = d;
    const prefix = prefixOf;
    const env = { ...sharedEnv(r, d, prefix), ESL_HOSTS: b.eslHosts, ESL_PASSWORD: b.eslPassword, ESL_COMMAND_TIMEOUT_MS: '10000' };
    const started = await Promise.allSettled([startBalanced(3, env), b.agentPhones('1001'), b.agentPhones('1002')]);
    if (started[0].status === 'fulfilled') cluster = started[0].value;
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const c = cluster!;
    redis = new Redis(r.url);
    db = new pg.Client({ connectionString: d.url });
    await db.connect();

    // Agents over REST: one set of rows, shared by both boxes.
    for (const agent of [A, B]) await addAgent(c, agent, `user/${agent.split('@')[0]}`);
    for (const fs of b.switches) assert.match(await fs.api('callcenter_config tier list'), /support@default\|1002@default/);

    // A's page alone first: the instance with a page is A's.
    const a = await loginVia(c.url, A, true);
    pages.push(a.desk);
    const [victim] = await instanceWithPages(c);
    assert.ok(victim, 'A’s page is on some instance');
    const bp = await loginVia(c.url, B, false);
    pages.push(bp.desk);

    // 1. A call on fs1 reaches A's page.
    const alice = await b.call('fs1', 'Alice');
    const offered = await a.desk.next('call.offered', () => true, 60_000);
    const aliceUuid = offered.memberUuid;
    await a.desk.next('call.bridged', (m) => m.memberUuid === aliceUuid, 30_000);
    await a.desk.next('agent.state', (m) => m.state === 'In a queue call', 30_000);

    // 2. kill -9 A's instance; the caller hangs up while A has no page anywhere.
    const gone = closed(a.desk);
    await victim.kill();
    await gone;
    await alice.hangup();
    const seen = seqs(a.desk);
    const resumed = await resumeVia(c.url, A, a.token, seen[seen.length - 1]!);
    pages.push(resumed);
    await resumed.next('call.ended', (m) => m.memberUuid === aliceUuid, 30_000);
    assert.ok(!(await instanceWithPages(c)).includes(victim), 'the dead instance serves nobody');
    // The pushes after the call's end (agent state, after-call work) come too; then the page holds the whole stream.
    const stream = await caughtUp(redis, `${prefix}desk-log:${A}`, resumed);
    const allA = [...pushes(a.desk), ...pushes(resumed)];
    const gotA = assertOnceInOrder(allA);
    assert.deepEqual(
      gotA,
      stream.filter((p) => p.seq >= gotA[0]!).map((p) => p.seq),
      `the page got exactly the stream: ${JSON.stringify(stream.map((p) => [p.seq, p.type]))}`,
    );
    const aliceCall = allA.filter((p) => 'memberUuid' in p && p.memberUuid === aliceUuid && p.type.startsWith('call.')).map((p) => p.type);
    assert.deepEqual(aliceCall, ['call.offered', 'call.bridged', 'call.ended']);
    assert.equal(await records(db, aliceUuid), 1, 'one record for the call');

    // 3. A call on fs2 reaches B's page (A on a break: B is the only one ready).
    assert.equal((await resumed.request({ type: 'busy' })).type, 'ack');
    await resumed.next('agent.status', (m) => m.status === 'On Break', 30_000);
    assert.equal((await bp.desk.request({ type: 'ready' })).type, 'ack');
    await bp.desk.next('agent.status', (m) => m.status === 'Available', 30_000);
    const bob = await b.call('fs2', 'Bob');
    const bobOffer = await bp.desk.next('call.offered', () => true, 60_000);
    await bp.desk.next('call.bridged', (m) => m.memberUuid === bobOffer.memberUuid, 30_000);
    const ccDb = new pg.Client({ connectionString: b.ccDb.url });
    await ccDb.connect();
    const row = await ccDb.query<{ instance_id: string }>('SELECT instance_id FROM members WHERE uuid = $1', [bobOffer.memberUuid]).finally(() => ccDb.end());
    assert.equal(row.rows[0]?.instance_id, 'fs2', 'Bob’s call is on fs2');

    // 4. fs2 stops: Bob's call ends on B's page; the gateway stays ready on fs1.
    await b.box('fs2').halt();
    await bob.waitEvent('CALL_CLOSED', 30_000);
    await bp.desk.next('call.ended', (m) => m.memberUuid === bobOffer.memberUuid, 60_000);
    const ready = await c.api('GET', '/readyz');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));

    // 5. B keeps taking calls, now fs1's.
    const carol = await b.call('fs1', 'Carol');
    const carolOffer = await bp.desk.next('call.offered', (m) => m.memberUuid !== bobOffer.memberUuid, 60_000);
    await bp.desk.next('call.bridged', (m) => m.memberUuid === carolOffer.memberUuid, 30_000);
    // Not at the very moment of the bridge: a caller hanging up then gets bridge-agent-end but no
    // member-queue-end from mod_callcenter (seen on the real switch), and the record waits for that.
    await bp.desk.next('agent.state', (m) => m.state === 'In a queue call', 30_000);
    await carol.hangup();
    await bp.desk.next('call.ended', (m) => m.memberUuid === carolOffer.memberUuid, 30_000);
    assertOnceInOrder(pushes(bp.desk));
    assert.equal(await records(db, carolOffer.memberUuid), 1, 'one record for the call on fs1');
    assert.ok((await records(db, bobOffer.memberUuid)) <= 1, 'at most one record for the call of the stopped box');
  } catch (err) {
    for (const i of cluster?.instances ?? []) {
      if (i.output) console.error(`--- ${i.id}\n${i.output.slice(-3000)}`);
      const m = await fetch(`${i.url}/metrics`).then((r) => r.text()).catch(() => '');
      console.error(`--- ${i.id} metrics: ${m.split('\n').filter((l) => /^cc_(call_records|live_calls|esl)/.test(l)).join(' | ')}`);
    }
    if (db) console.error(`--- call_records: ${JSON.stringify((await db.query('SELECT member_uuid, outcome, agent FROM call_records').catch(() => ({ rows: [] }))).rows)}`);
    if (redis) for (const agent of [A, B]) console.error(`--- stream ${agent}: ${JSON.stringify((await redis.lrange(`${prefixOf}desk-log:${agent}`, 0, -1).catch(() => [])).map((j) => { const x = JSON.parse(j) as Push; return [x.seq, x.type, 'memberUuid' in x ? x.memberUuid.slice(0, 8) : 'state' in x ? x.state : ''] as const; }))}`);
    for (const p of pages) console.error(`--- page: ${JSON.stringify(p.received.map((x) => ['seq' in x ? x.seq : '-', x.type, 'memberUuid' in x ? x.memberUuid.slice(0, 8) : 'state' in x ? x.state : '']))}`);
    for (const fs of boxes?.switches ?? []) console.error(`--- switch ${fs.dir}\n${fs.log().slice(-2000)}`);
    throw err;
  } finally {
    for (const p of pages) p.ws.terminate();
    redis?.disconnect();
    await db?.end();
    await cluster?.stop();
    await boxes?.stop();
    await redisServer?.stop();
    await recordsDb?.drop();
  }
});
