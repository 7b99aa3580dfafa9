/**
 * Three gateway instances behind a real HAProxy (deploy/haproxy.cfg), one
 * FreeSWITCH double, one Redis, one PostgreSQL database: an instance killed
 * with SIGKILL mid-call, its page resumes on another one with no push lost or
 * repeated, and the call's record is written once; a drained instance hands
 * its pages over and says it is not ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { DeskClient } from '../helpers/stack.js';
import { closed, seqs } from '../realtime/desk-helpers.js';
import { HAPROXY, deskSockets, startCluster } from './cluster.js';
import { addAgent, instanceWithPages, loginVia, pushes, resumeVia, type Push } from './pages.js';

const T = '1001@default';
const OTHERS = ['1002@default', '1003@default'];

test('3 instances behind HAProxy: kill -9 the page’s instance mid-call; the page resumes on another with every push once; one call record', { skip: HAPROXY ? false : 'haproxy is not installed (npm run setup:test)', timeout: 300_000 }, async () => {
  const c = await startCluster(3);
  const redis = new Redis(c.redis.url);
  const db = new pg.Client({ connectionString: c.db.url });
  await db.connect();
  try {
    for (const a of [T, ...OTHERS]) await addAgent(c, a);
    // T alone first: the instance with a page is T's.
    const t = await loginVia(c.url, T, true);
    const [victim] = await instanceWithPages(c);
    assert.ok(victim, 'T’s page is on some instance');
    const others = [];
    for (const a of OTHERS) others.push({ agent: a, ...(await loginVia(c.url, a, false)) });

    c.fs.setAgentAnswer(T, { mode: 'answer', afterMs: 50 });
    const ids = c.fs.injectCaller({ number: '15551230000', name: 'Carol' });
    await t.desk.next('call.offered', (m) => m.memberUuid === ids.memberUuid);
    await t.desk.next('call.bridged', (m) => m.memberUuid === ids.memberUuid);
    await t.desk.next('agent.state', (m) => m.state === 'In a queue call');

    // kill -9 T's instance, and end the call while T has no page anywhere.
    const gone = closed(t.desk);
    await victim.kill();
    await gone;
    assert.equal(c.fs.hangupCaller(ids.callerUuid), true);
    const seen = seqs(t.desk);
    const lastSeq = seen[seen.length - 1]!;

    const resumed = await resumeVia(c.url, T, t.token, lastSeq);
    await resumed.next('call.ended', (m) => m.memberUuid === ids.memberUuid);
    await resumed.next('agent.state', (m) => m.state === 'Waiting');
    const host = await instanceWithPages(c);
    assert.ok(!host.includes(victim), 'the dead instance serves nobody');

    // Every push the agent's stream holds after the page's first reached the page exactly once, in order.
    const all = [...pushes(t.desk), ...pushes(resumed)];
    const got = all.map((p) => p.seq);
    assert.deepEqual(got, [...got].sort((a, b) => a - b), 'in order');
    assert.equal(new Set(got).size, got.length, `no seq twice: ${JSON.stringify(got)}`);
    const stream = (await redis.lrange(`${c.prefix}desk-log:${T}`, 0, -1)).map((j) => JSON.parse(j) as Push);
    const expected = stream.filter((p) => p.seq >= got[0]!).map((p) => p.seq);
    assert.deepEqual(got, expected, 'the page got exactly the stream');
    const callPushes = all.filter((p) => 'memberUuid' in p && p.memberUuid === ids.memberUuid && p.type.startsWith('call.')).map((p) => p.type);
    assert.deepEqual(callPushes, ['call.offered', 'call.bridged', 'call.ended']);
    // After-call work follows the call's end, once.
    assert.equal(all.filter((p) => p.type === 'acw.started').length, 1);

    // Live pushes after the move come once too.
    c.fs.api(`callcenter_config agent set status ${T} 'On Break'`);
    const brk = await resumed.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(brk.seq, Math.max(...got) + 1);

    // The other pages (on the surviving instances) kept their sockets.
    for (const o of others) assert.equal(o.desk.ws.readyState, o.desk.ws.OPEN);

    // One record for the call, however many instances saw it end.
    const deadline = Date.now() + 15_000;
    let count = 0;
    while (Date.now() < deadline) {
      count = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM call_records WHERE member_uuid = $1', [ids.memberUuid])).rows[0]!.n);
      if (count > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(count, 1);
    const rec = await c.api('GET', `/api/calls/${ids.memberUuid}`);
    assert.equal(rec.status, 200, JSON.stringify(rec.body));
    assert.equal(rec.body.outcome, 'answered');

    // Draining one of the survivors: not ready any more, its pages are told to go (1012) and resume on the last one.
    const survivors = c.instances.filter((i) => i !== victim);
    const drained = survivors.find((i) => host.includes(i)) ?? survivors[0]!;
    const pagesThere: DeskClient[] = [resumed, ...others.map((o) => o.desk)];
    const closes = pagesThere.map((d) => closed(d));
    const r = await c.api('POST', '/api/admin/drain', undefined, drained.url);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.closedPages >= 1);
    const ready = await c.api('GET', '/readyz', undefined, drained.url);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.draining, true);
    // The drained instance held pages: the first of them to close was told to go (1012). No time bound
    // of our own: the file's timeout catches a close that never comes.
    if (host.includes(drained)) assert.equal((await Promise.race(closes)).code, 1012);
    const last = seqs(resumed);
    const again = await resumeVia(c.url, T, t.token, last[last.length - 1]!);
    assert.equal(await deskSockets(drained), 0, 'a draining instance takes no desk socket');
    c.fs.api(`callcenter_config agent set status ${T} Available`);
    const back = await again.next('agent.status', (m) => m.status === 'Available');
    assert.equal(back.seq, brk.seq + 1);

    resumed.ws.terminate();
    again.ws.terminate();
    for (const o of others) o.desk.ws.terminate();
  } catch (err) {
    for (const i of c.instances) if (i.output) console.error(`--- ${i.id}\n${i.output.slice(-3000)}`);
    throw err;
  } finally {
    redis.disconnect();
    await db.end();
    await c.stop();
  }
});
