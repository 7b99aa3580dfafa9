/**
 * A reconnect attempt runs in a timer: a synchronous throw from opening the
 * socket there would be an uncaught exception (the process ends). It must
 * count as one more failed attempt, and the link must come up once it can.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EslClient } from '../../src/esl/client.js';
import { silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { freePort } from '../helpers/redis.js';
import { waitFor } from '../helpers/stack.js';

test('a reconnect whose connect throws at once (bad port) is retried, and the link comes up later', async () => {
  const fs = await FreeSwitchDouble.start();
  // Where the client dials is read at every attempt: first nobody listens, then a port
  // that net.connect refuses synchronously (RangeError), then the double.
  const target = { port: await freePort() };
  const c = new EslClient({
    host: '127.0.0.1',
    get port() {
      return target.port;
    },
    password: 'ClueCon',
    customSubclasses: ['callcenter::info'],
    backoff: { initialMs: 20, maxMs: 50 },
    logger: silentLogger(),
  });
  c.once('down', () => (target.port = 70_000));
  try {
    c.start();
    await waitFor(() => /port/i.test(c.linkState().lastError ?? ''), 'the throwing attempt recorded as the last error');
    const attempts = c.linkState().attempts;
    await waitFor(() => c.linkState().attempts > attempts, 'attempts go on after the throw');
    target.port = fs.port;
    await waitFor(() => c.ready, 'link up');
    assert.equal(c.linkState().connected, true);
  } finally {
    await c.stop();
    await fs.stop();
  }
});
