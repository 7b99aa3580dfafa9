import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, DeskClient, waitFor } from './helpers/stack.js';

test('smoke: create an agent over REST, log in on the desk, take a call with a screen pop', async () => {
  const s = await startStack();
  try {
    const created = await s.api('POST', '/api/agents', { name: '1001@default', contact: 'null/agent-1001', password: 'agent-pass-1001' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await s.api('POST', '/api/tiers', { queue: 'support@default', agent: '1001@default' })).status, 201);
    assert.equal((await s.api('PUT', '/api/callers/+1 555 123 4567', { name: 'Alice Smith', tier: 'gold' })).status, 200);
    const desk = await DeskClient.open(s.url);
    const ack = await desk.request({ type: 'login', agent: '1001@default', password: 'agent-pass-1001', ready: true });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    await desk.next('snapshot');
    await waitFor(() => s.fs.agent('1001@default')?.status === 'Available', 'agent available on the switch');
    s.fs.injectCaller({ number: '15551234567', name: 'Alice', variables: { cc_export_vars: 'account_number', account_number: '42' } });
    const pop = await desk.next('call.offered');
    assert.equal(pop.callerNumber, '15551234567');
    assert.deepEqual(pop.data, { name: 'Alice Smith', tier: 'gold', account_number: '42' });
    await desk.next('call.bridged');
    desk.close();
  } finally {
    await s.stop();
  }
});
