/**
 * The production entry point stops within STOP_TIMEOUT_MS even when a part
 * will not close: here a REST request waiting for a switch that does not answer
 * (the HTTP server's close waits for it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers/redis.js';
import { FreeSwitchDouble } from '../src/fsdouble/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('SIGTERM with a close that never finishes: the process exits with code 1 after STOP_TIMEOUT_MS', async () => {
  const port = await freePort();
  const fs = await FreeSwitchDouble.start();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HTTP_PORT: String(port),
      ESL_PORT: String(fs.port),
      ESL_COMMAND_TIMEOUT_MS: '600000',
      // Nothing listens there: the gateway starts anyway and keeps retrying.
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      ADMIN_TOKEN: 'admin-token-0123456789',
      STOP_TIMEOUT_MS: '500',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    const started = Date.now();
    while (!out.includes('gateway listening')) {
      if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`gateway did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Connected, and the first resync done (its last list is the queue's members).
    while (!fs.received.some((c) => c.includes('queue list members'))) {
      if (Date.now() - started > 60_000) throw new Error(`gateway did not connect:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 100));
    const from = fs.received.length;
    fs.pause((c) => c.includes('queue list'));
    const request = fetch(`http://127.0.0.1:${port}/api/queues`, { headers: { authorization: 'Bearer admin-token-0123456789' } }).catch(() => null);
    while (!fs.received.slice(from).some((c) => c.includes('queue list'))) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const bound = new Promise<'still running'>((r) => setTimeout(() => r('still running'), 10_000).unref());
    const result = await Promise.race([exited, bound]);
    assert.notEqual(result, 'still running', `the process did not exit:\n${out}`);
    const [code] = result as [number | null, NodeJS.Signals | null];
    assert.equal(code, 1);
    assert.match(out, /stop did not finish in time/);
    await request;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await fs.stop();
  }
});
