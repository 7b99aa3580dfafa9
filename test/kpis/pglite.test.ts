/**
 * The KPI engine on the embedded PGlite (the demo's database): the seed's
 * REPEATABLE READ snapshot and the SQL figures work there too, and calls fed
 * as tracker events and stored by the records store's own writeBatch give
 * live figures equal to SQL's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { StateView } from '../../src/callcenter/state.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { KpiEngine } from '../../src/kpis/engine.js';
import { dayOf } from '../../src/kpis/windows.js';
import { silentLogger } from '../../src/log.js';
import type { LiveCall } from '../../src/records/model.js';
import { writeBatch } from '../../src/records/store.js';
import type { CallEnd } from '../../src/records/tracker.js';

const Q = 'support@default';
const A = '1001@default';

function call(uuid: string, joinedAt: number, answeredAt: number | null): LiveCall {
  return {
    memberUuid: uuid,
    sessionUuid: `s-${uuid}`,
    queue: Q,
    callerNumber: '1555',
    callerName: 'x',
    destination: '7000',
    variables: {},
    state: answeredAt ? 'answered' : 'waiting',
    agent: answeredAt ? A : null,
    agentUuid: null,
    joinedAt,
    offeredAt: answeredAt,
    answeredAt,
    offers: answeredAt ? [{ agent: A, offeredAt: answeredAt, endedAt: null, outcome: 'answered', hangupCause: null }] : [],
  };
}

const end = (endedAt: number, answered: boolean, cancelReason: string | null = null): CallEnd => ({
  endedAt,
  cause: answered ? 'Terminated' : 'Cancel',
  cancelReason: answered ? null : cancelReason,
  hangupCause: null,
  agent: answered ? A : null,
  answeredAt: null,
});

test('KPI engine on PGlite: seed, live counters and SQL agree', async () => {
  const db = await openDatabase({ url: null, logger: silentLogger() });
  const tracker = new EventEmitter<{ ended: [LiveCall, CallEnd] }>();
  let engine: KpiEngine | null = null;
  try {
    await migrate(db, silentLogger());
    const now = Date.now();
    const t0 = Math.max(dayOf(now).from + 60_000, now - 120_000);
    // Stored before the engine starts: counted by the seed.
    await writeBatch(db.pool, [], [{ call: call('old-1', t0 - 30_000, t0 - 25_000), end: end(t0, true) }]);
    engine = new KpiEngine(tracker, new StateView(), { start: async () => undefined, reportPool: () => db.pool }, { settings: { slSeconds: 10, slSecondsByQueue: {}, shortAbandonS: 5 }, logger: silentLogger(), coalesceMs: 10 });
    engine.start();
    await engine.whenSeeded();
    // Seen live, then stored as the writer would.
    const live: Array<[LiveCall, CallEnd]> = [
      [call('new-1', t0, t0 + 3_000), end(t0 + 60_000, true)],
      [call('new-2', t0, null), end(t0 + 2_000, false, 'BREAK_OUT')],
      [call('new-3', t0, null), end(t0 + 40_000, false, 'BREAK_OUT')],
      [call('new-4', t0, null), end(t0 + 90_000, false, 'TIMEOUT')],
    ];
    for (const [c, e] of live) tracker.emit('ended', c, e);
    await writeBatch(db.pool, [], live.map(([c, e]) => ({ call: c, end: e })));

    const today = engine.liveFigures('today', { queue: Q });
    assert.deepEqual(
      [today.figures.offered, today.figures.answered, today.figures.shortAbandoned, today.figures.abandoned, today.figures.otherUnanswered, today.figures.answeredWithinSl],
      [5, 2, 1, 1, 1, 2],
    );
    const day = dayOf(now);
    for (const scope of [{}, { queue: Q }, { agent: A }]) {
      assert.deepEqual(engine.liveFigures('today', scope).figures, (await engine.history({ from: day.from, to: day.to, ...scope })).totals, JSON.stringify(scope));
    }
  } finally {
    engine?.stop();
    await db.close();
  }
});
