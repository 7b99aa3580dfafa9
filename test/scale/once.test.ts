/** runOnce and leases on a real (private) Redis: one runner per key, fencing tokens that only grow. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis } from '../helpers/redis.js';
import { acquireLease, runOnce } from '../../src/store/once.js';

test('runOnce: of two instances racing on one key one runs; a failure gives the key back; fencing tokens grow', async () => {
  const server = await startRedis();
  const a = new Redis(server.url);
  const b = new Redis(server.url);
  try {
    let runs = 0;
    const work = async (fence: number) => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return fence;
    };
    const [ra, rb] = await Promise.all([runOnce(a, 'k:presence:away:1001', 'gw1', 5000, work), runOnce(b, 'k:presence:away:1001', 'gw2', 5000, work)]);
    assert.equal(runs, 1);
    assert.equal([ra, rb].filter((r) => r.ran).length, 1);
    // Done: a late instance (same event, a few ms later) skips it.
    assert.deepEqual(await runOnce(b, 'k:presence:away:1001', 'gw2', 5000, work), { ran: false });
    assert.equal(runs, 1);

    // A failure gives the claim back: a retry (here by the other instance) runs, with a newer fence.
    await assert.rejects(runOnce(a, 'k:next:1', 'gw1', 5000, async () => Promise.reject(new Error('switch refused'))), /switch refused/);
    const retry = await runOnce(b, 'k:next:1', 'gw2', 5000, async (fence) => fence);
    assert.ok(retry.ran);
    assert.equal(retry.value, 2);

    // The claim expires with its TTL.
    assert.ok((await runOnce(a, 'k:short', 'gw1', 50, async () => 1)).ran);
    await new Promise((r) => setTimeout(r, 80));
    assert.ok((await runOnce(b, 'k:short', 'gw2', 50, async () => 1)).ran);
  } finally {
    a.disconnect();
    b.disconnect();
    await server.stop();
  }
});

test('lease: one holder at a time; a successor after expiry gets a larger fencing token; the old holder can no longer renew or release it', async () => {
  const server = await startRedis();
  const a = new Redis(server.url);
  const b = new Redis(server.url);
  try {
    const first = await acquireLease(a, 'k:lease:retention', 'gw1', 100);
    assert.ok(first);
    assert.equal(await acquireLease(b, 'k:lease:retention', 'gw2', 100), null);
    assert.equal(await first.renew(), true);
    await new Promise((r) => setTimeout(r, 150));
    const second = await acquireLease(b, 'k:lease:retention', 'gw2', 5000);
    assert.ok(second);
    assert.ok(second.token > first.token, `${second.token} > ${first.token}`);
    assert.equal(await first.renew(), false);
    await first.release();
    assert.equal(await acquireLease(a, 'k:lease:retention', 'gw1', 100), null, 'the old holder’s release did not free the successor’s lease');
    await second.release();
    assert.ok(await acquireLease(a, 'k:lease:retention', 'gw1', 100));
  } finally {
    a.disconnect();
    b.disconnect();
    await server.stop();
  }
});
