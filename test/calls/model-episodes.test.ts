/**
 * Queue episodes of one caller (a transfer back into a queue): the real switch can send the new
 * episode's agent-offering and bridge-agent-start before its member-queue-start (the agent's thread
 * races the member's when the agent is free), while the old episode's end may come late.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallModel } from '../../src/calls/model.js';
import type { EslEvent } from '../../src/esl/event.js';

const SESSION = '11111111-1111-4111-8111-111111111111';
const cc = (action: string, memberUuid: string, extra: Record<string, string> = {}): EslEvent => ({
  name: 'CUSTOM',
  body: '',
  headers: new Map(Object.entries({ 'Event-Subclass': 'callcenter::info', 'CC-Action': action, 'CC-Queue': 'support@default', 'CC-Member-UUID': memberUuid, 'CC-Member-Session-UUID': SESSION, 'CC-Member-CID-Number': '1003', 'CC-Member-CID-Name': 'X', ...extra })),
});

test('an offer that outruns its member-queue-start starts the new episode; the old episode’s late end is ignored', () => {
  const m = new CallModel();
  const agentLeg1 = '22222222-2222-4222-8222-222222222222';
  const agentLeg2 = '33333333-3333-4333-8333-333333333333';
  m.ingest(cc('member-queue-start', 'ep1'));
  m.ingest(cc('agent-offering', 'ep1', { 'CC-Agent': '1001@default' }));
  m.ingest(cc('bridge-agent-start', 'ep1', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': agentLeg1 }));
  // Transfer back into the queue: the new episode's offer and bridge first, then its start, then the old end.
  m.ingest(cc('agent-offering', 'ep2', { 'CC-Agent': '1001@default' }));
  m.ingest(cc('bridge-agent-start', 'ep2', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': agentLeg2 }));
  m.ingest(cc('member-queue-start', 'ep2'));
  m.ingest(cc('bridge-agent-end', 'ep1', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': agentLeg1 }));
  m.ingest(cc('member-queue-end', 'ep1', { 'CC-Cause': 'Terminated' }));
  const v = m.get(SESSION);
  assert.equal(v?.memberUuid, 'ep2');
  assert.equal(v?.phase, 'bridged');
  assert.equal(v?.agentLegUuid, agentLeg2);
  assert.equal(m.ofAgent('1001@default')?.memberUuid, 'ep2');
});

test('the usual order (start, offer, bridge) and an old episode’s events after the new start change nothing', () => {
  const m = new CallModel();
  m.ingest(cc('member-queue-start', 'ep1'));
  m.ingest(cc('member-queue-start', 'ep2'));
  m.ingest(cc('agent-offering', 'ep1', { 'CC-Agent': '1001@default' }));
  m.ingest(cc('member-queue-end', 'ep1', { 'CC-Cause': 'Terminated' }));
  const v = m.get(SESSION);
  assert.deepEqual({ memberUuid: v?.memberUuid, phase: v?.phase, agent: v?.agent }, { memberUuid: 'ep2', phase: 'waiting', agent: null });
});

test('the switch bridges an agent under the old member uuid after a new start (repeated same-queue transfers, real switch): that episode is current again; an ended one stays ignored', () => {
  const m = new CallModel();
  const leg1 = '22222222-2222-4222-8222-222222222222';
  const leg2 = '33333333-3333-4333-8333-333333333333';
  const leg3 = '44444444-4444-4444-8444-444444444444';
  m.ingest(cc('member-queue-start', 'ep1'));
  m.ingest(cc('agent-offering', 'ep1', { 'CC-Agent': '1001@default' }));
  m.ingest(cc('bridge-agent-start', 'ep1', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': leg1 }));
  // The wire order of the bench run (bench/controls.ts): ep2 starts, ep1's agent call ends (no
  // member-queue-end for ep1), then ep1 is offered and bridged again to a new agent leg.
  m.ingest(cc('member-queue-start', 'ep2'));
  m.ingest(cc('bridge-agent-end', 'ep1', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': leg1 }));
  m.ingest(cc('agent-offering', 'ep1', { 'CC-Agent': '1001@default' }));
  assert.equal(m.get(SESSION)?.phase, 'waiting', 'an offer alone does not take the call back');
  m.ingest(cc('bridge-agent-start', 'ep1', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': leg2 }));
  let v = m.ofAgent('1001@default');
  assert.deepEqual({ memberUuid: v?.memberUuid, phase: v?.phase, agentLegUuid: v?.agentLegUuid }, { memberUuid: 'ep1', phase: 'bridged', agentLegUuid: leg2 });
  // ep2's late events are not about the bridged episode; a late end of the first bridge (leg1) neither.
  m.ingest(cc('bridge-agent-end', 'ep1', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': leg1 }));
  m.ingest(cc('member-queue-end', 'ep2', { 'CC-Cause': 'Cancel' }));
  v = m.get(SESSION);
  assert.deepEqual({ memberUuid: v?.memberUuid, phase: v?.phase }, { memberUuid: 'ep1', phase: 'bridged' });

  // An episode the switch ended is never taken back by a late bridge event.
  const n = new CallModel();
  n.ingest(cc('member-queue-start', 'ep1'));
  n.ingest(cc('member-queue-end', 'ep1', { 'CC-Cause': 'Cancel' }));
  n.ingest(cc('member-queue-start', 'ep2'));
  n.ingest(cc('bridge-agent-start', 'ep1', { 'CC-Agent': '1001@default', 'CC-Agent-UUID': leg3 }));
  assert.deepEqual({ memberUuid: n.get(SESSION)?.memberUuid, phase: n.get(SESSION)?.phase }, { memberUuid: 'ep2', phase: 'waiting' });
});
