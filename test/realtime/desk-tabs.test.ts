/**
 * Two tabs of one agent send status commands at the same time. They run one
 * after the other (per agent, not per socket), so a refused `busy` from one tab
 * puts back the reason it found, never over the reason another tab set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor } from '../helpers/stack.js';
import { addAgent, login } from './desk-helpers.js';

const A = '1001@default';

test("a busy that times out in one tab does not undo the break reason another tab set meanwhile", async () => {
  const s = await startStack({ env: { ESL_COMMAND_TIMEOUT_MS: '400' } });
  try {
    await addAgent(s, A);
    const one = await login(s, A, { ready: true });
    const two = await login(s, A, { ready: true });
    // The switch sits on the first On Break; whatever comes after it waits behind it.
    s.fs.pause((c) => c.includes(`agent set status ${A} 'On Break'`));
    const lunch = one.desk.request({ type: 'busy', reason: 'lunch' });
    await waitFor(() => s.fs.received.some((c) => c.includes(`agent set status ${A} 'On Break'`)), 'first busy at the switch');
    const meeting = two.desk.request({ type: 'busy', reason: 'meeting' });
    const first = await lunch;
    assert.equal(first.type === 'error' && first.code, 'SWITCH_TIMEOUT');
    s.fs.resume();
    const second = await meeting;
    assert.equal(second.type, 'ack', JSON.stringify(second));
    const status = await two.desk.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(status.reason, 'meeting');
    await waitFor(() => s.gw.view.agents.get(A)?.status === 'On Break', 'view On Break');
    const fresh = await login(s, A);
    assert.equal(fresh.snapshot.agent.breakReason, 'meeting');
    one.desk.close();
    two.desk.close();
    fresh.desk.close();
  } finally {
    await s.stop();
  }
});
