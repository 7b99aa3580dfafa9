import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

test('LOG_LEVEL: info by default, any pino level accepted, anything else a ConfigError that names the choices', () => {
  assert.equal(loadConfig({}).logLevel, 'info');
  assert.equal(loadConfig({ LOG_LEVEL: '' }).logLevel, 'info');
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) assert.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level);
  for (const bad of ['verbose', 'INFO', 'info ', '30']) {
    assert.throws(() => loadConfig({ LOG_LEVEL: bad }), (e: unknown) => e instanceof ConfigError && /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/.test(e.message), bad);
  }
});
