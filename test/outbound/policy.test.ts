import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { checkNumber, parseRules, type DialPolicy } from '../../src/outbound/policy.js';
import { outboundConfig, DEFAULT_BLOCK } from '../../src/outbound/config.js';
import { memoryDialRateLimiter, redisDialRateLimiter } from '../../src/outbound/rate-limit.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { startRedis } from '../helpers/redis.js';

const policy: DialPolicy = {
  allow: { agent: parseRules('+1555:11,9300:4', 'x'), api: parseRules('+1555:11,+44:11-13', 'x') },
  block: ['+1900', '+44870'],
};

test('the default configuration allows no number for anyone', () => {
  const c = outboundConfig({});
  for (const n of ['+15551230800', '9300', '112', '+441234567890', '18005550100']) {
    assert.equal(checkNumber(c.policy, 'agent', n).ok, false, n);
    assert.equal(checkNumber(c.policy, 'api', n).ok, false, n);
  }
  assert.deepEqual(c.policy.block, DEFAULT_BLOCK);
  assert.equal(c.defaultCallerId, null);
});

test('hostile numbers are refused by the grammar before any rule', () => {
  const hostile = [
    '+1555 123 0800', '1555123080a', '+1555|1230800', '+1555,1230800', '{origination_uuid=x}9300', '[a=b]9300',
    '9300/default', 'user/1001@default', '9300@default', "9300'", '9300;', '$(uuid)', '${sofia_contact(1001)}', '', '++15551230800',
    '+', '12', '1'.repeat(21), '９３００', '9300\n', '9300\r\napi hupall', ' 9300', '9300 ', '-9300', '0x9300', '93.00', '9300&park',
  ];
  for (const n of hostile) {
    const d = checkNumber(policy, 'agent', n);
    assert.equal(d.ok, false, JSON.stringify(n));
    if (!d.ok) assert.equal(d.code, 'NUMBER_INVALID', JSON.stringify(n));
  }
  for (const n of [9300, null, undefined, ['9300'], { n: '9300' }]) assert.equal(checkNumber(policy, 'agent', n).ok, false);
});

test('allowed prefixes and lengths per role; blocked ranges win in either spelling', () => {
  assert.equal(checkNumber(policy, 'agent', '+15551230800').ok, true);
  assert.equal(checkNumber(policy, 'agent', '9300').ok, true);
  // length counts digits: 10 or 12 digits do not match :11
  assert.equal(checkNumber(policy, 'agent', '+1555123080').ok, false);
  assert.equal(checkNumber(policy, 'agent', '+155512308001').ok, false);
  // the prefix is literal: without + it is another range
  assert.equal(checkNumber(policy, 'agent', '15551230800').ok, false);
  // the API role has +44, the agent role does not
  assert.equal(checkNumber(policy, 'agent', '+442071234567').ok, false);
  assert.equal(checkNumber(policy, 'api', '+442071234567').ok, true);
  assert.equal(checkNumber(policy, 'api', '9300').ok, false);
  // blocked even though +44 is allowed, and in the spelling without +
  const b = checkNumber(policy, 'api', '+448701234567');
  assert.equal(b.ok, false);
  if (!b.ok) assert.equal(b.code, 'NUMBER_NOT_ALLOWED');
  const everything: DialPolicy = { allow: { agent: parseRules(':3-20', 'x'), api: [] }, block: ['+1900'] };
  assert.equal(checkNumber(everything, 'agent', '19005550100').ok, false);
  assert.equal(checkNumber(everything, 'agent', '+19005550100').ok, false);
  assert.equal(checkNumber(everything, 'agent', '18005550100').ok, true);
});

test('configuration errors name the variable and stop the start', () => {
  const bad: Array<Record<string, string>> = [
    { OUTBOUND_ALLOW: '+1555:xx' },
    { OUTBOUND_ALLOW: 'abc' },
    { OUTBOUND_ALLOW: '+1555:2' },
    { OUTBOUND_BLOCK: '+19a0' },
    { OUTBOUND_CALLER_ID: '+1555 000' },
    { OUTBOUND_CALLER_ID: '+15550001000:Support Line' },
    { OUTBOUND_CALLER_IDS: 'support=+15550001000' },
    { OUTBOUND_ROUTE: 'sofia/gateway/pstn/' },
    { OUTBOUND_ROUTE: 'sofia/gateway/pstn/{number},user/1002' },
    { OUTBOUND_ROUTE: '{ignore_early_media=true}sofia/gateway/pstn/{number}' },
    { OUTBOUND_ROUTE: 'sofia/gateway/p stn/{number}' },
    { OUTBOUND_RATE_PER_MINUTE: '0' },
  ];
  for (const env of bad) assert.throws(() => loadConfig(env), ConfigError, JSON.stringify(env));
  const ok = loadConfig({ OUTBOUND_ALLOW: '+1555:11', OUTBOUND_CALLER_ID: '+15550001000:Support', OUTBOUND_CALLER_IDS: 'sales@default=+15550002000', OUTBOUND_ROUTE: 'sofia/gateway/pstn/{digits}' });
  assert.equal(ok.outbound.defaultCallerId?.name, 'Support');
  assert.equal(ok.outbound.callerIds.get('sales@default')?.number, '+15550002000');
  assert.equal(ok.outbound.policy.allow.api.length, 1, 'the API role defaults to the agent rules');
});

test('the Redis rate limit is per agent, shared by two clients (two gateway instances), and counts per window', async () => {
  const redis = await startRedis();
  const a = new Redis(redis.url);
  const b = new Redis(redis.url);
  try {
    const limits = { perMinute: 3, perHour: 5 };
    const one = redisDialRateLimiter(a, 'tp:', limits);
    const two = redisDialRateLimiter(b, 'tp:', limits);
    const t0 = Date.UTC(2026, 10, 30, 2, 0, 5);
    assert.equal((await one.take('1001@default', t0)).ok, true);
    assert.equal((await two.take('1001@default', t0)).ok, true);
    assert.equal((await one.take('1001@default', t0)).ok, true);
    const fourth = await two.take('1001@default', t0);
    assert.equal(fourth.ok, false);
    if (!fourth.ok) assert.equal(fourth.window, 'minute');
    assert.equal((await one.take('1002@default', t0)).ok, true, 'another agent has its own count');
    // the next minute opens again, until the hour's 5 are used (4 so far, refused one included)
    assert.equal((await one.take('1001@default', t0 + 60_000)).ok, true);
    const hour = await one.take('1001@default', t0 + 60_000);
    assert.equal(hour.ok, false);
    if (!hour.ok) assert.equal(hour.window, 'hour');
  } finally {
    a.disconnect();
    b.disconnect();
    await redis.stop();
  }
});

test('the in-process limiter (demo without Redis) counts the same way', async () => {
  const l = memoryDialRateLimiter({ perMinute: 2, perHour: 10 });
  assert.equal((await l.take('x@d', 0)).ok, true);
  assert.equal((await l.take('x@d', 1)).ok, true);
  assert.equal((await l.take('x@d', 2)).ok, false);
  assert.equal((await l.take('x@d', 60_000)).ok, true);
});
