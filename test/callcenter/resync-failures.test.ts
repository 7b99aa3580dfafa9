/**
 * A resync that nobody awaits (periodic, or for an unknown agent) and that
 * fails is logged and counted (`cc_resync_failures_total`), never swallowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startStack, waitFor } from '../helpers/stack.js';

test('a periodic resync that times out is logged and counted in cc_resync_failures_total', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const s = await startStack({ logger: pino({ level: 'warn' }, sink), resyncIntervalMs: 200, env: { ESL_COMMAND_TIMEOUT_MS: '300' } });
  try {
    const failures = async () => {
      const m = await s.gw.metrics.registry.getSingleMetric('cc_resync_failures_total')?.get();
      return m?.values.find((v) => v.labels.trigger === 'periodic')?.value ?? 0;
    };
    assert.equal(await failures(), 0);
    s.fs.pause((c) => c.includes('agent list'));
    await waitFor(async () => (await failures()) >= 1, 'a failed periodic resync counted', 5000);
    s.fs.resume();
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; trigger?: string; err?: string }).find((l) => l.msg.startsWith('resync failed'));
    assert.ok(logged, `no log line for the failure: ${lines.join('\n')}`);
    assert.equal(logged.trigger, 'periodic');
    assert.match(logged.err ?? '', /no reply from FreeSWITCH|link down/);
    // And the link recovers: the next resyncs work again.
    await waitFor(() => s.gw.callCenter.ready, 'link back');
  } finally {
    await s.stop();
  }
});
