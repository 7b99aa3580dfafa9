/**
 * Call records end to end on the embedded database (no DATABASE_URL, as in the
 * demo): callers on the FreeSWITCH double, the gateway's records over REST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { waitFor } from '../helpers/stack.js';
import { assertError } from '../helpers/http.js';
import { availableAgent, QUEUE, recordOf, recordsGateway, SUPERVISOR } from './helpers.js';

const DIALPLAN = { '7000': { queue: QUEUE, variables: [['cc_export_vars', 'account_number'] as const] } };

test('embedded PGlite: answered, abandoned and missed-then-answered calls become one record each, live calls show meanwhile', async () => {
  const fs = await FreeSwitchDouble.start({ ringMs: 30, dialplan: DIALPLAN });
  const g = await recordsGateway(fs, null);
  try {
    assert.equal(g.gw.records?.backend, 'pglite');
    const A = '1001@default';
    const B = '1002@default';
    await availableAgent(g, A);

    // 1. answered by A, then the caller hangs up.
    const alice = fs.injectCaller({ number: '15551234567', name: 'Alice', variables: { account_number: '42', secret_pin: '9' } });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === alice.memberUuid && c.state === 'answered'), 'Alice answered (live)');
    const live = await g.api('/api/calls/live', SUPERVISOR);
    assert.equal(live.status, 200);
    const row = live.body.find((c: any) => c.memberUuid === alice.memberUuid);
    assert.ok(row, JSON.stringify(live.body));
    assert.equal(row.queue, QUEUE);
    assert.equal(row.agent, A);
    assert.equal(row.callerNumber, '15551234567');
    assert.equal(row.sessionUuid, alice.memberSessionUuid);
    assert.deepEqual(row.variables, { account_number: '42' });
    assert.equal(row.offers[0].outcome, 'answered');
    await new Promise((r) => setTimeout(r, 1100)); // a talk time of at least a second
    fs.hangupCaller(alice.callerUuid);
    const rec = await recordOf(g, alice.memberUuid);
    assert.equal(rec.outcome, 'answered');
    assert.equal(rec.cause, 'Terminated');
    assert.equal(rec.agent, A);
    assert.equal(rec.callerName, 'Alice');
    assert.equal(rec.destination, '7000');
    assert.deepEqual(rec.variables, { account_number: '42' });
    assert.deepEqual(rec.offers.map((o: any) => [o.agent, o.outcome]), [[A, 'answered']]);
    assert.ok(rec.talkS >= 1, `talk ${rec.talkS}`);
    assert.ok(Date.parse(rec.joinedAt) <= Date.parse(rec.answeredAt) && Date.parse(rec.answeredAt) <= Date.parse(rec.endedAt));
    assert.equal(rec.holdS, null);
    assert.equal(rec.disposition, null);
    await waitFor(() => !g.gw.records!.live().some((c) => c.memberUuid === alice.memberUuid), 'Alice gone from live calls');

    // 2. B rejects first, then A answers.
    await availableAgent(g, B, { rejectDelayTime: 60 });
    fs.setAgentAnswer(B, { mode: 'reject', cause: 'CALL_REJECTED' });
    fs.setAgentAnswer(A, { mode: 'no-answer', afterMs: 10_000 });
    await g.gw.callCenter.setAgentStatus(A, 'On Break', { source: 'demo', id: 'test' });
    const carol = fs.injectCaller({ number: '15550001111', name: 'Carol' });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === carol.memberUuid && c.offers.some((o) => o.agent === B && o.outcome === 'rejected')), 'B rejected Carol');
    fs.setAgentAnswer(A, null);
    await g.gw.callCenter.setAgentStatus(A, 'Available', { source: 'demo', id: 'test' });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === carol.memberUuid && c.state === 'answered'), 'A answered Carol');
    fs.hangupCaller(carol.callerUuid);
    const rc = await recordOf(g, carol.memberUuid);
    assert.equal(rc.outcome, 'answered');
    assert.equal(rc.agent, A);
    assert.deepEqual(rc.offers.filter((o: any) => o.agent === B).map((o: any) => [o.outcome, o.hangupCause]), [['rejected', 'CALL_REJECTED']]);
    assert.deepEqual(rc.offers.at(-1).agent, A);

    // 3. nobody available: the caller hangs up while waiting.
    await g.gw.callCenter.setAgentStatus(A, 'On Break', { source: 'demo', id: 'test' });
    await g.gw.callCenter.setAgentStatus(B, 'On Break', { source: 'demo', id: 'test' });
    const bob = fs.injectCaller({ number: '15557654321', name: 'Bob' });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === bob.memberUuid), 'Bob waiting');
    fs.hangupCaller(bob.callerUuid);
    const rb = await recordOf(g, bob.memberUuid);
    assert.equal(rb.outcome, 'abandoned');
    assert.equal(rb.cancelReason, 'BREAK_OUT');
    assert.equal(rb.agent, null);
    assert.equal(rb.answeredAt, null);
    assert.equal(rb.talkS, null);
    assert.deepEqual(rb.offers, []);

    // History: newest first, filters.
    const all = await g.api('/api/calls', SUPERVISOR);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.items.map((r: any) => r.memberUuid), [bob.memberUuid, carol.memberUuid, alice.memberUuid]);
    assert.equal(all.body.nextCursor, null);
    const abandoned = await g.api('/api/calls?outcome=abandoned');
    assert.deepEqual(abandoned.body.items.map((r: any) => r.memberUuid), [bob.memberUuid]);
    const byCaller = await g.api('/api/calls?caller=15551234567');
    assert.deepEqual(byCaller.body.items.map((r: any) => r.memberUuid), [alice.memberUuid]);
    const byAgent = await g.api(`/api/calls?agent=${encodeURIComponent(A)}&order=asc`);
    assert.deepEqual(byAgent.body.items.map((r: any) => r.memberUuid), [alice.memberUuid, carol.memberUuid]);
    const page1 = await g.api('/api/calls?limit=2');
    assert.equal(page1.body.items.length, 2);
    const page2 = await g.api(`/api/calls?limit=2&cursor=${page1.body.nextCursor}`);
    assert.deepEqual(page2.body.items.map((r: any) => r.memberUuid), [alice.memberUuid]);
    assert.equal(page2.body.nextCursor, null);

    // CSV: a header and one line per record.
    const csv = await g.api('/api/calls.csv?order=asc', SUPERVISOR);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (csv.body as string).trimEnd().split('\r\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^member_uuid,queue,caller_number/);
    assert.ok(lines[1]!.startsWith(alice.memberUuid + ',support@default,15551234567,Alice,7000,'), lines[1]);

    // A big export streams; a client that goes away mid-stream gives the cursor's connection back
    // (the embedded database has one: a leak would hang every later request).
    const writer = g.gw.records.writer;
    for (let i = 0; i < 5000; i++) {
      const joinedAt = Date.UTC(2026, 0, 1) + i * 1000;
      writer.finished({
        call: { memberUuid: `bulk-${i}`, sessionUuid: '', queue: QUEUE, callerNumber: '15550009999', callerName: '=HYPERLINK("x")', destination: '7000', variables: {}, state: 'waiting', agent: null, agentUuid: null, joinedAt, offeredAt: null, answeredAt: null, offers: [] },
        end: { endedAt: joinedAt + 5000, cause: 'Cancel', cancelReason: 'TIMEOUT', hangupCause: null, agent: null, answeredAt: null },
      });
    }
    await writer.flush();
    const ctl = new AbortController();
    const res = await fetch(`${g.gw.url}/api/calls.csv`, { headers: { authorization: `Bearer ${SUPERVISOR}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ctl.abort();
    await reader.read().catch(() => undefined);
    const after = await g.api('/api/calls?outcome=timeout&limit=1');
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(after.body.items[0].outcome, 'timeout');
    const full = await g.api('/api/calls.csv?caller=15550009999');
    const bulk = (full.body as string).trimEnd().split('\r\n');
    assert.equal(bulk.length, 5001);
    // A caller name a spreadsheet would run as a formula is defused.
    assert.ok(bulk[1]!.includes(',"\'=HYPERLINK(""x"")",'), bulk[1]);

    // Refusals: no token, a bad filter, a forged cursor, an unknown call.
    assertError(await g.api('/api/calls', null), 401, 'UNAUTHORIZED');
    assertError(await g.api('/api/calls/live', null), 401, 'UNAUTHORIZED');
    assertError(await g.api('/api/calls?outcome=lost'), 400, 'INVALID_INPUT');
    assertError(await g.api('/api/calls?caller=%27%3B%20drop'), 400, 'INVALID_INPUT');
    assertError(await g.api('/api/calls?cursor=bm90LWEtY3Vyc29y'), 400, 'INVALID_INPUT');
    assertError(await g.api('/api/calls?limit=0'), 400, 'INVALID_INPUT');
    assertError(await g.api('/api/calls/00000000-0000-0000-0000-000000000000'), 404, 'CALL_NOT_FOUND');
  } finally {
    await g.stop();
    await fs.stop();
  }
});
