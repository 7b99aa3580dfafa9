import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeskClient, startStack, waitFor } from '../helpers/stack.js';
import { addAgent, passwordOf } from './desk-helpers.js';

test('Redis down at login: STORE_DOWN, the switch is not touched, and login works once Redis is back', async () => {
  const s = await startStack();
  try {
    await addAgent(s, '1001@default');
    await s.redis.stop();
    s.fs.clearReceived();
    const desk = await DeskClient.open(s.url);
    const refused = await desk.request({ type: 'login', agent: '1001@default', password: passwordOf('1001@default'), contact: 'user/1005', ready: true });
    assert.equal(refused.type, 'error');
    assert.equal(refused.type === 'error' && refused.code, 'STORE_DOWN');
    assert.deepEqual(s.fs.received, [], 'nothing reached the switch');
    assert.equal(s.fs.agent('1001@default')?.contact, 'null/agent-1001');

    // The private Redis keeps nothing on disk: it comes back empty, so the password is set again.
    await s.redis.start();
    await waitFor(() => s.gw.redis?.status === 'ready', 'gateway reconnected to Redis');
    assert.equal((await s.api('PATCH', '/api/agents/1001@default', { password: passwordOf('1001@default') })).status, 200);
    const ok = await desk.request({ type: 'login', agent: '1001@default', password: passwordOf('1001@default'), ready: true });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    desk.close();
  } finally {
    await s.stop();
  }
});
