/**
 * The call model over real TCP against the FreeSWITCH double: a queue call
 * bridged, held, unheld and hung up; foreign calls kept off the wire by the
 * ESL filters (and dropped undecoded when they do arrive); the model rebuilt
 * from `show calls as json` after a reconnect in the middle of a call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, QUEUE } from '../realtime/desk-helpers.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { EslClient } from '../../src/esl/client.js';
import { CallModel, CHANNEL_EVENTS } from '../../src/calls/model.js';
import { EventHeaders } from '../../src/esl/event-headers.js';
import { silentLogger } from '../../src/log.js';
import type { CallView } from '../../src/calls/types.js';

const A = '1001@default';
// A SIP contact: hold and unhold work on its leg (fixture 10); `user/1001` becomes `sofia/internal/1001`.
const SIP = 'user/1001';

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function bridgedCall(s: Stack): Promise<{ call: CallView; callerUuid: string }> {
  await addAgent(s, A, { contact: SIP, status: 'Available' });
  const ids = s.fs.injectCaller({ number: '15551230100', name: 'Hold', destination: '7000' });
  let call: CallView | undefined;
  await waitFor(() => {
    call = s.gw.calls.get(ids.memberSessionUuid);
    return call?.phase === 'bridged' && call.member?.bridgedTo === call.agentLegUuid;
  }, 'call bridged in the model');
  return { call: call!, callerUuid: ids.callerUuid };
}

test('a queue call on the double: bridged, agent leg held and unheld, caller leg held (loopback: no way back), hung up — as the switch reported it', async () => {
  const s = await startStack();
  try {
    const { call, callerUuid } = await bridgedCall(s);
    const agentLeg = call.agentLegUuid!;
    assert.equal(call.agent, A);
    assert.equal(call.queue, QUEUE);
    assert.equal(call.agentLeg?.channelName, 'sofia/internal/1001');
    assert.equal(call.agentLeg?.state, 'answered');
    assert.equal(call.agentLeg?.bridgedTo, call.memberSessionUuid);
    assert.equal(call.held, false);

    const rest = await s.api('GET', `/api/calls/active?agent=${encodeURIComponent(A)}`);
    assert.equal(rest.status, 200);
    assert.equal(rest.body.length, 1);
    assert.equal(rest.body[0].agentLegUuid, agentLeg);
    assert.equal(rest.body[0].member.bridgedTo, agentLeg);
    assert.equal(rest.body[0].held, false);

    assert.equal(s.fs.api(`uuid_hold ${agentLeg}`), '+OK Success\n');
    await waitFor(() => s.gw.calls.get(call.memberSessionUuid)?.agentLeg?.held === true, 'agent leg held');
    assert.equal(s.gw.calls.get(call.memberSessionUuid)?.held, true);
    assert.equal((await s.api('GET', '/api/calls/active')).body[0].held, true);
    assert.equal(s.fs.api(`uuid_hold ${agentLeg}`), '-ERR Operation failed\n', 'a second hold fails (fixture 10)');
    assert.equal(s.fs.api(`uuid_hold off ${agentLeg}`), '+OK Success\n');
    await waitFor(() => s.gw.calls.get(call.memberSessionUuid)?.agentLeg?.held === false, 'agent leg unheld');
    assert.equal(s.gw.calls.get(call.memberSessionUuid)?.held, false);

    // The caller's leg is a loopback leg: held, and `off` fails (fixture 10b).
    assert.equal(s.fs.api(`uuid_hold ${call.memberSessionUuid}`), '+OK Success\n');
    await waitFor(() => s.gw.calls.get(call.memberSessionUuid)?.member?.held === true, 'member leg held');
    assert.equal(s.fs.api(`uuid_hold off ${call.memberSessionUuid}`), '-ERR Operation failed\n');

    s.fs.hangupCaller(callerUuid);
    await waitFor(() => s.gw.calls.size === 0, 'call gone from the model');
    assert.deepEqual((await s.api('GET', '/api/calls/active')).body, []);

    const text = String((await s.api('GET', '/metrics')).body);
    assert.ok(metric(text, 'cc_channel_events_total', 'outcome="applied"') > 0);
    assert.equal(metric(text, 'cc_channel_events_total', 'outcome="dropped"'), 0, 'the filters let only our legs through');
  } finally {
    await s.stop();
  }
});

test('calls that are none of ours never reach the gateway: the ESL filters keep them on the switch', async () => {
  const s = await startStack();
  try {
    const { call, callerUuid } = await bridgedCall(s);
    // Ten parked loopback calls that never touch a queue, while ours is up.
    for (let i = 0; i < 10; i++) assert.match(s.fs.api(`originate loopback/9999/default &park`), /^\+OK /);
    assert.equal(s.fs.api(`uuid_hold ${call.agentLegUuid!}`), '+OK Success\n');
    await waitFor(() => s.gw.calls.get(call.memberSessionUuid)?.held === true, 'held');
    s.fs.hangupCaller(callerUuid);
    await waitFor(() => s.gw.calls.size === 0, 'call gone');
    const text = String((await s.api('GET', '/metrics')).body);
    assert.equal(metric(text, 'cc_channel_events_total', 'outcome="dropped"'), 0);
    assert.equal(s.fs.channels().filter((c) => c.name.startsWith('loopback/9999')).length, 20, 'the foreign calls are up');
  } finally {
    await s.stop();
  }
});

test('without the filters, channel events of foreign calls are dropped undecoded', async () => {
  const fs = await FreeSwitchDouble.start({ ringMs: 30, initial: { agents: [{ name: A, contact: SIP, status: 'Available' }], tiers: [{ queue: QUEUE, agent: A }] } });
  const client = new EslClient({ host: '127.0.0.1', port: fs.port, password: 'ClueCon', events: [...CHANNEL_EVENTS], customSubclasses: ['callcenter::info'], logger: silentLogger() });
  const model = new CallModel();
  const dropped: EventHeaders[] = [];
  client.on('event', (e) => {
    if (model.ingest(e) === 'dropped' && e.headers instanceof EventHeaders) dropped.push(e.headers);
  });
  try {
    client.start();
    await waitFor(() => client.ready, 'link up');
    for (let i = 0; i < 5; i++) fs.api(`originate loopback/9999/default &park`);
    const ids = fs.injectCaller({ number: '15551230100', name: 'Ours', destination: '7000' });
    await waitFor(() => model.get(ids.memberSessionUuid)?.phase === 'bridged', 'our call bridged');
    // 5 foreign pairs: CREATE and ANSWER of each leg; the caller's own -a leg (no cc_side) too.
    assert.ok(dropped.length >= 20, `dropped ${dropped.length}`);
    assert.equal(model.counts.dropped, dropped.length);
    assert.ok(dropped.every((h) => !h.decoded), 'no dropped event had its headers decoded');
    assert.equal(model.size, 1);
  } finally {
    await client.stop();
    await fs.stop();
  }
});

test('a reconnect in the middle of a call: the model is rebuilt from show calls, queue members and agents', async () => {
  const s = await startStack();
  try {
    const { call, callerUuid } = await bridgedCall(s);
    const agentLeg = call.agentLegUuid!;
    assert.equal(s.fs.api(`uuid_hold ${agentLeg}`), '+OK Success\n');
    await waitFor(() => s.gw.calls.get(call.memberSessionUuid)?.held === true, 'held');

    // The link drops and the leg is unheld before the gateway is back: its events are lost.
    const reconnects = s.gw.callCenter.linkState().reconnects;
    s.fs.dropConnections();
    assert.equal(s.fs.api(`uuid_hold off ${agentLeg}`), '+OK Success\n');
    await waitFor(() => s.gw.callCenter.linkState().reconnects > reconnects, 'reconnected');
    await waitFor(() => s.gw.calls.get(call.memberSessionUuid)?.held === false, 'unhold seen through the rebuild');
    const rebuilt = s.gw.calls.get(call.memberSessionUuid)!;
    assert.equal(rebuilt.phase, 'bridged');
    assert.equal(rebuilt.agent, A);
    assert.equal(rebuilt.agentLegUuid, agentLeg);
    assert.equal(rebuilt.member?.bridgedTo, agentLeg);
    assert.equal(rebuilt.agentLeg?.bridgedTo, call.memberSessionUuid);
    assert.equal(rebuilt.agentLeg?.callState, 'ACTIVE');

    // Events after the rebuild apply on top of it.
    assert.equal(s.fs.api(`uuid_hold ${agentLeg}`), '+OK Success\n');
    await waitFor(() => s.gw.calls.get(call.memberSessionUuid)?.held === true, 'held again');

    // Dropped again, and the caller hangs up meanwhile: the rebuild removes the call.
    const again = s.gw.callCenter.linkState().reconnects;
    s.fs.dropConnections();
    s.fs.hangupCaller(callerUuid);
    await waitFor(() => s.gw.callCenter.linkState().reconnects > again, 'reconnected again');
    await waitFor(() => s.gw.calls.size === 0, 'the call ended while down is gone');
  } finally {
    await s.stop();
  }
});
