import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, SUPERVISOR } from '../helpers/stack.js';

test('authentication comes before validation: no token and a bad body is 401, a supervisor with a bad body is 403', async () => {
  const s = await startStack();
  try {
    const bad = { name: 'not a name', contact: 'user/1001\napi shutdown', extra: true };
    const anon = await s.api('POST', '/api/agents', bad, null);
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error.code, 'UNAUTHORIZED');
    const sup = await s.api('POST', '/api/agents', bad, SUPERVISOR);
    assert.equal(sup.status, 403);
    const lower = await fetch(`${s.url}/api/agents`, { headers: { authorization: 'bearer admin-token-0123456789' } });
    assert.equal(lower.status, 200, 'the Bearer scheme is case-insensitive');
  } finally {
    await s.stop();
  }
});
