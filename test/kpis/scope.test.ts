/**
 * GET /api/kpis within a token's queue scope (TOKEN_QUEUES), live and over a
 * range from the history, on real PostgreSQL: a scoped token's figures are its
 * queues' (never the whole switch's), a queue outside is 403, an agent's
 * figures count only the calls it answered in the scope's queues. The wallboard
 * feed follows the same rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from '../helpers/http.js';
import { waitFor } from '../helpers/stack.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { ADMIN, SUPERVISOR, recordsGateway } from '../records/helpers.js';
import { insertRecord, migrated, startDouble, SALES, SUPPORT } from './helpers.js';

const VIP = 'vip@default';
const SALES_ONLY = 'kpi-sales-only-token-0123';
const TWO = 'kpi-two-queues-token-0123';
const A = '1001@default';

test('KPIs of a scoped token: its queues only, live and from the history; a queue outside is 403', async () => {
  const db = await createTestDatabase();
  const fs = await startDouble();
  try {
    // Records an earlier run left today: support 3 (2 answered by A), sales 2 (1 answered by A), vip 1.
    await migrated(db.url);
    const endedAt = Date.now() - 2000;
    let n = 0;
    const seed = (queue: string, agent: string | null) =>
      insertRecord(db.url, { uuid: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, queue, agent, outcome: agent ? 'answered' : 'timeout', endedAt, waitS: 3, talkS: agent ? 30 : null });
    for (const [q, a] of [[SUPPORT, A], [SUPPORT, A], [SUPPORT, null], [SALES, A], [SALES, null], [VIP, null]] as const) await seed(q, a);

    const g = await recordsGateway(fs, db.url, {
      QUEUES: `${SUPPORT},${SALES}`,
      API_TOKENS: `boss:admin:${ADMIN},watcher:supervisor:${SUPERVISOR},sales:supervisor:${SALES_ONLY},two:supervisor:${TWO}`,
      TOKEN_QUEUES: `sales=${SALES},two=${SUPPORT}|${SALES}`,
    });
    try {
      await waitFor(async () => (await g.api('/api/kpis', SUPERVISOR)).body?.totals?.offered === 6, 'the seeded records counted live');
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 60_000).toISOString();
      const figures = async (token: string, query = '') => {
        const r = await g.api(`/api/kpis${query}`, token);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body;
      };

      // Live (today): the scoped token's totals are its queue's, and its scope says which.
      const mine = await figures(SALES_ONLY);
      assert.deepEqual([mine.totals.offered, mine.totals.answered, mine.scope.queues], [2, 1, [SALES]]);
      assert.equal(mine.source, 'live');
      assert.ok(mine.live, 'the live floor of its queue');
      // Two queues: their sums added, not the switch's (vip stays out).
      const two = await figures(TWO);
      assert.deepEqual([two.totals.offered, two.totals.answered, two.scope.queues], [5, 3, [SALES, SUPPORT]]);
      assert.equal((await figures(SALES_ONLY, `?queue=${SALES}`)).totals.offered, 2);
      assertError(await g.api(`/api/kpis?queue=${SUPPORT}`, SALES_ONLY), 403, 'OUT_OF_SCOPE');
      assertError(await g.api(`/api/kpis?queue=${VIP}&from=${from}&to=${to}`, SALES_ONLY), 403, 'OUT_OF_SCOPE');
      // An agent within the scope: the calls it answered in the scope's queues.
      assert.equal((await figures(SUPERVISOR, `?agent=${A}`)).totals.answered, 3);
      assert.equal((await figures(SALES_ONLY, `?agent=${A}`)).totals.answered, 1);
      assert.equal((await figures(TWO, `?agent=${A}`)).totals.answered, 3);

      // History over a range: the same rule in SQL, and the live and SQL figures agree.
      const range = `?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
      const hist = await figures(SALES_ONLY, `${range}&interval=1h`);
      assert.equal(hist.source, 'history');
      assert.deepEqual([hist.totals.offered, hist.totals.answered], [2, 1]);
      assert.equal(hist.series.reduce((s: number, b: { figures: { offered: number } }) => s + b.figures.offered, 0), 2);
      assert.deepEqual((await figures(TWO, range)).totals, two.totals, 'SQL over the history = the live counters');
      assert.equal((await figures(SALES_ONLY, `${range}&agent=${encodeURIComponent(A)}`)).totals.answered, 1);
      assert.equal((await figures(SUPERVISOR, range)).totals.offered, 6);

      // The wallboard feed follows the same rule: tiles and today's intervals of the scope's queues.
      const board = async (token: string, query = '') => {
        const r = await g.api(`/api/wallboard${query}`, token);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body;
      };
      const offeredIn = (b: { intervals: Array<{ offered: number }> }) => b.intervals.reduce((s, i) => s + i.offered, 0);
      for (const [token, offered] of [[SUPERVISOR, 6], [SALES_ONLY, 2], [TWO, 5]] as const) {
        const b = await board(token);
        assert.deepEqual([b.tiles.today.offered, offeredIn(b)], [offered, offered], token);
      }
      assert.equal((await board(TWO, `?queue=${SALES}`)).tiles.today.offered, 2);
      assertError(await g.api(`/api/wallboard?queue=${SUPPORT}`, SALES_ONLY), 403, 'OUT_OF_SCOPE');
      assertError(await g.api(`/api/wallboard/stream?queue=${VIP}`, SALES_ONLY), 403, 'OUT_OF_SCOPE');
    } finally {
      await g.stop();
    }
  } finally {
    await fs.stop();
    await db.drop();
  }
});
