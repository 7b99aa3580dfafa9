/**
 * After-call work on the real FreeSWITCH, part 2 — next status: asked for during the call,
 * applied at bridge-agent-end with the wrap-up guard; a caller waiting in the queue is not
 * offered; the control without a next status shows the window there would be (wrap-up 0: the
 * waiting caller is offered at once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/stack.js';
import { A, describeOnRealSwitch, sleep, switchWrapUp, waitingMembers } from './aftercall-rig.js';

describeOnRealSwitch('after-call work on the real switch: next status', (rig) => {
  test('next status On Break: applied at the end of the call, the waiting caller is not offered; without it (wrap-up 0) the caller is offered at once', async () => {
    const { g, d } = await rig.setUp(0);
    try {
      const first = await rig.real().call({ name: 'First', digits: '1111#' });
      const bridged = await d.next('call.bridged', () => true, 30000);
      await waitFor(() => g.gw.view.agents.get(A)?.state === 'In a queue call', 'in a queue call', 10000);
      const asked = await d.request({ type: 'next-status', status: 'On Break', reason: 'lunch' });
      assert.equal(asked.type, 'ack', JSON.stringify(asked));
      assert.equal(await switchWrapUp(rig.real()), 3);
      const second = await rig.real().call({ name: 'Second', digits: '2222#' });
      await waitFor(async () => (await waitingMembers(rig.real())).length === 1, 'second caller waiting', 30000);
      await sleep(1000);
      await first.hangup();
      const onBreak = await d.next('agent.status', (m) => m.status === 'On Break', 15000);
      assert.equal(onBreak.reason, 'lunch');
      await d.next('agent.next-status', (m) => m.status === null, 10000);
      await waitFor(async () => (await switchWrapUp(rig.real())) === 0, 'wrap_up_time 0 again', 10000);
      // Well past the guard: never offered to the agent, still waiting in the queue.
      await sleep(5000);
      assert.equal(d.received.some((m) => m.type === 'call.offered' && m.memberUuid !== bridged.memberUuid), false);
      assert.equal((await waitingMembers(rig.real())).length, 1);

      // Control: Ready, the second caller comes; a third waits; with no next status and wrap-up 0
      // the end of the call offers the third caller at once: that is the window the guard closes.
      assert.equal((await d.request({ type: 'ready' })).type, 'ack');
      const offered = await d.next('call.offered', (m) => m.memberUuid !== bridged.memberUuid, 15000);
      await d.next('call.bridged', (m) => m.memberUuid === offered.memberUuid, 30000);
      await sleep(1000);
      const third = await rig.real().call({ name: 'Third', digits: '3333#' });
      await waitFor(async () => (await waitingMembers(rig.real())).length === 1, 'third caller waiting', 30000);
      await second.hangup();
      const next = await d.next('call.offered', (m) => m.memberUuid !== offered.memberUuid && m.memberUuid !== bridged.memberUuid, 10000);
      assert.ok(next.memberUuid);
      await third.hangup();
    } finally {
      await rig.tearDown(g, d);
    }
  });
});
