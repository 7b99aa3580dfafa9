/**
 * The KPI engine on the FreeSWITCH double with real PostgreSQL: after a run
 * of calls with every outcome (answered within and beyond T, short and long
 * abandons, a queue timeout), the live counters say exactly what SQL over
 * call_records says, for every scope (all queues, each queue, an agent, an
 * agent in a queue) and period (current interval, today). Today's records
 * stored before the gateway started are counted once (the seed), yesterday's
 * not at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KpiEngine } from '../../src/kpis/engine.js';
import { dayOf, intervalOf } from '../../src/kpis/windows.js';
import type { KpiScope } from '../../src/kpis/types.js';
import { waitFor } from '../helpers/stack.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { recordOf } from '../records/helpers.js';
import { insertRecord, kpiGateway, migrated, SALES, sql, startDouble, SUPPORT } from './helpers.js';

const A = '1001@default';
const actor = { source: 'demo' as const, id: 'test' };

test('live KPI counters agree exactly with SQL over call_records after a run of calls on the double', async () => {
  const db = await createTestDatabase();
  await migrated(db.url);
  const now = Date.now();
  const today = dayOf(now);
  // Stored by an earlier gateway run: two today (one in an earlier interval when the day allows), one yesterday.
  const earlier = Math.max(today.from, intervalOf(now).from - 60_000);
  await insertRecord(db.url, { uuid: 'seed-1', queue: SUPPORT, agent: A, outcome: 'answered', endedAt: earlier, waitS: 0, talkS: 40, holdS: 5, afterCallS: 10 });
  await insertRecord(db.url, { uuid: 'seed-2', queue: SUPPORT, agent: null, outcome: 'abandoned', endedAt: earlier + 1, waitS: 30, talkS: null });
  await insertRecord(db.url, { uuid: 'seed-old', queue: SUPPORT, agent: A, outcome: 'answered', endedAt: today.from - 1, waitS: 3, talkS: 100 });

  const fs = await startDouble();
  const g = await kpiGateway(fs, db.url);
  try {
    const kpis = g.gw.kpis as KpiEngine;
    await kpis.whenSeeded();
    await g.gw.callCenter.createAgent({ name: A, contact: 'null/agent-1001', status: 'Available' }, actor);
    await g.gw.callCenter.addTier(SUPPORT, A, 1, 1, actor);
    const ended: string[] = [];

    // 1. Answered at once (within T = 1 s), talks, hangs up.
    const c1 = fs.injectCaller({ number: '15550000001', name: 'One' });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === c1.memberUuid && c.state === 'answered'), 'call 1 answered');
    await sleep(300);
    fs.hangupCaller(c1.callerUuid);
    ended.push(c1.memberUuid);
    await recordOf(g, c1.memberUuid);

    // Nobody to take calls now.
    await g.gw.callCenter.setAgentStatus(A, 'On Break', actor);
    // 2. Hangs up at once: a short abandon.
    const c2 = fs.injectCaller({ number: '15550000002', name: 'Two' });
    await waitFor(() => g.gw.view.members.has(c2.memberUuid), 'call 2 waiting');
    fs.hangupCaller(c2.callerUuid);
    ended.push(c2.memberUuid);
    // 3. Waits two seconds, then hangs up: an abandon.
    const c3 = fs.injectCaller({ number: '15550000003', name: 'Three' });
    // 4. Sales has no agent: the queue gives up after 1 s (TIMEOUT).
    const c4 = fs.injectCaller({ number: '15550000004', name: 'Four', queue: SALES });
    // 5. Waits until the agent comes back (beyond T), then talks.
    const c5 = fs.injectCaller({ number: '15550000005', name: 'Five' });
    await waitFor(() => g.gw.view.members.has(c3.memberUuid) && g.gw.view.members.has(c5.memberUuid), 'calls 3 and 5 waiting');
    await waitFor(() => kpis.snapshot().queues.find((q) => q.queue === SUPPORT)?.waitingNow === 2, 'two callers waiting in support');
    await sleep(2100);
    fs.hangupCaller(c3.callerUuid);
    ended.push(c3.memberUuid, c4.memberUuid);
    await recordOf(g, c3.memberUuid);
    await g.gw.callCenter.setAgentStatus(A, 'Available', actor);
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === c5.memberUuid && c.state === 'answered'), 'call 5 answered');
    await sleep(200);
    fs.hangupCaller(c5.callerUuid);
    ended.push(c5.memberUuid);
    for (const uuid of ended) await recordOf(g, uuid);
    await g.gw.records!.writer.flush();

    const stored = await sql(db.url, 'SELECT member_uuid, queue, outcome, wait_s FROM call_records WHERE cause <> $1 ORDER BY ended_at', ['seeded']);
    assert.deepEqual(stored.map((r) => [r.queue, r.outcome]).sort(), [[SALES, 'timeout'], [SUPPORT, 'abandoned'], [SUPPORT, 'abandoned'], [SUPPORT, 'answered'], [SUPPORT, 'answered']], JSON.stringify(stored));

    // Independent of both implementations: what the run must show for support today.
    const support = kpis.liveFigures('today', { queue: SUPPORT }).figures;
    assert.equal(support.offered, 4 + 2, 'four calls today plus two seeded');
    assert.equal(support.answered, 2 + 1);
    assert.equal(support.shortAbandoned, 1);
    assert.equal(support.abandoned, 1 + 1);
    assert.equal(support.otherUnanswered, 0);
    assert.equal(support.answeredWithinSl, 1 + 1, 'call 1 and the seeded answer (wait 0); call 5 waited beyond T');
    assert.equal(kpis.liveFigures('today', { queue: SALES }).figures.otherUnanswered, 1);
    assert.equal(kpis.liveFigures('today', { agent: A }).figures.answered, 3);
    assert.equal(kpis.liveFigures('today', { agent: A }).figures.handleS >= 55, true, 'the seeded call: 40 s talk + 5 s hold + 10 s after-call work');

    // Live counters vs SQL, every scope and period.
    const scopes: KpiScope[] = [{}, { queue: SUPPORT }, { queue: SALES }, { agent: A }, { queue: SUPPORT, agent: A }, { queue: SALES, agent: A }];
    for (const period of ['current', 'today'] as const) {
      for (const scope of scopes) {
        const live = kpis.liveFigures(period, scope);
        const range = period === 'today' ? dayOf(live.range.from) : live.range;
        const history = await kpis.history({ from: range.from, to: range.to, ...scope });
        assert.deepEqual(live.figures, history.totals, `${period} ${JSON.stringify(scope)}`);
      }
    }
    // Today's intervals from the counters are SQL's 15-minute series of today.
    const series = await kpis.history({ from: today.from, to: today.to, bucketMs: 15 * 60_000 });
    const nonEmpty = series.series.filter((b) => b.figures.offered > 0).map((b) => ({ from: b.from, figures: b.figures }));
    assert.deepEqual(kpis.intervalsToday(), nonEmpty);
    assert.equal(kpis.snapshot().total.today.offered, 5 + 2);
  } finally {
    await g.stop();
    await fs.stop();
    await db.drop();
  }
});
