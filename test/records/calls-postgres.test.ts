/**
 * Call records on PostgreSQL (a database of the test's own, dropped at the
 * end): exactly one record per call with two gateway instances on one switch,
 * across a gateway restart in the middle of a call, and through a database
 * outage (a TCP proxy in front of the server is cut; the server itself is
 * shared and never stopped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { waitFor } from '../helpers/stack.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { availableAgent, metricValue, QUEUE, recordOf, recordsGateway } from './helpers.js';

const DIALPLAN = { '7000': { queue: QUEUE, variables: [['cc_export_vars', 'account_number'] as const] } };
const A = '1001@default';

async function rows(url: string, sql: string, params: unknown[] = []): Promise<any[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

test('two gateway instances on one switch: one call, one record, written once', async () => {
  const db = await createTestDatabase();
  const fs = await FreeSwitchDouble.start({ ringMs: 30, dialplan: DIALPLAN });
  const one = await recordsGateway(fs, db.url);
  const two = await recordsGateway(fs, db.url);
  try {
    assert.equal(one.gw.records?.backend, 'postgres');
    await availableAgent(one, A);
    const call = fs.injectCaller({ number: '15551234567', name: 'Alice', variables: { account_number: '42' } });
    for (const g of [one, two]) await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === call.memberUuid && c.state === 'answered'), 'both instances see the call answered');
    await waitFor(async () => (await rows(db.url, 'SELECT 1 FROM live_calls WHERE member_uuid = $1', [call.memberUuid])).length === 1, 'the durable live row');
    fs.hangupCaller(call.callerUuid);
    const rec = await recordOf(two, call.memberUuid);
    await one.gw.records.writer.flush();
    await two.gw.records!.writer.flush();
    const stored = await rows(db.url, 'SELECT member_uuid, outcome, agent FROM call_records');
    assert.deepEqual(stored, [{ member_uuid: call.memberUuid, outcome: 'answered', agent: A }]);
    assert.deepEqual(await rows(db.url, 'SELECT * FROM live_calls'), []);
    assert.equal(rec.outcome, 'answered');
    assert.deepEqual(rec.variables, { account_number: '42' });
    // Both wrote; the database kept the first: the counters of inserted rows add up to one.
    assert.equal((await metricValue(one, 'cc_call_records_written_total')) + (await metricValue(two, 'cc_call_records_written_total')), 1);
  } finally {
    await one.stop();
    await two.stop();
    await fs.stop();
    await db.drop();
  }
});

test('gateway restarted in the middle of a call: the new instance writes the one, complete record', async () => {
  const db = await createTestDatabase();
  const fs = await FreeSwitchDouble.start({ ringMs: 30, dialplan: DIALPLAN });
  let second: Awaited<ReturnType<typeof recordsGateway>> | null = null;
  const first = await recordsGateway(fs, db.url);
  try {
    await availableAgent(first, A);
    const call = fs.injectCaller({ number: '15551234567', name: 'Alice', variables: { account_number: '42' } });
    await waitFor(() => first.gw.records!.live().some((c) => c.memberUuid === call.memberUuid && c.state === 'answered'), 'call answered');
    const seen = first.gw.records!.live().find((c) => c.memberUuid === call.memberUuid)!;
    await first.stop(); // flushes its live row, then goes away while the call goes on

    const live = await rows(db.url, 'SELECT state, agent FROM live_calls WHERE member_uuid = $1', [call.memberUuid]);
    assert.deepEqual(live, [{ state: 'answered', agent: A }]);

    second = await recordsGateway(fs, db.url);
    // It learns of the call from the switch's member list (resync) before the call ends.
    await waitFor(() => second!.gw.records!.live().some((c) => c.memberUuid === call.memberUuid && c.agent === A), 'the new instance follows the call');
    // Its own live row (whole-second times from the member list) is stored before the end: it must not erase the exact ones.
    await second.gw.records!.writer.flush();
    fs.hangupCaller(call.callerUuid);
    const rec = await recordOf(second, call.memberUuid);
    assert.equal(rec.outcome, 'answered');
    assert.equal(rec.agent, A);
    assert.equal(rec.callerName, 'Alice');
    // What only the first instance saw comes from its durable live row: the offer with its exact times, the DNIS, the variables.
    assert.deepEqual(rec.offers.map((o: any) => [o.agent, o.outcome, Date.parse(o.offeredAt)]), [[A, 'answered', seen.offers[0]!.offeredAt]]);
    assert.equal(rec.destination, '7000');
    assert.deepEqual(rec.variables, { account_number: '42' });
    assert.equal(Date.parse(rec.joinedAt), seen.joinedAt);
    assert.equal(Date.parse(rec.answeredAt), seen.answeredAt);
    assert.ok(rec.talkS >= 0 && rec.waitS >= 0);
    assert.equal((await rows(db.url, 'SELECT count(*)::int AS n FROM call_records'))[0].n, 1);
    assert.deepEqual(await rows(db.url, 'SELECT * FROM live_calls'), []);
  } finally {
    await first.stop().catch(() => undefined);
    await second?.stop();
    await fs.stop();
    await db.drop();
  }
});

test('database unreachable when a call ends: the record waits, the backlog and errors show, and it is written once the database is back', async () => {
  const db = await createTestDatabase();
  const proxy = await startTcpProxy(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const fs = await FreeSwitchDouble.start({ ringMs: 30, dialplan: DIALPLAN });
  const g = await recordsGateway(fs, viaProxy.toString());
  try {
    await availableAgent(g, A);
    const call = fs.injectCaller({ number: '15551234567', name: 'Alice' });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === call.memberUuid && c.state === 'answered'), 'call answered');
    await g.gw.records!.writer.flush();
    proxy.cut();
    fs.hangupCaller(call.callerUuid);
    await waitFor(async () => (await metricValue(g, 'cc_call_records_write_errors_total')) >= 1, 'a failed write counted');
    assert.ok((await metricValue(g, 'cc_call_records_backlog')) >= 1);
    assert.equal(g.gw.records!.writer.healthy, false);
    const down = await g.api('/api/calls');
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal(down.body.error.code, 'DATABASE_DOWN');
    assert.deepEqual(await rows(db.url, 'SELECT * FROM call_records'), []);

    proxy.restore();
    const rec = await recordOf(g, call.memberUuid);
    assert.equal(rec.outcome, 'answered');
    assert.equal(await metricValue(g, 'cc_call_records_backlog'), 0);
    assert.equal((await rows(db.url, 'SELECT count(*)::int AS n FROM call_records'))[0].n, 1);
  } finally {
    await g.stop();
    await fs.stop();
    await proxy.close();
    await db.drop();
  }
});

test('ESL link dropped mid-call: after the reconnect and resync the call is still followed, and ends as one complete record', async () => {
  const db = await createTestDatabase();
  const fs = await FreeSwitchDouble.start({ ringMs: 30, dialplan: DIALPLAN });
  const g = await recordsGateway(fs, db.url);
  try {
    await availableAgent(g, A);
    const call = fs.injectCaller({ number: '15551234567', name: 'Alice', variables: { account_number: '42' } });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === call.memberUuid && c.state === 'answered'), 'call answered');
    const seen = g.gw.records!.live().find((c) => c.memberUuid === call.memberUuid)!;
    const reconnects = g.gw.callCenter.linkState().reconnects;
    let resynced = 0;
    g.gw.callCenter.on('resynced', () => resynced++);
    fs.dropConnections();
    await waitFor(() => g.gw.callCenter.linkState().reconnects > reconnects && resynced > 0, 'reconnected and resynced');
    assert.deepEqual(g.gw.records!.live().map((c) => [c.memberUuid, c.state, c.offers.length]), [[call.memberUuid, 'answered', 1]]);
    fs.hangupCaller(call.callerUuid);
    const rec = await recordOf(g, call.memberUuid);
    assert.equal(rec.outcome, 'answered');
    assert.deepEqual(rec.offers.map((o: any) => [o.agent, Date.parse(o.offeredAt)]), [[A, seen.offers[0]!.offeredAt]]);
    assert.deepEqual(rec.variables, { account_number: '42' });
    await g.gw.records!.writer.flush();
    assert.equal((await rows(db.url, 'SELECT count(*)::int AS n FROM call_records'))[0].n, 1);
    assert.deepEqual(await rows(db.url, 'SELECT * FROM live_calls'), []);
  } finally {
    await g.stop();
    await fs.stop();
    await db.drop();
  }
});
