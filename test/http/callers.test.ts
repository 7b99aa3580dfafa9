import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startStack, SUPERVISOR, type Stack } from '../helpers/stack.js';
import { assertError, raw, writeCommands } from '../helpers/http.js';
import { ADMIN } from '../helpers/stack.js';

const enc = encodeURIComponent;

describe('REST caller records', () => {
  let s: Stack;
  let redis: Redis;
  before(async () => {
    s = await startStack();
    redis = new Redis(s.redis.url, { lazyConnect: true });
    await redis.connect();
  });
  after(async () => {
    redis.disconnect();
    await s.stop();
  });

  const key = (digits: string) => s.config.callerKeyPrefix + digits;

  it('PUT / GET / DELETE round trip, with every spelling of a number being one record', async () => {
    s.fs.clearReceived();
    const put = await s.api('PUT', `/api/callers/${enc('+1 555 123 4567')}`, { name: 'Alice Smith', tier: 'gold', account_number: '42' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body, { number: '15551234567', record: { name: 'Alice Smith', tier: 'gold', account_number: '42' } });
    assert.deepEqual(await redis.hgetall(key('15551234567')), { name: 'Alice Smith', tier: 'gold', account_number: '42' });
    for (const spelling of ['15551234567', '+15551234567', '+1 555 123 4567', '1-555-123-4567', '+1 (555) 123.4567']) {
      const got = await s.api('GET', `/api/callers/${enc(spelling)}`, undefined, SUPERVISOR);
      assert.equal(got.status, 200, spelling);
      assert.deepEqual(got.body, { number: '15551234567', record: { name: 'Alice Smith', tier: 'gold', account_number: '42' } }, spelling);
    }
    // A PUT replaces the record as a whole.
    assert.equal((await s.api('PUT', '/api/callers/15551234567', { name: 'Alice S.' })).status, 200);
    assert.deepEqual((await s.api('GET', `/api/callers/${enc('+15551234567')}`)).body.record, { name: 'Alice S.' });
    // Delete with yet another spelling.
    const del = await s.api('DELETE', `/api/callers/${enc('+1 (555) 123-4567')}`);
    assert.equal(del.status, 204);
    assert.equal(del.body, null);
    assert.equal(await redis.exists(key('15551234567')), 0);
    assertError(await s.api('GET', '/api/callers/15551234567'), 404, 'CALLER_NOT_FOUND');
    assertError(await s.api('DELETE', '/api/callers/15551234567'), 404, 'CALLER_NOT_FOUND');
    assert.deepEqual(writeCommands(s.fs.received), [], 'caller records never touch the switch');
  });

  it('TTL via ?ttl (and none without it)', async () => {
    assert.equal((await s.api('PUT', '/api/callers/5550100?ttl=120', { name: 'Bob' })).status, 200);
    const ttl = await redis.ttl(key('5550100'));
    assert.ok(ttl > 0 && ttl <= 120, String(ttl));
    assert.equal((await s.api('PUT', '/api/callers/5550100?ttl=1', { name: 'Bob' })).status, 200);
    const pttl = await redis.pttl(key('5550100'));
    assert.ok(pttl > 0 && pttl <= 1000, String(pttl));
    assert.equal((await s.api('PUT', '/api/callers/5550100', { name: 'Bob' })).status, 200);
    assert.equal(await redis.ttl(key('5550100')), -1, 'a PUT without ttl keeps the record');
    for (const bad of ['0', '-5', '31536001', 'abc', '1.5', '', 'Infinity', '-Infinity', '1e400']) {
      assertError(await s.api('PUT', `/api/callers/5550100?ttl=${bad}`, { name: 'Bob' }), 400, 'INVALID_INPUT');
    }
    assert.equal(await redis.ttl(key('5550100')), -1, 'refused PUTs changed nothing');
  });

  it('limits: fields, key shape, value length, total size; refused records leave the old one in place', async () => {
    assert.equal((await s.api('PUT', '/api/callers/5550200', { name: 'kept' })).status, 200);
    const fields = (n: number, len = 1) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, 'x'.repeat(len)]));
    assert.equal((await s.api('PUT', '/api/callers/5550201', fields(50))).status, 200, '50 fields');
    assert.equal((await s.api('PUT', '/api/callers/5550201', { v: 'x'.repeat(1024) })).status, 200, '1024 characters');
    assert.equal((await s.api('PUT', '/api/callers/5550201', { ['k'.repeat(64)]: 'v' })).status, 200, '64-character key');
    assert.equal((await s.api('PUT', '/api/callers/5550201', fields(16, 1000))).status, 200, 'just under 16 KiB');
    const tooLarge: unknown[] = [
      fields(51),
      { v: 'x'.repeat(1025) },
      fields(17, 1000),
      Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`f${i}`, '€'.repeat(400)])), // 6400 chars, 19 KiB of UTF-8
    ];
    for (const body of tooLarge) assertError(await s.api('PUT', '/api/callers/5550200', body), 413, 'RECORD_TOO_LARGE');
    const bad: unknown[] = [{}, { 'bad key': 'v' }, { ['k'.repeat(65)]: 'v' }, { 'a/b': 'v' }, { n: 1 }, { n: true }, { n: null }, { n: { nested: 'x' } }, { n: ['x'] }];
    for (const body of bad) assertError(await s.api('PUT', '/api/callers/5550200', body), 400, /^(BAD_RECORD|INVALID_INPUT)$/);
    for (const body of [['x'], 'text', 42]) assertError(await s.api('PUT', '/api/callers/5550200', body), 400, 'INVALID_INPUT');
    assert.deepEqual((await s.api('GET', '/api/callers/5550200')).body.record, { name: 'kept' });
  });

  it('bad numbers are 400; a body over 64 KiB is 413 before anything is parsed', async () => {
    for (const n of ['abc', '12', '1'.repeat(21), '555-CALL-NOW', '5551234;DROP', '5551234*', '++15551234', '555\u00a01234', '５５５１２３４']) {
      assertError(await s.api('PUT', `/api/callers/${enc(n)}`, { name: 'x' }), 400, /^(BAD_NUMBER|INVALID_INPUT)$/);
      assertError(await s.api('GET', `/api/callers/${enc(n)}`), 400, /^(BAD_NUMBER|INVALID_INPUT)$/);
      assertError(await s.api('DELETE', `/api/callers/${enc(n)}`), 400, /^(BAD_NUMBER|INVALID_INPUT)$/);
    }
    assertError(await s.api('GET', `/api/callers/${'1'.repeat(41)}`), 400, 'INVALID_INPUT');
    const big = JSON.stringify({ v: 'x'.repeat(70 * 1024) });
    const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    assertError(await raw(s.url, 'PUT', '/api/callers/5550300', { headers, body: big }), 413, 'BODY_TOO_LARGE');
    assertError(await raw(s.url, 'POST', '/api/agents', { headers, body: JSON.stringify({ name: '1@x', contact: 'user/1', pad: 'x'.repeat(70 * 1024) }) }), 413, 'BODY_TOO_LARGE');
    assertError(await s.api('GET', '/api/callers/5550300'), 404);
  });
});
