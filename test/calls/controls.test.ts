/**
 * Call controls on the double, end to end: desk WebSocket → CallControls → ESL → the double, with
 * the acks waiting for the switch's confirming events (CHANNEL_HOLD/UNHOLD, MEDIA_BUG_START/STOP,
 * the agent leg's hangup, the caller back in a queue), the audit stream, and hostile input refused
 * with nothing sent to the switch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, commandsSince, login, mark } from '../realtime/desk-helpers.js';

const A = '1001@default';
const B = '1002@default';
const SALES = 'sales@default';

async function stack(): Promise<Stack> {
  return startStack({
    double: { queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }], dialplan: { '7000': { queue: 'support@default' }, '7100': { queue: SALES } } },
    env: { TRANSFER_NUMBER_ROUTES: '^\\+?1555[0-9]{7}$=>outbound' },
  });
}

/** Agent A logged in and Ready, bridged with a new caller; returns the desk and the call's ids. */
async function bridged(s: Stack, number = '15551230100') {
  const a = await login(s, A, { ready: true });
  const ids = s.fs.injectCaller({ number, name: 'Ctl', destination: '7000', variables: { account_number: '4242', cc_export_vars: 'account_number' } });
  await a.desk.next('call.offered');
  const b = await a.desk.next('call.bridged');
  const leg = b.agentLegUuid;
  return { desk: a.desk, ids, leg };
}

test('hold and unhold: ack after CHANNEL_HOLD/UNHOLD, the queue music set first; hold twice is NOT_ALLOWED and sends nothing', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const { desk, ids, leg } = await bridged(s);
    const from = mark(s);
    const held = await desk.request({ type: 'call.hold', memberUuid: ids.memberUuid });
    assert.equal(held.type, 'ack', JSON.stringify(held));
    // The page learnt it from the switch's event, before or with the ack.
    assert.equal((await desk.next('call.held')).held, true);
    assert.equal(s.gw.calls.get(ids.memberSessionUuid)?.agentLeg?.held, true);
    assert.deepEqual(commandsSince(s, from).filter((c) => c.startsWith('api')), [`api uuid_setvar ${leg} hold_music local_stream://moh`, `api uuid_hold ${leg}`]);

    const again = mark(s);
    const twice = await desk.request({ type: 'call.hold' });
    assert.equal(twice.type === 'error' && twice.code, 'NOT_ALLOWED');
    assert.deepEqual(commandsSince(s, again), []);

    assert.equal((await desk.request({ type: 'call.unhold' })).type, 'ack');
    assert.equal((await desk.next('call.held')).held, false);
    const un = await desk.request({ type: 'call.unhold' });
    assert.equal(un.type === 'error' && un.code, 'NOT_ALLOWED');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('hold on a loopback/null agent leg is refused: uuid_hold off could never undo it (10b)', async () => {
  const s = await stack();
  try {
    await addAgent(s, A); // null/agent-1001
    const { desk } = await bridged(s);
    const from = mark(s);
    const r = await desk.request({ type: 'call.hold' });
    assert.equal(r.type === 'error' && r.code, 'NOT_ALLOWED', JSON.stringify(r));
    assert.deepEqual(commandsSince(s, from), []);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('mute and unmute: ack after MEDIA_BUG_START/STOP, call.muted pushed, kept in a new tab’s snapshot', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const { desk, ids, leg } = await bridged(s);
    const from = mark(s);
    assert.equal((await desk.request({ type: 'call.mute' })).type, 'ack');
    const pushed = await desk.next('call.muted');
    assert.deepEqual({ memberUuid: pushed.memberUuid, muted: pushed.muted }, { memberUuid: ids.memberUuid, muted: true });
    assert.deepEqual(commandsSince(s, from), [`api uuid_audio ${leg} start read mute 1`]);
    const tab = await login(s, A, { ready: true });
    assert.equal(tab.snapshot.call?.muted, true);
    const again = await desk.request({ type: 'call.mute' });
    assert.equal(again.type === 'error' && again.code, 'NOT_ALLOWED');
    assert.equal((await desk.request({ type: 'call.unmute' })).type, 'ack');
    assert.equal((await desk.next('call.muted')).muted, false);
    assert.equal((await tab.desk.next('call.muted')).muted, false);
    desk.close();
    tab.desk.close();
  } finally {
    await s.stop();
  }
});

test('DTMF goes out of the member leg; hostile digits are refused before anything is sent', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const { desk, ids } = await bridged(s);
    const from = mark(s);
    assert.equal((await desk.request({ type: 'call.dtmf', digits: '12#*A' })).type, 'ack');
    assert.deepEqual(commandsSince(s, from), [`api uuid_send_dtmf ${ids.memberSessionUuid} 12#*A`]);
    const hostile = ['12a', '1|2', '1 2', '1@300', '${x}', '', '1'.repeat(33), '1\n2', 'w1'];
    const after = mark(s);
    for (const digits of hostile) {
      const r = await desk.request({ type: 'call.dtmf', digits });
      assert.equal(r.type === 'error' && r.code, 'BAD_MESSAGE', `${JSON.stringify(digits)}: ${JSON.stringify(r)}`);
    }
    const numeric = await desk.request({ type: 'call.dtmf', digits: 12 });
    assert.equal(numeric.type === 'error' && numeric.code, 'BAD_MESSAGE');
    assert.deepEqual(commandsSince(s, after), []);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('hang up: the agent leg is killed, the ack comes once it is gone, the agent is Waiting again; a replay gets NO_CALL/CALL_GONE', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const { desk, ids, leg } = await bridged(s);
    const from = mark(s);
    const r = await desk.request({ type: 'call.hangup', memberUuid: ids.memberUuid });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    assert.deepEqual(commandsSince(s, from).slice(0, 1), [`api uuid_kill ${leg}`]);
    const ended = await desk.next('call.ended');
    assert.equal(ended.memberUuid, ids.memberUuid);
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'agent Waiting');
    const replay = mark(s);
    const again = await desk.request({ type: 'call.hangup', memberUuid: ids.memberUuid });
    assert.equal(again.type === 'error' && again.code, 'CALL_GONE');
    const none = await desk.request({ type: 'call.hold' });
    assert.equal(none.type === 'error' && none.code, 'NO_CALL');
    assert.deepEqual(commandsSince(s, replay), []);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('another agent’s call: its memberUuid is CALL_GONE for me, and I cannot reach it otherwise', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    await addAgent(s, B, { contact: 'user/1002' });
    const { desk: deskA, ids } = await bridged(s);
    const b = await login(s, B, { ready: false });
    const from = mark(s);
    const r = await b.desk.request({ type: 'call.hangup', memberUuid: ids.memberUuid });
    assert.equal(r.type === 'error' && r.code, 'CALL_GONE');
    const r2 = await b.desk.request({ type: 'call.hangup' });
    assert.equal(r2.type === 'error' && r2.code, 'NO_CALL');
    // A channel uuid in the message is not part of the grammar at all.
    const r3 = await b.desk.request({ type: 'call.hangup', uuid: ids.memberSessionUuid });
    assert.equal(r3.type === 'error' && r3.code, 'BAD_MESSAGE');
    const r4 = await b.desk.request({ type: 'call.hangup', memberUuid: `${ids.memberUuid} ` });
    assert.equal(r4.type === 'error' && r4.code, 'BAD_MESSAGE');
    assert.deepEqual(commandsSince(s, from), []);
    assert.equal(s.gw.calls.get(ids.memberSessionUuid)?.phase, 'bridged');
    deskA.close();
    b.desk.close();
  } finally {
    await s.stop();
  }
});

test('blind transfer to an extension: agent leg hung up, caller parked, call.transferred then call.ended, agent Waiting; audited', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const { desk, ids, leg } = await bridged(s);
    const from = mark(s);
    const r = await desk.request({ type: 'call.transfer', kind: 'extension', to: '9100' });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    assert.deepEqual(commandsSince(s, from).slice(0, 1), [`api uuid_transfer ${ids.memberSessionUuid} 9100 XML default`]);
    // mod_callcenter's end (call.ended) may come before or after the gateway's call.transferred.
    await waitFor(() => desk.received.some((m) => m.type === 'call.ended'), 'call.ended');
    const t = desk.received.find((m) => m.type === 'call.transferred');
    assert.ok(t && t.type === 'call.transferred');
    assert.deepEqual({ kind: t.kind, to: t.to, memberUuid: t.memberUuid }, { kind: 'extension', to: '9100', memberUuid: ids.memberUuid });
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'agent Waiting');
    const call = s.gw.calls.get(ids.memberSessionUuid);
    assert.equal(call?.member?.gone, false, 'the caller is still up (parked)');
    assert.equal(s.fs.channels().some((c) => c.uuid === leg), false);
    const audit = await s.api('GET', `/api/audit?agent=${encodeURIComponent(A)}`);
    const entry = (audit.body as Array<{ command: string; ok: boolean; reply: string; source: string }>).find((e) => e.command.startsWith('transfer:'));
    assert.ok(entry, JSON.stringify(audit.body));
    assert.equal(entry.ok, true);
    assert.equal(entry.source, 'agent-desk');
    assert.match(entry.reply, /confirmed/);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('blind transfer into another queue: the caller re-enters with its data and the next agent gets the same pop', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    await addAgent(s, B, { contact: 'user/1002', queue: SALES });
    await s.api('PUT', '/api/callers/15551230177', { name: 'Record Holder', tier: 'gold' });
    const b = await login(s, B, { ready: true });
    const { desk, ids } = await bridged(s, '15551230177');
    const r = await desk.request({ type: 'call.transfer', kind: 'queue', to: SALES });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    const offered = await b.desk.next('call.offered');
    assert.equal(offered.queue, SALES);
    assert.notEqual(offered.memberUuid, ids.memberUuid);
    assert.equal(offered.callerNumber, '15551230177');
    assert.equal(offered.data?.account_number, '4242');
    assert.equal(offered.data?.tier, 'gold');
    await waitFor(() => desk.received.some((m) => m.type === 'call.ended'), 'call.ended for A');
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'A Waiting');
    // The transferred call is now B's own: B may act on it, A no longer.
    await b.desk.next('call.bridged');
    const fromA = await desk.request({ type: 'call.dtmf', digits: '1', memberUuid: offered.memberUuid });
    assert.equal(fromA.type === 'error' && fromA.code, 'CALL_GONE');
    assert.equal((await b.desk.request({ type: 'call.dtmf', digits: '1', memberUuid: offered.memberUuid })).type, 'ack');
    desk.close();
    b.desk.close();
  } finally {
    await s.stop();
  }
});

test('transfer targets: unknown queue BAD_TARGET, number only through an admin route, dial-string syntax refused', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const { desk, ids } = await bridged(s);
    const from = mark(s);
    const q = await desk.request({ type: 'call.transfer', kind: 'queue', to: 'nowhere@default' });
    assert.equal(q.type === 'error' && q.code, 'BAD_TARGET');
    const n = await desk.request({ type: 'call.transfer', kind: 'number', to: '+19005551234' });
    assert.equal(n.type === 'error' && n.code, 'NOT_ALLOWED');
    const hostile: Array<[string, string]> = [
      ['extension', '1002 XML evil'],
      ['extension', '10|02'],
      ['extension', 'user/1002'],
      ['number', '+1555 1234567'],
      ['number', '1555123456a'],
      ['number', '{origination_caller_id_number=1}sofia/gateway/x/1'],
      ['number', '${system(id)}'],
      ['queue', 'sales@default inline'],
      ['queue', 'sales@default,hangup'],
      ['queue', 'callcenter:sales@default'],
      ['conference', '3000'],
    ];
    for (const [kind, to] of hostile) {
      const r = await desk.request({ type: 'call.transfer', kind, to });
      assert.equal(r.type === 'error' && r.code, 'BAD_MESSAGE', `${kind} ${to}: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(commandsSince(s, from), []);
    assert.equal(s.gw.calls.get(ids.memberSessionUuid)?.phase, 'bridged');
    const ok = await desk.request({ type: 'call.transfer', kind: 'number', to: '+15551234567' });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    assert.ok(commandsSince(s, from).includes(`api uuid_transfer ${ids.memberSessionUuid} +15551234567 XML outbound`));
    desk.close();
  } finally {
    await s.stop();
  }
});

test('without a call NO_CALL; not logged in NOT_LOGGED_IN', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const a = await login(s, A, { ready: true });
    const none = await a.desk.request({ type: 'call.mute' });
    assert.equal(none.type === 'error' && none.code, 'NO_CALL');
    const { DeskClient } = await import('../helpers/stack.js');
    const anon = await DeskClient.open(s.url);
    const r = await anon.request({ type: 'call.hangup' });
    assert.equal(r.type === 'error' && r.code, 'NOT_LOGGED_IN');
    anon.close();
    a.desk.close();
  } finally {
    await s.stop();
  }
});

test('consult guards on the double: nothing open, a queue target, an unrouted number, a null agent leg; nothing is sent', async () => {
  const s = await stack();
  try {
    await addAgent(s, A); // null/agent-1001: no SIP leg to hold while consulting
    const { desk } = await bridged(s);
    const from = mark(s);
    for (const type of ['call.consult.complete', 'call.consult.cancel', 'call.conference']) {
      const r = await desk.request({ type });
      assert.equal(r.type === 'error' && r.code, 'NOT_ALLOWED', type);
    }
    const q = await desk.request({ type: 'call.consult', kind: 'queue', to: SALES });
    assert.equal(q.type === 'error' && q.code, 'BAD_MESSAGE');
    const n = await desk.request({ type: 'call.consult', kind: 'number', to: '+19005550000' });
    assert.equal(n.type === 'error' && n.code, 'NOT_ALLOWED');
    const sip = await desk.request({ type: 'call.consult', kind: 'extension', to: '1002' });
    assert.equal(sip.type === 'error' && sip.code, 'NOT_ALLOWED');
    assert.deepEqual(commandsSince(s, from), []);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('number routes: anchored whole-number matches; a bad route is a configuration error', async () => {
  const { controlsConfig, routeOf } = await import('../../src/calls/controls/config.js');
  const c = controlsConfig({ TRANSFER_NUMBER_ROUTES: '1555[0-9]{7}=>outbound; ^\\+44[0-9]{10}$=>intl' });
  assert.equal(routeOf(c.numberRoutes, '15551234567'), 'outbound');
  assert.equal(routeOf(c.numberRoutes, '915551234567'), null, 'a prefix does not sneak in');
  assert.equal(routeOf(c.numberRoutes, '155512345678'), null, 'nor a suffix');
  assert.equal(routeOf(c.numberRoutes, '+442071234567'), 'intl');
  assert.equal(routeOf(controlsConfig({}).numberRoutes, '15551234567'), null, 'no routes: no outside numbers');
  assert.throws(() => controlsConfig({ TRANSFER_NUMBER_ROUTES: '([0-9]=>outbound' }), /bad regex/);
  assert.throws(() => controlsConfig({ TRANSFER_NUMBER_ROUTES: '1555[0-9]{7}=>out bound' }), /regex=>context/);
  assert.throws(() => controlsConfig({ TRANSFER_CONTEXT: 'a b' }), /TRANSFER_CONTEXT/);
});
