/**
 * GET /api/kpis and the wallboard feed on the double with real PostgreSQL:
 * roles (a wallboard token reads the wallboard and nothing else), input
 * refused with 400 and a clear error, live and history answers that agree,
 * the SSE stream's pushes, the OpenAPI document, and ECharts served from our
 * own origin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from '../helpers/http.js';
import { waitFor } from '../helpers/stack.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { SUPERVISOR, recordOf } from '../records/helpers.js';
import { kpiGateway, startDouble, SUPPORT, WALLBOARD } from './helpers.js';

const A = '1001@default';
const actor = { source: 'demo' as const, id: 'test' };

/** Reads Server-Sent Events from a fetch() body: each `snapshot` event's data, parsed. */
async function* sse(url: string, token: string, signal: AbortSignal): AsyncGenerator<any> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (block.startsWith('event: snapshot') && data) yield JSON.parse(data.slice(6));
    }
  }
}

test('GET /api/kpis and the wallboard feed: roles, validation, live and history, SSE pushes', async () => {
  const db = await createTestDatabase();
  const fs = await startDouble();
  const g = await kpiGateway(fs, db.url);
  const abort = new AbortController();
  try {
    // Roles.
    assertError(await g.api('/api/kpis', null), 401, 'UNAUTHORIZED');
    assertError(await g.api('/api/kpis', WALLBOARD), 403, 'FORBIDDEN');
    assertError(await g.api('/api/calls', WALLBOARD), 403, 'FORBIDDEN');
    assertError(await g.api('/api/agents', WALLBOARD), 403, 'FORBIDDEN');
    assertError(await g.api('/api/wallboard', null), 401, 'UNAUTHORIZED');
    assert.equal((await g.api('/api/wallboard', WALLBOARD)).status, 200);
    assert.equal((await g.api('/api/kpis', SUPERVISOR)).status, 200);

    // Input refused, clearly.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    for (const [q, why] of [
      ['queue=not%20a%20queue', 'queue'],
      ['agent=%3Cx%3E', 'agent'],
      [`from=${from}`, 'from and to'],
      [`from=${to}&to=${from}`, 'after'],
      ['interval=15m', 'needs a range'],
      [`from=${from}&to=${to}&interval=today`, 'live'],
      [`from=${encodeURIComponent('2020-01-01T00:00:00Z')}&to=${encodeURIComponent('2024-01-01T00:00:00Z')}`, '400 days'],
      [`from=${encodeURIComponent('2025-01-01T00:00:00Z')}&to=${encodeURIComponent('2025-12-01T00:00:00Z')}&interval=15m`, 'buckets'],
      ['interval=week', 'interval'],
      ['from=yesterday&to=today', 'from'],
      ['sort=name', 'additional properties'],
    ] as const) {
      const res = await g.api(`/api/kpis?${q}`);
      assertError(res, 400, 'INVALID_INPUT');
      assert.match(res.body.error.message, new RegExp(why), `${q}: ${res.body.error.message}`);
    }
    assertError(await g.api('/api/wallboard?queue=bad%20queue', WALLBOARD), 400, 'INVALID_INPUT');

    // A wallboard stream, open from the start.
    const stream = sse(`${g.gw.url}/api/wallboard/stream?queue=${SUPPORT}`, WALLBOARD, abort.signal);
    const first = (await stream.next()).value;
    assert.equal(first.queue, SUPPORT);
    assert.equal(first.tiles.waitingNow, 0);

    // One caller waits (nobody available), then is answered by an agent who comes in.
    await g.gw.callCenter.createAgent({ name: A, contact: 'null/agent-1001', status: 'On Break' }, actor);
    await g.gw.callCenter.addTier(SUPPORT, A, 1, 1, actor);
    const call = fs.injectCaller({ number: '15550000001', name: 'One' });
    let pushed: any;
    do pushed = (await stream.next()).value;
    while (pushed.tiles.waitingNow !== 1);
    assert.equal(pushed.tiles.agentsByStatus['On Break'], 1);
    assert.ok(pushed.waiting.length >= 1);
    const live = await g.api(`/api/kpis?queue=${SUPPORT}&interval=current`);
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.source, 'live');
    assert.equal(live.body.live.waitingNow, 1);
    assert.deepEqual(live.body.settings, { slThresholdS: 1, shortAbandonS: 2 });

    await g.gw.callCenter.setAgentStatus(A, 'Available', actor);
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === call.memberUuid && c.state === 'answered'), 'answered');
    fs.hangupCaller(call.callerUuid);
    await recordOf(g, call.memberUuid);
    await g.gw.records!.writer.flush();
    do pushed = (await stream.next()).value;
    while (pushed.tiles.today.offered !== 1);
    assert.equal(pushed.tiles.today.answered, 1);
    assert.equal(pushed.intervals.length, 1);
    assert.equal(pushed.intervals[0].answered, 1);

    // Live today, the history over today in hours, and an agent's figures agree.
    const today = await g.api(`/api/kpis?queue=${SUPPORT}`);
    assert.equal(today.body.totals.offered, 1);
    assert.equal(today.body.totals.answered, 1);
    const dayFrom = today.body.from;
    const dayTo = new Date(Date.parse(dayFrom) + 86_400_000).toISOString();
    const hist = await g.api(`/api/kpis?queue=${SUPPORT}&from=${dayFrom}&to=${dayTo}&interval=1h`);
    assert.equal(hist.status, 200, JSON.stringify(hist.body));
    assert.equal(hist.body.source, 'history');
    assert.deepEqual(hist.body.totals, today.body.totals);
    assert.equal(hist.body.series.length, 24);
    assert.equal(hist.body.series.reduce((n: number, b: any) => n + b.figures.offered, 0), 1);
    const agent = await g.api(`/api/kpis?agent=${A}`);
    assert.equal(agent.body.totals.answered, 1);
    assert.equal(agent.body.live, undefined, 'no queue floor figures for an agent');

    // OpenAPI documents both; ECharts is served from here, and only the file the page loads.
    const doc = await g.api('/docs/json');
    assert.ok(doc.body.paths['/api/kpis']?.get, 'GET /api/kpis documented');
    assert.ok(doc.body.paths['/api/wallboard/stream']?.get, 'the stream documented');
    const echarts = await fetch(`${g.gw.url}/vendor/echarts/echarts.min.js`);
    assert.equal(echarts.status, 200);
    assert.match(echarts.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await echarts.text()).length > 100_000);
    assert.equal((await fetch(`${g.gw.url}/vendor/echarts/package.json`)).status, 404);
    assert.equal((await fetch(`${g.gw.url}/vendor/echarts/../package.json`)).status, 404);
    const page = await fetch(`${g.gw.url}/wallboard`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /wallboard/);
  } finally {
    // The stream is still open: stopping the gateway must not wait for it.
    await g.stop();
    abort.abort();
    await fs.stop();
    await db.drop();
  }
});
