/**
 * Desk sessions on a real redis-server: a transaction whose parts fail is a
 * failure, not a token that a password change could no longer revoke.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis } from '../helpers/redis.js';
import { redisSessionStore } from '../../src/store/sessions.js';

test('issue fails when a command inside its MULTI fails (WRONGTYPE on the agent index), and leaves no token behind', async () => {
  const server = await startRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0 });
  try {
    const store = redisSessionStore(redis, 't:');
    // Something else wrote a string where the agent's token set goes: SADD fails inside EXEC.
    await redis.set('t:desk-sessions-of:1001@default', 'not a set');
    await assert.rejects(store.issue('1001@default', 600), /WRONGTYPE/);
    assert.deepEqual(await redis.keys('t:desk-session:*'), []);
    // A sound index works as before, and revoking the agent ends the token.
    const token = await store.issue('1002@default', 600);
    assert.equal(await store.agentOf(token), '1002@default');
    await store.revokeAgent('1002@default');
    assert.equal(await store.agentOf(token), null);
  } finally {
    redis.disconnect();
    await server.stop();
  }
});
