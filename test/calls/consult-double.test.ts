/**
 * Consult (attended) transfer and three-way conference on the double, end to end: desk WebSocket →
 * CallControls/Consults → ESL → the double's consult simulation (src/fsdouble/consult.ts), which
 * fires what the real switch fired for the same commands (test/switch/consult-real.ts, recorded with
 * CONSULT_TRACE; the channel-event order is checked against test/fixtures/esl-calls/20-consult-real.order.txt and
 * 21-conference-real.order.txt).
 * Agent 1001 on a SIP contact (`user/1001`), the consulted party `user/1002`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';
import type { FsEvent } from '../../src/fsdouble/fs-event.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, commandsSince, login, mark } from '../realtime/desk-helpers.js';

const A = '1001@default';

async function stack(): Promise<Stack> {
  return startStack({ double: { queues: [FIXTURE_QUEUE], dialplan: { '7000': { queue: 'support@default' } } } });
}

async function bridged(s: Stack, number: string) {
  await addAgent(s, A, { contact: 'user/1001' });
  const a = await login(s, A, { ready: true });
  const ids = s.fs.injectCaller({ number, name: 'Consult', destination: '7000', variables: { account_number: '4242', cc_export_vars: 'account_number' } });
  const offered = await a.desk.next('call.offered');
  const b = await a.desk.next('call.bridged');
  return { desk: a.desk, ids, leg: b.agentLegUuid, offered };
}

type Desk = Awaited<ReturnType<typeof bridged>>['desk'];

/** Opens a consult to 1002: acked once the agent talks to the party; returns the party's uuid. */
async function consult(s: Stack, desk: Desk, session: string): Promise<string> {
  const r = await desk.request({ type: 'call.consult', kind: 'extension', to: '1002' });
  assert.equal(r.type, 'ack', JSON.stringify(r));
  assert.equal((await desk.next('call.consult')).state, 'talking');
  const v = s.gw.calls.get(session)!;
  const party = v.agentLeg!.bridgedTo!;
  assert.ok(party && party !== v.member?.uuid, 'the agent leg is bridged to the consulted party');
  assert.equal(v.member?.gone, false, 'the caller is still up');
  return party;
}

/** Channel names the double knows now. */
function live(s: Stack): string[] {
  return ((JSON.parse(s.fs.api('show channels as json')) as { rows?: Array<{ uuid: string }> }).rows ?? []).map((r) => r.uuid);
}

test('consult then cancel: the party is hung up by the switch, the agent talks to the caller again and stays In a queue call', async () => {
  const s = await stack();
  try {
    const { desk, ids, leg } = await bridged(s, '15551230300');
    const from = mark(s);
    const party = await consult(s, desk, ids.memberSessionUuid);
    assert.equal(s.fs.agent(A)?.state, 'In a queue call');
    const commands = commandsSince(s, from);
    assert.ok(commands.some((c) => c.startsWith(`bgapi originate {origination_uuid=${party},`) && c.includes('}user/1002 &park')), commands.join('\n'));
    assert.ok(commands.includes(`api uuid_bridge ${leg} ${party}`));
    const c = await desk.request({ type: 'call.consult.cancel' });
    assert.equal(c.type, 'ack', JSON.stringify(c));
    assert.equal((await desk.next('call.consult')).state, 'cancelled');
    const v = s.gw.calls.get(ids.memberSessionUuid)!;
    assert.equal(v.agentLeg?.bridgedTo, ids.memberSessionUuid, 'agent and caller bridged again');
    assert.ok(!live(s).includes(party), 'the consulted party was hung up');
    assert.equal(s.fs.agent(A)?.state, 'In a queue call');
    // The call goes on normally: the agent hangs up, the caller follows.
    assert.equal((await desk.request({ type: 'call.hangup' })).type, 'ack');
    await desk.next('call.ended');
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'A Waiting');
    await waitFor(() => !live(s).includes(ids.memberSessionUuid), 'the caller gone with the agent');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('consult then complete: the switch hangs the agent leg up, the queue call ends, caller and party stay bridged', async () => {
  const s = await stack();
  try {
    const { desk, ids, leg } = await bridged(s, '15551230301');
    const party = await consult(s, desk, ids.memberSessionUuid);
    const r = await desk.request({ type: 'call.consult.complete' });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    await waitFor(() => desk.received.some((m) => m.type === 'call.consult' && m.state === 'completed'), 'call.consult completed');
    await waitFor(() => desk.received.some((m) => m.type === 'call.ended'), 'call.ended');
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'A Waiting');
    assert.ok(!live(s).includes(leg), 'the agent leg hung up');
    const calls = JSON.parse(s.fs.api('show calls as json')) as { rows?: Array<{ uuid: string; b_uuid: string }> };
    assert.ok(calls.rows?.some((row) => row.uuid === ids.memberSessionUuid && row.b_uuid === party), `caller bridged to the party: ${JSON.stringify(calls.rows)}`);
    // The caller hangs up: the party follows.
    s.fs.hangupCaller(ids.callerUuid);
    await waitFor(() => !live(s).includes(party), 'the party hung up with the caller');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('consult then conference: all three in the conference; the agent leaves, the queue call ends, the other two stay', async () => {
  const s = await stack();
  try {
    const { desk, ids, leg } = await bridged(s, '15551230302');
    const party = await consult(s, desk, ids.memberSessionUuid);
    const r = await desk.request({ type: 'call.conference' });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    assert.equal((await desk.next('call.consult')).state, 'conference');
    const name = `cc-${ids.memberSessionUuid}`;
    const listed = s.fs.api(`conference ${name} list`).trim().split('\n');
    assert.deepEqual(listed.map((l) => l.split(';')[2]).sort(), [ids.memberSessionUuid, leg, party].sort(), listed.join('\n'));
    assert.match(listed[0]!, /^3;[^;]+;[0-9a-f-]{36};[^;]*;[^;]*;hear\|speak;0;0;100$/, 'mod_conference list format, newest first');
    assert.equal(s.fs.agent(A)?.state, 'In a queue call');
    assert.equal((await desk.request({ type: 'call.hangup' })).type, 'ack');
    await desk.next('call.ended');
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'A Waiting');
    const after = s.fs.api(`conference ${name} list`).trim().split('\n');
    assert.deepEqual(after.map((l) => l.split(';')[2]).sort(), [ids.memberSessionUuid, party].sort(), 'caller and party still in the conference');
    assert.ok(live(s).includes(ids.memberSessionUuid) && live(s).includes(party));
    s.fs.hangupCaller(ids.callerUuid);
    s.fs.api(`uuid_kill ${party}`);
    assert.match(s.fs.api(`conference ${name} list`), /^-ERR Conference cc-[0-9a-f-]+ not found/);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('the consulted party hangs up mid-consult: the switch ends the agent leg, the caller goes back into its queue with its pop data', async () => {
  const s = await stack();
  try {
    const { desk, ids, offered } = await bridged(s, '15551230303');
    const party = await consult(s, desk, ids.memberSessionUuid);
    assert.equal(s.fs.api(`uuid_kill ${party}`), '+OK\n');
    assert.equal((await desk.next('call.consult', (m) => m.state === 'cancelled')).memberUuid, ids.memberUuid);
    await desk.next('call.ended', (m) => m.memberUuid === ids.memberUuid);
    const again = await desk.next('call.offered', (m) => m.memberUuid !== ids.memberUuid);
    assert.equal(again.callerNumber, offered.callerNumber);
    assert.equal(again.data?.account_number, '4242');
    await desk.next('call.bridged', (m) => m.memberUuid === again.memberUuid);
    assert.equal(s.gw.calls.get(ids.memberSessionUuid)?.memberUuid, again.memberUuid, 'same caller session, new queue episode');
    desk.close();
  } finally {
    await s.stop();
  }
});

/** `<event> <role>[ <partner role>]` of the channel events of one consult call (roles: member, agent, party). */
function order(events: readonly FsEvent[], roles: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const e of events) {
    const h = new Map(e.headers);
    const name = h.get('Event-Name') ?? '';
    const role = roles.get(h.get('Unique-ID') ?? '');
    if (!role || !/^CHANNEL_(BRIDGE|UNBRIDGE|PARK|UNPARK|HANGUP_COMPLETE)$/.test(name)) continue;
    const b = roles.get(h.get('Bridge-B-Unique-ID') ?? '');
    out.push(b ? `${name} ${role} ${b}` : `${name} ${role}`);
  }
  return out;
}

test('wire order: consult, cancel, consult, complete fire the channel events in the real switch\'s order', async () => {
  const s = await stack();
  try {
    const { desk, ids, leg } = await bridged(s, '15551230304');
    const seen: FsEvent[] = [];
    const off = s.fs.onEvent((e) => seen.push(e));
    const roles = new Map([
      [ids.memberSessionUuid, 'member'],
      [leg, 'agent'],
    ]);
    roles.set(await consult(s, desk, ids.memberSessionUuid), 'party');
    assert.equal((await desk.request({ type: 'call.consult.cancel' })).type, 'ack');
    await desk.next('call.consult');
    roles.set(await consult(s, desk, ids.memberSessionUuid), 'party');
    assert.equal((await desk.request({ type: 'call.consult.complete' })).type, 'ack');
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'A Waiting');
    off();
    assert.deepEqual(order(seen, roles), recorded('20-consult-real.order.txt'));
    desk.close();
  } finally {
    await s.stop();
  }
});

test('wire order: consult, conference, the agent leaves fire the channel events in the real switch\'s order', async () => {
  const s = await stack();
  try {
    const { desk, ids, leg } = await bridged(s, '15551230305');
    const seen: FsEvent[] = [];
    const off = s.fs.onEvent((e) => seen.push(e));
    const roles = new Map([
      [ids.memberSessionUuid, 'member'],
      [leg, 'agent'],
    ]);
    roles.set(await consult(s, desk, ids.memberSessionUuid), 'party');
    assert.equal((await desk.request({ type: 'call.conference' })).type, 'ack');
    assert.equal((await desk.request({ type: 'call.hangup' })).type, 'ack');
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'A Waiting');
    off();
    assert.deepEqual(order(seen, roles), recorded('21-conference-real.order.txt'));
    desk.close();
  } finally {
    await s.stop();
  }
});

function recorded(file: string): string[] {
  return readFileSync(new URL(`../fixtures/esl-calls/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
}
