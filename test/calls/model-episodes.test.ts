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
