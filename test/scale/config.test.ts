import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

test('DESK_STREAM, INSTANCE_ID, DRAIN_MS: defaults, accepted values, and a ConfigError naming the variable', () => {
  const d = loadConfig({});
  assert.equal(d.scale.deskStream, 'local');
  assert.equal(d.scale.drainMs, 0);
  assert.match(d.scale.instanceId, /^[A-Za-z0-9_.:-]+$/);
  assert.notEqual(loadConfig({}).scale.instanceId, d.scale.instanceId, 'a default id is unique per start');
  const c = loadConfig({ DESK_STREAM: 'redis', INSTANCE_ID: 'gw-1', DRAIN_MS: '5000' });
  assert.deepEqual(c.scale, { deskStream: 'redis', instanceId: 'gw-1', drainMs: 5000 });
  assert.throws(() => loadConfig({ DESK_STREAM: 'memcached' }), (e: unknown) => e instanceof ConfigError && /DESK_STREAM/.test(e.message));
  assert.throws(() => loadConfig({ INSTANCE_ID: 'gw 1' }), (e: unknown) => e instanceof ConfigError && /INSTANCE_ID/.test(e.message));
  assert.throws(() => loadConfig({ DRAIN_MS: '-1' }), (e: unknown) => e instanceof ConfigError && /DRAIN_MS/.test(e.message));
});
