/**
 * The desk's call shows what the call model reports: the agent leg from
 * bridge-agent-start, and `held` from the switch's CHANNEL_HOLD/UNHOLD,
 * pushed as call.held and kept in the snapshot of a tab opened meanwhile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../helpers/stack.js';
import { addAgent, login } from '../realtime/desk-helpers.js';

const A = '1001@default';

test('call.bridged names the agent leg; hold and unhold on the switch reach the page as call.held; a new tab sees held', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const a = await login(s, A, { ready: true });
    const ids = s.fs.injectCaller({ number: '15551230100', name: 'Hold', destination: '7000' });
    const offered = await a.desk.next('call.offered');
    assert.equal(offered.held, false);
    assert.equal(offered.agentLegUuid, null);
    const bridged = await a.desk.next('call.bridged');
    assert.equal(bridged.held, false);
    const leg = s.fs.channels().find((c) => c.name === 'sofia/internal/1001');
    assert.ok(leg);
    assert.equal(bridged.agentLegUuid, leg.uuid);

    assert.equal(s.fs.api(`uuid_hold ${leg.uuid}`), '+OK Success\n');
    const held = await a.desk.next('call.held');
    assert.deepEqual({ memberUuid: held.memberUuid, held: held.held, agentLegUuid: held.agentLegUuid }, { memberUuid: ids.memberUuid, held: true, agentLegUuid: leg.uuid });

    const tab = await login(s, A, { ready: true });
    assert.equal(tab.snapshot.call?.held, true);
    assert.equal(tab.snapshot.call?.agentLegUuid, leg.uuid);

    assert.equal(s.fs.api(`uuid_hold off ${leg.uuid}`), '+OK Success\n');
    assert.equal((await a.desk.next('call.held')).held, false);
    assert.equal((await tab.desk.next('call.held')).held, false);
    // A refused unhold changes nothing: no push.
    assert.equal(s.fs.api(`uuid_hold off ${leg.uuid}`), '-ERR Operation failed\n');
    s.fs.hangupCaller(ids.callerUuid);
    await a.desk.next('call.ended');
    assert.equal(a.desk.received.filter((m) => m.type === 'call.held').length, 2);
    a.desk.close();
    tab.desk.close();
  } finally {
    await s.stop();
  }
});
