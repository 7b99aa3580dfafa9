/**
 * After-call work on the real FreeSWITCH (baresip phones, a private switch), part 1 — acw.end:
 * `wrap_up_time 0` makes an agent in wrap-up routable at once (a waiting caller is offered), and
 * the gateway puts the agent's own wrap-up time back with the next call, which then keeps a new
 * caller away again for that call's wrap-up. Part 2: aftercall-next-status.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/stack.js';
import { describeOnRealSwitch, sleep, switchWrapUp, waitingMembers } from './aftercall-rig.js';

describeOnRealSwitch('after-call work on the real switch: acw.end', (rig) => {
  test('acw.end: wrap_up_time 0 offers the waiting caller at once; the own wrap-up time is back with that call and holds the next caller off', async () => {
    const { g, d } = await rig.setUp(30);
    try {
      const first = await rig.real().call({ name: 'First', digits: '1111#' });
      const bridged = await d.next('call.bridged', () => true, 30000);
      await sleep(1000);
      const second = await rig.real().call({ name: 'Second', digits: '2222#' });
      await waitFor(async () => (await waitingMembers(rig.real())).length === 1, 'second caller waiting', 30000);
      await first.hangup();
      const started = await d.next('acw.started', (m) => m.memberUuid === bridged.memberUuid, 30000);
      assert.equal(started.wrapUpS, 30);
      // In wrap-up the switch does not offer the waiting caller (the agent shows Waiting meanwhile).
      await sleep(4000);
      assert.equal(d.received.some((m) => m.type === 'call.offered' && m.memberUuid !== bridged.memberUuid), false);
      assert.equal((await waitingMembers(rig.real())).length, 1);

      const ended = await d.request({ type: 'acw.end' });
      assert.equal(ended.type, 'ack', JSON.stringify(ended));
      assert.equal(await switchWrapUp(rig.real()), 0);
      // Offered long before the 30 s wrap-up would have ended.
      const offered = await d.next('call.offered', (m) => m.memberUuid !== bridged.memberUuid, 10000);
      await d.next('call.bridged', (m) => m.memberUuid === offered.memberUuid, 30000);
      await waitFor(async () => (await switchWrapUp(rig.real())) === 30, 'wrap_up_time 30 again', 10000);
      await sleep(1000);

      // The restored value is what the switch applies at this call's end: a new caller waits.
      const third = await rig.real().call({ name: 'Third', digits: '3333#' });
      await waitFor(async () => (await waitingMembers(rig.real())).length === 1, 'third caller waiting', 30000);
      await second.hangup();
      const again = await d.next('acw.started', (m) => m.memberUuid === offered.memberUuid, 30000);
      assert.equal(again.wrapUpS, 30);
      await sleep(4000);
      assert.equal(d.received.filter((m) => m.type === 'call.offered').length, 2);
      assert.equal((await waitingMembers(rig.real())).length, 1);
      await third.hangup();
    } finally {
      await rig.tearDown(g, d);
    }
  });
});
