/** The per-agent push stream in Redis, as two instances use it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis } from '../helpers/redis.js';
import { silentLogger } from '../../src/log.js';
import { STREAM_LENGTH, SharedPushStream } from '../../src/realtime/shared-stream.js';

test('two instances append the same event push: one entry, one seq, the first writer’s JSON; keyless pushes each get their own', async () => {
  const server = await startRedis();
  const ra = new Redis(server.url);
  const rb = new Redis(server.url);
  try {
    const a = new SharedPushStream(ra, 't:', 60_000, silentLogger());
    const b = new SharedPushStream(rb, 't:', 60_000, silentLogger());
    const agent = '1001@default';
    const s1 = await a.append(agent, JSON.stringify({ type: 'agent.status', status: 'On Break', reason: 'lunch' }), 'core/17:agent.status');
    const s2 = await b.append(agent, JSON.stringify({ type: 'agent.status', status: 'On Break', reason: null }), 'core/17:agent.status');
    assert.deepEqual(s1, { seq: 1, json: '{"type":"agent.status","status":"On Break","reason":"lunch","seq":1}', fresh: true });
    assert.deepEqual(s2, { seq: 1, json: s1.json, fresh: false });
    const snap = await b.append(agent, JSON.stringify({ type: 'link', switchConnected: true }), null);
    assert.equal(snap.seq, 2);
    const next = await a.append(agent, JSON.stringify({ type: 'agent.state', state: 'Idle' }), 'core/18:agent.state');
    assert.equal(next.seq, 3);
    // The late instance still gets the stored copy of an older key.
    assert.equal((await b.append(agent, '{"type":"agent.status"}', 'core/17:agent.status')).json, s1.json);

    assert.deepEqual(await a.since(agent, 3), { head: 3, missed: [] });
    assert.deepEqual((await b.since(agent, 1)).missed?.map((j) => (JSON.parse(j) as { seq: number }).seq), [2, 3]);
    assert.equal((await a.since(agent, 0)).missed, null, 'a fresh page wants a snapshot');
    assert.equal((await a.since(agent, 9)).missed, null, 'a page ahead of Redis (stream lost) wants a snapshot');
    assert.equal(await a.reset(agent, 9), 9);
    assert.equal((await b.append(agent, '{"type":"link","switchConnected":true}', null)).seq, 10, 'numbering continues after the page’s seq');
  } finally {
    ra.disconnect();
    rb.disconnect();
    await server.stop();
  }
});

test('the stream keeps the last STREAM_LENGTH pushes: a page further behind gets a snapshot', async () => {
  const server = await startRedis();
  const r = new Redis(server.url);
  try {
    const s = new SharedPushStream(r, 't:', 60_000, silentLogger());
    for (let i = 0; i < STREAM_LENGTH + 10; i++) await s.append('a@d', '{"type":"agent.state","state":"Idle"}', `e/${i}:agent.state`);
    assert.equal((await s.since('a@d', 5)).missed, null);
    assert.equal((await s.since('a@d', 10)).missed?.length, STREAM_LENGTH);
    // A late duplicate of a key whose push was trimmed: same seq, no JSON (nothing to send).
    assert.deepEqual(await s.append('a@d', '{"type":"agent.state","state":"Idle"}', 'e/0:agent.state'), { seq: 1, json: null, fresh: false });
  } finally {
    r.disconnect();
    await server.stop();
  }
});

test('an instance lagging behind another on the same events: its page gets every seq once, in order (the gap is filled from the stream)', async () => {
  const server = await startRedis();
  const ra = new Redis(server.url);
  const rb = new Redis(server.url);
  const { SharedDeskStream } = await import('../../src/realtime/desk-shared.js');
  try {
    const a = new SharedDeskStream(new SharedPushStream(ra, 'g:', 60_000, silentLogger()), silentLogger());
    const b = new SharedDeskStream(new SharedPushStream(rb, 'g:', 60_000, silentLogger()), silentLogger());
    const agent = '1001@default';
    const got: string[] = [];
    const page = { send: (json: string) => (got.push(json), true) };
    // The channel as each instance holds it: A has the page, B follows the agent with none.
    const channelOf = (sockets: Set<typeof page>) => ({ agent, seq: 0, sockets }) as unknown as Parameters<typeof a.push>[0];
    const chA = channelOf(new Set([page]));
    const chB = channelOf(new Set());
    const sendTo = (_type: unknown, json: string, _cause: unknown, sockets: readonly { send(j: string): boolean }[]) => {
      for (const s of sockets) s.send(json);
    };
    const snapshots: string[] = [];
    const cause = (id: string) => ({ readAt: 0, timestampUs: 0, id }) as unknown as Parameters<typeof a.push>[2];
    type P = Parameters<typeof a.push>[1];

    a.push(chA, { type: 'link', switchConnected: true }, null, sendTo, () => snapshots.push('a'));
    await a.settled(agent);
    // B is ahead: it numbers the switch's next two event pushes first.
    b.push(chB, { type: 'agent.state', state: 'Receiving' }, cause('core/1'), sendTo, () => undefined);
    b.push(chB, { type: 'agent.state', state: 'In a queue call' }, cause('core/2'), sendTo, () => undefined);
    await b.settled(agent);
    // A, behind, pushes something with no event behind it, then handles the same two events.
    a.push(chA, { type: 'queue.waiting', queues: [] } as unknown as P, null, sendTo, () => snapshots.push('a'));
    a.push(chA, { type: 'agent.state', state: 'Receiving' }, cause('core/1'), sendTo, () => snapshots.push('a'));
    a.push(chA, { type: 'agent.state', state: 'In a queue call' }, cause('core/2'), sendTo, () => snapshots.push('a'));
    await a.settled(agent);

    const seqs = got.map((j) => (JSON.parse(j) as { seq: number }).seq);
    assert.deepEqual(seqs, [1, 2, 3, 4], 'every seq once, in order');
    assert.deepEqual(got.map((j) => (JSON.parse(j) as { type: string }).type), ['link', 'agent.state', 'agent.state', 'queue.waiting']);
    assert.equal(a.gapFills, 1);
    assert.deepEqual(snapshots, []);
  } finally {
    ra.disconnect();
    rb.disconnect();
    await server.stop();
  }
});
