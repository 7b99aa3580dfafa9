/**
 * The call model fed with byte-exact transcripts of the real switch (10–18):
 * what it shows after each event is what those events said.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallModel } from '../../src/calls/model.js';
import type { CallView } from '../../src/calls/types.js';
import { EventHeaders } from '../../src/esl/event-headers.js';
import type { EslEvent } from '../../src/esl/event.js';
import { callTranscript, passesCallFilters } from '../helpers/call-replay.js';

interface Replay {
  model: CallModel;
  /** Every view of every call, in the order the model produced them. */
  views: CallView[];
  removed: CallView[];
  dropped: EslEvent[];
}

function replay(name: string, filtered = false): Replay {
  const model = new CallModel();
  const views: CallView[] = [];
  const removed: CallView[] = [];
  const dropped: EslEvent[] = [];
  model.on('call', (c) => views.push(c));
  model.on('removed', (c) => removed.push(c));
  for (const e of callTranscript(name)) {
    if (filtered && !passesCallFilters(e)) continue;
    if (model.ingest(e) === 'dropped') dropped.push(e);
  }
  return { model, views, removed, dropped };
}

/** The successive distinct values of `pick` over the views of one call. */
function transitions<T>(views: CallView[], session: string, pick: (c: CallView) => T): T[] {
  const out: T[] = [];
  for (const v of views) {
    if (v.memberSessionUuid !== session) continue;
    const x = pick(v);
    if (out.length === 0 || out[out.length - 1] !== x) out.push(x);
  }
  return out;
}

const SIP_MEMBER = 'b0bead4a-b45b-4535-b71b-9d86f85159de';
const SIP_AGENT = '4c5b62a6-550f-4a95-b184-13555fc26775';

test('10 (SIP): hold/unhold of the member, then of the agent leg, follow CHANNEL_HOLD/UNHOLD; the call goes when both legs hung up', () => {
  const r = replay('10-hold-unhold');
  // uuid_hold, (2nd hold -ERR), off, (2nd off -ERR), toggle, toggle, [agent hold, off], hold, off.
  assert.deepEqual(transitions(r.views, SIP_MEMBER, (c) => c.member?.held), [false, true, false, true, false, true, false]);
  assert.deepEqual(transitions(r.views, SIP_MEMBER, (c) => c.agentLeg?.held ?? null), [null, false, true, false]);
  const heldView = r.views.find((c) => c.memberSessionUuid === SIP_MEMBER && c.member?.held);
  assert.equal(heldView?.agentLegUuid, SIP_AGENT);
  assert.equal(heldView?.member?.bridgedTo, SIP_AGENT);
  assert.equal(heldView?.agentLeg?.bridgedTo, SIP_MEMBER);
  assert.equal(heldView?.held, true);
  assert.equal(heldView?.member?.callState, 'HELD');
  const ended = r.removed.find((c) => c.memberSessionUuid === SIP_MEMBER);
  assert.ok(ended);
  assert.equal(ended.member?.hangupCause, 'NORMAL_CLEARING');
  assert.equal(ended.agentLeg?.hangupCause, 'NORMAL_CLEARING');
  assert.equal(r.model.size, 0, 'the second caller left too');
});

test('10b (loopback): CHANNEL_HOLD only, never unheld; the caller killed while both legs hold leaves the call listed until the agent leg goes', () => {
  const member = 'd1b5c249-bb39-43b8-aa83-165f8badfadf';
  const agentLeg = 'f73228b1-2773-4424-8ccb-c2f1f33722f1';
  const r = replay('10b-hold-loopback');
  assert.deepEqual(transitions(r.views, member, (c) => c.member?.held), [false, true]);
  assert.deepEqual(transitions(r.views, member, (c) => c.agentLeg?.held ?? null), [null, false, true]);
  // After the uuid_kill of the caller: the member leg is hanging up (no HANGUP_COMPLETE), the call still listed.
  const stuck = r.views.filter((c) => c.memberSessionUuid === member && c.member?.state === 'hangup' && !c.member.gone);
  assert.ok(stuck.length > 0);
  assert.equal(stuck[0]!.agentLeg?.state, 'answered');
  assert.equal(stuck[0]!.agentLegUuid, agentLeg);
  // callcenter_break, then uuid_kill of the agent leg: only then is the call gone.
  const gone = r.removed.find((c) => c.memberSessionUuid === member);
  assert.ok(gone);
  assert.equal(gone.phase, 'ended');
  assert.equal(r.model.size, 0);
});

test('11: a caller transferred out of the bridge is unbridged and parked; its call stays listed, ended, until it hangs up', () => {
  const member = 'b4674f47-0408-4d06-9a42-45a155bb5269';
  const agentLeg = '71dcd5af-3bd2-435c-8fa3-28a1901595e3';
  const r = replay('11-transfer-caller');
  const parked = r.views.find((c) => c.memberSessionUuid === member && c.member?.parked);
  assert.ok(parked, 'the member leg parked in 9100');
  assert.equal(parked.member?.bridgedTo, null);
  assert.equal(parked.agentLeg?.gone, true);
  assert.equal(parked.agentLeg?.hangupCause, 'NORMAL_CLEARING');
  assert.equal(parked.agentLegUuid, agentLeg);
  const afterEnd = r.views.filter((c) => c.memberSessionUuid === member && c.phase === 'ended');
  assert.ok(afterEnd.length > 0);
  assert.ok(afterEnd[0]!.member?.parked && !afterEnd[0]!.member.gone, 'member-queue-end Terminated, caller still up and parked');
  assert.ok(r.removed.some((c) => c.memberSessionUuid === member), 'gone when the parked caller hung up');
  // B: park_after_bridge on the agent leg: the agent leg parks, mod_callcenter says nothing (still bridged for it).
  const agentB = 'af21fac1-e94c-40d1-983b-1ffe7517f105';
  const stuck = r.views.find((c) => c.agentLegUuid === agentB && c.agentLeg?.parked);
  assert.ok(stuck, 'the agent leg parked');
  assert.equal(stuck.phase, 'bridged');
});

test('12: a transfer into another queue keeps the session, takes the new queue and member uuid; the late end of the first queue does not end it', () => {
  const r = replay('12-transfer-to-queue');
  const sales = r.views.filter((c) => c.queue === 'sales@default');
  assert.ok(sales.length > 0);
  const session = sales[0]!.memberSessionUuid;
  const support = r.views.filter((c) => c.memberSessionUuid === session && c.queue === 'support@default');
  assert.ok(support.length > 0, 'the same session was in support first');
  assert.notEqual(support[0]!.memberUuid, sales[0]!.memberUuid);
  const i = r.views.indexOf(sales[0]!);
  // After the move: never back to support, never ended before 1002 was bridged.
  const after = r.views.slice(i).filter((c) => c.memberSessionUuid === session);
  assert.ok(after.every((c) => c.queue === 'sales@default'));
  const bridged = after.find((c) => c.phase === 'bridged');
  assert.equal(bridged?.agent, '1002@default');
  assert.ok(after.indexOf(bridged) < after.findIndex((c) => c.phase === 'ended'));
});

test('13: the agent leg transferred away parks; the caller hangs up; the call stays bridged (agent stuck) until callcenter_break', () => {
  const agentLeg = 'c456aa32-a129-48f2-8e00-b4095a3d8d94';
  const r = replay('13-transfer-agent-leg');
  const stuck = r.views.find((c) => c.agentLegUuid === agentLeg && c.agentLeg?.parked && c.member?.gone);
  assert.ok(stuck, 'caller gone, agent leg parked');
  assert.equal(stuck.phase, 'bridged');
  assert.equal(stuck.member?.hangupCause, 'NORMAL_CLEARING');
  const ended = r.views.find((c) => c.agentLegUuid === agentLeg && c.phase === 'ended');
  assert.ok(ended, 'bridge-agent-end after callcenter_break');
  assert.equal(ended.agentLeg?.gone, false, 'the parked agent leg stays up');
  assert.ok(r.removed.some((c) => c.agentLegUuid === agentLeg), 'gone once the agent leg is killed');
});

test('18: uuid_kill <agent-leg> USER_BUSY shows on the agent leg; the member leg ends NORMAL_CLEARING', () => {
  const r = replay('18-dtmf-and-kill-agent');
  const busy = r.removed.find((c) => c.agentLeg?.hangupCause === 'USER_BUSY');
  assert.ok(busy);
  assert.equal(busy.member?.hangupCause, 'NORMAL_CLEARING');
  const killed = r.removed.find((c) => c.agentLegUuid === 'a54b8be1-9991-4d90-a5ff-ef844a119c74');
  assert.equal(killed?.agentLeg?.hangupCause, 'NORMAL_CLEARING');
});

const ALL = ['10-hold-unhold', '10b-hold-loopback', '11-transfer-caller', '12-transfer-to-queue', '13-transfer-agent-leg', '18-dtmf-and-kill-agent'];

test('the switch-side filters lose nothing the model shows: filtered and unfiltered replays give the same calls', () => {
  for (const name of ALL) {
    const all = replay(name);
    const filtered = replay(name, true);
    // CALLSTATE (no variables) only refines callState between events that carry it too: compare the rest.
    const strip = (c: CallView) => ({ ...c, member: c.member && { ...c.member, callState: null }, agentLeg: c.agentLeg && { ...c.agentLeg, callState: null }, offerLegs: c.offerLegs.map((l) => ({ ...l, callState: null })) });
    const dedupe = (views: CallView[]) => views.map((v) => JSON.stringify(strip(v))).filter((v, i, a) => i === 0 || a[i - 1] !== v);
    assert.deepEqual(dedupe(filtered.views), dedupe(all.views), name);
    assert.deepEqual(filtered.removed.map(strip), all.removed.map(strip), name);
    assert.equal(filtered.dropped.length, 0, `${name}: everything the filters pass is ours`);
  }
});

test('channel events of other calls are dropped with their headers undecoded', () => {
  for (const name of ALL) {
    const r = replay(name);
    assert.ok(r.dropped.length > 0, name);
    assert.equal(r.model.counts.dropped, r.dropped.length);
    for (const e of r.dropped) {
      assert.ok(e.headers instanceof EventHeaders);
      assert.equal(e.headers.decoded, false, `${name}: ${e.name} was decoded`);
    }
  }
});
