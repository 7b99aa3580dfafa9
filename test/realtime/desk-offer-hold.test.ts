/**
 * An offer that waits for its caller record (the Redis lookup started when the
 * caller joined has not answered yet) holds back everything that happens to the
 * agent meanwhile. Redis is made slow on purpose with CLIENT PAUSE on the private
 * redis-server, and the double fires the agent's call events back to back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { addAgent, login } from './desk-helpers.js';
import type { ServerMessage } from '../../src/realtime/protocol.js';

const A = '1001@default';
/** Longer than a lookup normally takes, shorter than the desk's wait for it (150 ms). */
const PAUSE_MS = 100;

/** Every command of every client of the private redis-server waits PAUSE_MS from now. */
async function slowRedis(s: Stack): Promise<void> {
  const r = new Redis(s.redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    await r.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
  } finally {
    r.disconnect();
  }
}

type CallPush = Extract<ServerMessage, { type: `call.${string}` }>;
const calls = (received: ServerMessage[]): CallPush[] => received.filter((m): m is CallPush => m.type.startsWith('call.'));

test('offer held for a slow caller record: a phone that fails at once and the second offer that follows reach the page in order', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    assert.equal((await s.api('PUT', '/api/callers/15551234567', { name: 'Alice Smith' })).status, 200);
    const a = await login(s, A, { ready: true });
    // The phone is busy for the first offer; the switch offers the caller again at once, and that one is answered.
    s.fs.setAgentAnswer(A, { mode: 'reject', afterMs: 0, cause: 'USER_BUSY' });
    const off = s.fs.onEvent((e) => {
      if (e.get('CC-Action') !== 'bridge-agent-fail') return;
      off();
      s.fs.setAgentAnswer(A, { mode: 'answer', afterMs: 0 });
    });
    await slowRedis(s);
    const ids = s.fs.injectCaller({ number: '15551234567', name: 'Alice' });
    await a.desk.next('call.bridged');
    const seen = calls(a.desk.received).map((m) => [m.type, m.memberUuid]);
    assert.deepEqual(seen, [
      ['call.offered', ids.memberUuid],
      ['call.missed', ids.memberUuid],
      ['call.offered', ids.memberUuid],
      ['call.bridged', ids.memberUuid],
    ]);
    // The held offer carries the record, or (the wait for it is bounded, and this machine may be
    // slower than the pause) goes out flagged without it; never the record of nobody.
    const first = a.desk.received.find((m): m is Extract<ServerMessage, { type: 'call.offered' }> => m.type === 'call.offered')!;
    if (first.data === null) assert.equal(first.dataUnavailable, true);
    else assert.deepEqual(first.data, { name: 'Alice Smith' });
    // The offer really was held (else this test would have passed through the ordinary path).
    const metrics = String((await s.api('GET', '/metrics')).body);
    const held = sample(metrics, 'cc_offers_held_total{outcome="record"}', 0) + sample(metrics, 'cc_offers_held_total{outcome="timeout"}', 0);
    assert.ok(held >= 1, `an offer was held for its record: ${metrics.split('\n').filter((l) => l.startsWith('cc_offers_held')).join('; ')}`);
    // A page opened now shows the call as talking.
    const fresh = await login(s, A);
    assert.equal(fresh.snapshot.call?.memberUuid, ids.memberUuid);
    assert.equal(fresh.snapshot.call?.phase, 'talking');
    a.desk.close();
    fresh.desk.close();
  } finally {
    await s.stop();
  }
});

test('offer held for a slow caller record: the caller hangs up at once, and the page ends the call', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });
    s.fs.setAgentAnswer(A, { mode: 'no-answer' });
    let callerUuid = '';
    const off = s.fs.onEvent((e) => {
      if (e.get('CC-Action') !== 'agent-offering') return;
      off();
      setImmediate(() => s.fs.hangupCaller(callerUuid));
    });
    await slowRedis(s);
    const ids = s.fs.injectCaller({ number: '15551239999', name: 'Bob' });
    callerUuid = ids.callerUuid;
    const ended = await a.desk.next('call.ended');
    assert.equal(ended.memberUuid, ids.memberUuid);
    assert.equal(ended.cause, 'Cancel');
    assert.deepEqual(
      calls(a.desk.received).map((m) => m.type),
      ['call.offered', 'call.ended'],
    );
    const fresh = await login(s, A);
    assert.equal(fresh.snapshot.call, null);
    a.desk.close();
    fresh.desk.close();
  } finally {
    await s.stop();
  }
});
