/**
 * Clock-free unit tests: the KPI definitions (figures.ts), the interval and
 * day buckets (counters.ts), the settings parser, and the wallboard's pure
 * reducer and selectors (web/wallboard/state.js).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../src/config.js';
import { addRecord, emptySums, figuresOf, type KpiRecord } from '../../src/kpis/figures.js';
import { KpiCounters, queueKey, ALL_QUEUES, agentKey } from '../../src/kpis/counters.js';
import { dayOf, intervalOf, INTERVAL_MS } from '../../src/kpis/windows.js';
import type { KpiSettings } from '../../src/kpis/types.js';
// @ts-expect-error plain browser module without types
import { initialState, levelOf, longestWaitAt, reduce, thresholdsFrom, tilesOf, DEFAULT_THRESHOLDS } from '../../web/wallboard/state.js';

const settings: KpiSettings = { slSeconds: 20, slSecondsByQueue: { 'vip@default': 10 }, shortAbandonS: 5 };
const rec = (r: Partial<KpiRecord>): KpiRecord => ({ queue: 'support@default', agent: null, outcome: 'answered', endedAt: 0, waitS: 0, talkS: 0, ...r });

test('definitions: SL and abandon rate over offered less short abandons; ASA and AHT over answered; null columns count 0', () => {
  const s = emptySums();
  addRecord(s, rec({ waitS: 20, talkS: 100, holdS: 10, afterCallS: 30 }), settings); // within T (<=)
  addRecord(s, rec({ waitS: 21, talkS: 50, holdS: null, afterCallS: null }), settings); // beyond T
  addRecord(s, rec({ outcome: 'abandoned', waitS: 4 }), settings); // short
  addRecord(s, rec({ outcome: 'abandoned', waitS: 5 }), settings); // not short (threshold is "under")
  addRecord(s, rec({ outcome: 'timeout', waitS: 300 }), settings);
  addRecord(s, rec({ queue: 'vip@default', waitS: 11 }), settings); // vip's T is 10
  const f = figuresOf(s);
  assert.deepEqual(
    { offered: f.offered, answered: f.answered, abandoned: f.abandoned, shortAbandoned: f.shortAbandoned, otherUnanswered: f.otherUnanswered, answeredWithinSl: f.answeredWithinSl },
    { offered: 6, answered: 3, abandoned: 1, shortAbandoned: 1, otherUnanswered: 1, answeredWithinSl: 1 },
  );
  assert.equal(f.serviceLevel, 1 / 5);
  assert.equal(f.abandonRate, 1 / 5);
  assert.equal(f.asaS, (20 + 21 + 11) / 3);
  assert.equal(f.ahtS, (140 + 50 + 0) / 3);
  const none = figuresOf(emptySums());
  assert.deepEqual([none.serviceLevel, none.abandonRate, none.asaS, none.ahtS], [null, null, null, null]);
});

test('counters: a call counts in the interval of its end, per queue, overall and per agent; another day is not counted; the day rolls', () => {
  const day = dayOf(Date.UTC(2026, 0, 15, 12));
  const c = new KpiCounters(settings, day.from + 1000);
  const t1 = day.from + 10 * INTERVAL_MS + 5;
  assert.equal(c.add(rec({ endedAt: t1, agent: '1001@default' })), true);
  assert.equal(c.add(rec({ endedAt: t1 + INTERVAL_MS, outcome: 'abandoned', waitS: 9 })), true);
  assert.equal(c.add(rec({ endedAt: day.from - 1 })), false, 'yesterday');
  assert.equal(c.interval(intervalOf(t1).from, queueKey('support@default')).offered, 1);
  assert.equal(c.todaySums(ALL_QUEUES).offered, 2);
  assert.equal(c.todaySums(agentKey('1001@default')).answered, 1);
  assert.deepEqual(c.intervalsOf(ALL_QUEUES).map((i) => i.from), [intervalOf(t1).from, intervalOf(t1).from + INTERVAL_MS]);
  c.roll(day.to);
  assert.equal(c.todaySums(ALL_QUEUES).offered, 0);
  assert.equal(c.range.from, day.to);
});

test('settings: KPI_SL_SECONDS, KPI_SL_SECONDS_BY_QUEUE, KPI_SHORT_ABANDON_S; bad values are ConfigErrors', () => {
  assert.deepEqual(loadConfig({}).kpis, { slSeconds: 20, slSecondsByQueue: {}, shortAbandonS: 5 });
  assert.deepEqual(loadConfig({ KPI_SL_SECONDS: '30', KPI_SL_SECONDS_BY_QUEUE: 'a@d:10, b@d:15', KPI_SHORT_ABANDON_S: '3' }).kpis, { slSeconds: 30, slSecondsByQueue: { 'a@d': 10, 'b@d': 15 }, shortAbandonS: 3 });
  for (const env of [{ KPI_SL_SECONDS: '-1' }, { KPI_SL_SECONDS: 'x' }, { KPI_SL_SECONDS_BY_QUEUE: 'a@d' }, { KPI_SL_SECONDS_BY_QUEUE: 'a@d:1e3' }, { KPI_SHORT_ABANDON_S: '1.5' }]) {
    assert.throws(() => loadConfig(env), ConfigError, JSON.stringify(env));
  }
  assert.equal(loadConfig({ API_TOKENS: 'wall:wallboard:0123456789' }).tokens[0]?.role, 'wallboard');
  assert.throws(() => loadConfig({ API_TOKENS: 'x:viewer:0123456789' }), ConfigError);
});

test('wallboard reducer and selectors: threshold levels, URL overrides, tiles, the ticking longest wait, a refused token', () => {
  assert.equal(levelOf(0.85, DEFAULT_THRESHOLDS.serviceLevel), 'ok');
  assert.equal(levelOf(0.75, DEFAULT_THRESHOLDS.serviceLevel), 'warn');
  assert.equal(levelOf(0.5, DEFAULT_THRESHOLDS.serviceLevel), 'bad');
  assert.equal(levelOf(0.1, DEFAULT_THRESHOLDS.abandonRate), 'bad');
  assert.equal(levelOf(null, DEFAULT_THRESHOLDS.abandonRate), 'none');
  const th = thresholdsFrom('?sl=0.9,0.8&wait=oops');
  assert.deepEqual(th.serviceLevel, { warn: 0.9, bad: 0.8, higher: true });
  assert.deepEqual(th.longestWait, DEFAULT_THRESHOLDS.longestWait);

  let s = initialState({ token: 'abc' });
  assert.equal(s.conn, 'connecting');
  const figures = { offered: 10, answered: 8, abandoned: 1, shortAbandoned: 1, otherUnanswered: 0, answeredWithinSl: 6, waitAnsweredS: 0, handleS: 0, serviceLevel: 6 / 9, abandonRate: 1 / 9, asaS: 0, ahtS: 0 };
  const body = {
    at: 100_000,
    queue: '*',
    seeded: true,
    shortAbandonS: 5,
    interval: { from: 0, to: 900_000 },
    tiles: { queue: '*', slThresholdS: 20, current: figures, today: figures, waitingNow: 2, longestWaitS: 40, oldestJoinedAt: 60_000, agentsByStatus: {}, agentsByState: {}, agents: { available: 0, onCall: 3, onBreak: 1, loggedIn: 4 } },
    intervals: [],
    waiting: [],
  };
  // Our clock is 10 s behind the server's.
  s = reduce(s, { type: 'snapshot', body, receivedAt: 90_000 });
  assert.equal(s.conn, 'live');
  assert.equal(longestWaitAt(s, 95_000), 45);
  const tiles = Object.fromEntries(tilesOf(s, 95_000).map((t: { id: string }) => [t.id, t]));
  assert.equal(tiles['service-level'].level, 'bad');
  assert.equal(tiles['abandon-rate'].level, 'bad');
  assert.equal(tiles['available'].level, 'bad', 'nobody available while callers wait');
  assert.equal(tiles['longest-wait'].value, 45);
  assert.equal(tiles['longest-wait'].level, 'warn');
  s = reduce(s, { type: 'dropped' });
  assert.equal(s.conn, 'reconnecting');
  assert.ok(s.data, 'the last figures stay on screen while reconnecting');
  s = reduce(s, { type: 'denied', status: 401 });
  assert.equal(s.conn, 'denied');
  assert.equal(s.error, 'wallboard.error.unauthorized');
  assert.equal(reduce(s, { type: 'dropped' }).conn, 'denied', 'a refused token is not retried');
});
