/**
 * The call tracker on the real switch's transcripts (plain and json): each
 * queue call becomes the record the README describes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCallcenterEvent, isCallcenterEvent } from '../../src/callcenter/events.js';
import { finishCall, mergeLive, type CallRecord, type LiveCall } from '../../src/records/model.js';
import { CallTracker } from '../../src/records/tracker.js';
import { eventsOf, fixture } from '../helpers/fixtures.js';

function recordsOf(name: string): { records: CallRecord[]; live: LiveCall[]; tracker: CallTracker } {
  const tracker = new CallTracker();
  const records: CallRecord[] = [];
  const live: LiveCall[] = [];
  tracker.on('live', (c) => live.push(c));
  tracker.on('ended', (c, end) => records.push(finishCall(c, end)));
  for (const e of eventsOf(fixture(name))) if (isCallcenterEvent(e)) tracker.apply(decodeCallcenterEvent(e));
  return { records, live, tracker };
}

for (const format of ['plain', 'json'] as const) {
  test(`${format}: an answered call (02) — offer, answer, talk, exported variables, Terminated`, () => {
    const { records, live, tracker } = recordsOf(`02-call-answered.${format}.txt`);
    assert.equal(records.length, 1);
    assert.equal(tracker.size, 0);
    const r = records[0]!;
    assert.equal(r.outcome, 'answered');
    assert.equal(r.cause, 'Terminated');
    assert.equal(r.queue, 'support@default');
    assert.equal(r.agent, '1001@default');
    assert.equal(r.callerNumber, '15551234567');
    assert.equal(r.callerName, 'Alice');
    assert.equal(r.destination, '7000');
    assert.deepEqual(r.variables, { fixture_tag: 'esl-capture', caller_lang: 'en' });
    assert.deepEqual(r.offers.map((o) => [o.agent, o.outcome]), [['1001@default', 'answered']]);
    assert.ok(r.answeredAt! >= r.offeredAt! && r.offeredAt! >= r.joinedAt && r.endedAt >= r.answeredAt!);
    assert.equal(r.talkS, Math.round((r.endedAt - r.answeredAt!) / 1000));
    assert.ok(r.agentUuid && r.agentUuid.length > 10);
    // Live states in order: waiting, offering, answered.
    assert.deepEqual([...new Set(live.map((c) => c.state))], ['waiting', 'offering', 'answered']);
  });

  test(`${format}: a caller who hangs up while waiting (03) — abandoned, BREAK_OUT, no agent`, () => {
    const { records } = recordsOf(`03-caller-abandons.${format}.txt`);
    assert.ok(records.length >= 1);
    for (const r of records.filter((x) => x.cause === 'Cancel')) {
      assert.equal(r.outcome, 'abandoned');
      assert.equal(r.cancelReason, 'BREAK_OUT');
      assert.equal(r.answeredAt, null);
      assert.equal(r.talkS, null);
      assert.equal(r.agent, null);
      assert.equal(r.waitS, Math.round((r.endedAt - r.joinedAt) / 1000));
    }
  });

  test(`${format}: an agent who does not answer (04) — the offer is missed with ALLOTTED_TIMEOUT`, () => {
    const { records } = recordsOf(`04-agent-no-answer.${format}.txt`);
    assert.equal(records.length, 1);
    const r = records[0]!;
    assert.deepEqual(r.offers.map((o) => [o.agent, o.outcome, o.hangupCause]), [['1002@default', 'missed', 'ALLOTTED_TIMEOUT']]);
    assert.notEqual(r.outcome, 'answered');
    assert.equal(r.agent, null);
  });
}

test('a gateway that starts mid-call: the call comes from the member list, the record from member-queue-end', () => {
  const tracker = new CallTracker();
  const ended: CallRecord[] = [];
  tracker.on('ended', (c, end) => ended.push(finishCall(c, end)));
  const members = new Map([
    ['m-1', { queue: 'support@default', uuid: 'm-1', sessionUuid: 's-1', cidNumber: '15551234567', cidName: 'Alice', state: 'Answered', servingAgent: '1001@default', joinedEpoch: 1_800_000_000, bridgeEpoch: 1_800_000_010, abandonedEpoch: 0 }],
  ]);
  tracker.reconcile(members);
  assert.deepEqual(tracker.list().map((c) => [c.memberUuid, c.state, c.agent, c.answeredAt]), [['m-1', 'answered', '1001@default', 1_800_000_010_000]]);
  tracker.apply({
    action: 'member-queue-end',
    timestampUs: 1_800_000_070_250_000,
    queue: 'support@default',
    member: { uuid: 'm-1', sessionUuid: 's-1', cidNumber: '15551234567', cidName: 'Alice' },
    cause: 'Terminated',
    cancelReason: null,
    hangupCause: 'SUCCESS',
    agent: '1001@default',
    joinedTime: 1_800_000_000,
    leavingTime: 1_800_000_070,
    answeredTime: 1_800_000_010,
    exported: { account: '42' },
  });
  const r = ended[0]!;
  assert.equal(r.outcome, 'answered');
  assert.equal(r.waitS, 10);
  assert.equal(r.talkS, 60);
  assert.deepEqual(r.variables, { account: '42' });
  assert.deepEqual(r.offers.map((o) => [o.agent, o.outcome, o.inferred]), [['1001@default', 'answered', true]]);

  // A call the switch no longer lists (ended while the link was down) leaves the live list, but only
  // when two resyncs in a row miss it: one list may overtake the member-queue-end still on its way.
  const gone: string[] = [];
  tracker.on('vanished', (c) => gone.push(c.memberUuid));
  tracker.reconcile(members);
  assert.equal(tracker.size, 1);
  tracker.reconcile(new Map());
  assert.deepEqual(gone, [], 'one list that misses the call does not end it');
  assert.equal(tracker.size, 1);
  tracker.reconcile(members);
  tracker.reconcile(new Map());
  assert.deepEqual(gone, [], 'a call listed again starts over');
  tracker.reconcile(new Map());
  assert.deepEqual(gone, ['m-1']);
  assert.equal(tracker.size, 0);
});

test('merging with a stored live row: the offers seen happen replace inferred ones, exact times win over whole seconds', () => {
  const base: LiveCall = {
    memberUuid: 'm-1', sessionUuid: '', queue: 'q@d', callerNumber: '1', callerName: '', destination: '', variables: {},
    state: 'answered', agent: 'a@d', agentUuid: null, joinedAt: 1_000_000, offeredAt: null, answeredAt: 1_010_000,
    offers: [{ agent: 'a@d', offeredAt: 1_010_000, endedAt: null, outcome: 'answered', hangupCause: null, inferred: true }],
  };
  const stored: LiveCall = { ...base, destination: '7000', variables: { x: '1' }, agentUuid: 'leg', offeredAt: 1_008_250, answeredAt: 1_010_400,
    offers: [{ agent: 'b@d', offeredAt: 1_002_000, endedAt: 1_004_000, outcome: 'missed', hangupCause: 'NO_ANSWER' }, { agent: 'a@d', offeredAt: 1_008_250, endedAt: null, outcome: 'answered', hangupCause: null }] };
  const m = mergeLive(base, stored);
  assert.equal(m.destination, '7000');
  assert.equal(m.agentUuid, 'leg');
  assert.equal(m.answeredAt, 1_010_400);
  assert.equal(m.offeredAt, 1_008_250);
  assert.deepEqual(m.variables, { x: '1' });
  assert.deepEqual(m.offers.map((o) => [o.agent, o.outcome, o.offeredAt]), [['b@d', 'missed', 1_002_000], ['a@d', 'answered', 1_008_250]]);
});

test('an answered call whose member-queue-end never comes (caller gone at the bridge) is recorded from its bridge-agent-end after two resyncs miss it', () => {
  const tracker = new CallTracker();
  const ended: CallRecord[] = [];
  const gone: string[] = [];
  tracker.on('ended', (c, end) => ended.push(finishCall(c, end)));
  tracker.on('vanished', (c) => gone.push(c.memberUuid));
  const member = { uuid: 'm-race', sessionUuid: 's-race', cidNumber: '15550001111', cidName: 'Carol' };
  const base = { queue: 'support@default', member, exported: {} };
  tracker.apply({ ...base, action: 'member-queue-start', destination: '7000', joinedEpoch: 1_800_000_000 } as never);
  tracker.apply({ ...base, action: 'agent-offering', agent: '1002@default', timestampUs: 1_800_000_002_000_000 } as never);
  tracker.apply({ ...base, action: 'bridge-agent-start', agent: '1002@default', agentUuid: 'a-leg', timestampUs: 1_800_000_004_000_000, memberJoinedTime: 1_800_000_000, answeredTime: 1_800_000_004, calledTime: 1_800_000_002 } as never);
  tracker.apply({ ...base, action: 'bridge-agent-end', agent: '1002@default', timestampUs: 1_800_000_004_500_000, terminatedTime: 1_800_000_004, hangupCause: 'NORMAL_CLEARING' } as never);
  assert.equal(ended.length, 0, 'member-queue-end may still come: nothing is written yet');
  tracker.reconcile(new Map());
  assert.equal(ended.length, 0, 'one list that misses the call does not end it');
  tracker.reconcile(new Map());
  assert.deepEqual(gone, []);
  assert.equal(ended.length, 1);
  const r = ended[0]!;
  assert.equal(r.outcome, 'answered');
  assert.equal(r.cause, 'Terminated');
  assert.equal(r.agent, '1002@default');
  assert.equal(r.endedAt, 1_800_000_004_500);
  assert.equal(r.hangupCause, 'NORMAL_CLEARING');
  assert.equal(tracker.size, 0);
});

test('a call that vanished before any answer is still only reported as vanished (its end is unknown)', () => {
  const tracker = new CallTracker();
  const ended: unknown[] = [];
  const gone: string[] = [];
  tracker.on('ended', (c) => ended.push(c));
  tracker.on('vanished', (c) => gone.push(c.memberUuid));
  const member = { uuid: 'm-wait', sessionUuid: 's-wait', cidNumber: '15550002222', cidName: 'Dan' };
  tracker.apply({ queue: 'support@default', member, exported: {}, action: 'member-queue-start', destination: '7000', joinedEpoch: 1_800_000_000 } as never);
  tracker.reconcile(new Map());
  tracker.reconcile(new Map());
  assert.deepEqual(gone, ['m-wait']);
  assert.equal(ended.length, 0);
});
