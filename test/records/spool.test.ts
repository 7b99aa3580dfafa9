/**
 * The call-record spool (issue 11, "nothing is lost"): ended calls that the
 * database cannot take wait in Redis, not in the process. On a private
 * redis-server: the spool keeps a record once however often it is added, is
 * bounded (a full spool keeps the rest in memory, counted and logged), and is
 * drained oldest first. End to end: PostgreSQL cut by a TCP proxy, a call
 * ends, the gateway restarts, PostgreSQL comes back: exactly one row, and the
 * new process's KPI counters count it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import type { LiveCall } from '../../src/records/model.js';
import { redisRecordSpool } from '../../src/records/spool.js';
import type { Finished } from '../../src/records/store.js';
import { RecordWriter } from '../../src/records/writer.js';
import { startRedis } from '../helpers/redis.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/stack.js';
import { QUEUE } from './helpers.js';

const live = (uuid: string): LiveCall => ({
  memberUuid: uuid, sessionUuid: '', queue: 'q@d', callerNumber: '1', callerName: '', destination: '', variables: { account: '42' }, state: 'waiting',
  agent: null, agentUuid: null, joinedAt: 1_000, offeredAt: null, answeredAt: null, offers: [],
});
const ended = (uuid: string): Finished => ({ call: live(uuid), end: { endedAt: 5_000, cause: 'Cancel', cancelReason: 'BREAK_OUT', hangupCause: null, agent: null, answeredAt: null } });

test('spool on Redis: once per member UUID, bounded, drained oldest first; a writer whose database fails spools, and a second writer (the next process) writes them in order', async () => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const prefix = `sp${randomBytes(3).toString('hex')}:`;
  try {
    const spool = redisRecordSpool(redis, { keyPrefix: prefix, max: 3, ttlMs: 60_000 });
    assert.deepEqual(await spool.add([ended('a'), ended('b')]), { added: 2, full: [] });
    // Another instance spools the same end: kept once.
    assert.deepEqual(await spool.add([ended('b')]), { added: 0, full: [] });
    const over = await spool.add([ended('c'), ended('d')]);
    assert.equal(over.added, 1);
    assert.deepEqual(over.full.map((f) => f.call.memberUuid), ['d']);
    assert.equal(await spool.size(), 3);
    assert.ok((await redis.pttl(`${prefix}records:spool:data`)) > 0, 'the spool has a TTL');
    const peeked = await spool.peek(10);
    assert.deepEqual(peeked.map((f) => f.call.memberUuid), ['a', 'b', 'c']);
    assert.deepEqual(peeked[0], ended('a'), 'the record comes back as it went in');
    await spool.remove(['a', 'b', 'c']);
    assert.equal(await spool.size(), 0);

    // A writer whose database refuses: its ended calls move to the spool within lingerMs; the full spool's rest waits in memory, counted once.
    let spooled = 0;
    let full = 0;
    const first = new RecordWriter({
      logger: silentLogger(),
      lingerMs: 5,
      retryMinMs: 20,
      retryMaxMs: 50,
      spool,
      onSpooled: (n) => (spooled += n),
      onSpoolFull: (n) => (full += n),
      write: async () => Promise.reject(new Error('connection refused')),
    });
    for (const u of ['1', '2', '3', '4']) first.finished(ended(u));
    await waitFor(async () => (await spool.size()) === 3 && first.backlog === 1, 'three spooled, one in memory');
    await new Promise((r) => setTimeout(r, 200)); // several retries: the refused one is counted once
    assert.deepEqual([spooled, full], [3, 1]);
    await first.close(0);

    // The next process: its database answers; the spool is written first, oldest first, then removed.
    const written: string[][] = [];
    const second = new RecordWriter({ logger: silentLogger(), lingerMs: 5, spool, write: async (_l, f) => (written.push(f.map((x) => x.call.memberUuid)), { inserted: f.length }) });
    second.start();
    await second.spoolSettled();
    await second.flush();
    assert.deepEqual(written, [['1', '2', '3']]);
    assert.equal(await spool.size(), 0);
    await second.close();
  } finally {
    redis.disconnect();
    await server.stop();
  }
});

test('Redis down as well: ended calls wait in memory (nothing lost, no crash) and reach the spool once Redis is back', async () => {
  const server = await startRedis();
  const redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  redis.on('error', () => undefined);
  const prefix = `sd${randomBytes(3).toString('hex')}:`;
  const spool = redisRecordSpool(redis, { keyPrefix: prefix, max: 100, ttlMs: 60_000 });
  let open = false;
  const written: string[] = [];
  const w = new RecordWriter({
    logger: silentLogger(),
    lingerMs: 5,
    retryMinMs: 20,
    retryMaxMs: 50,
    spool,
    write: async (_l, f) => {
      if (!open) throw new Error('connection refused');
      written.push(...f.map((x) => x.call.memberUuid));
      return { inserted: f.length };
    },
  });
  try {
    await server.stop();
    w.finished(ended('x'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(w.backlog, 1, 'kept in memory while neither the database nor Redis answers');
    await server.start();
    await waitFor(async () => (await spool.size().catch(() => 0)) === 1 && w.backlog === 0, 'spooled once Redis is back', 10_000);
    open = true;
    await waitFor(() => written.length === 1, 'written once the database is back', 10_000);
    await w.flush();
    assert.deepEqual(written, ['x']);
    assert.equal(await spool.size(), 0);
  } finally {
    await w.close(0);
    redis.disconnect();
    await server.stop();
  }
});

async function rows(url: string, sql: string): Promise<any[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

test('PostgreSQL unreachable, a call ends, the gateway restarts, PostgreSQL comes back: exactly one row, counted by the new process’s KPIs', async () => {
  const db = await createTestDatabase();
  const proxy = await startTcpProxy(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const fs = await FreeSwitchDouble.start({ ringMs: 30 });
  const server = await startRedis();
  const redis = new Redis(server.url);
  const config: Config = loadConfig({
    ESL_PORT: String(fs.port),
    HTTP_PORT: '0',
    XML_CURL: 'off',
    REDIS_URL: server.url,
    REDIS_KEY_PREFIX: `rs${randomBytes(3).toString('hex')}:`,
    ADMIN_TOKEN: 'records-admin-token-0123',
    ESL_COMMAND_TIMEOUT_MS: '2000',
    DATABASE_URL: viaProxy.toString(),
  });
  const start = async (): Promise<Gateway> => {
    const gw = await startGateway({
      config,
      logger: process.env.TEST_LOG ? createLogger('debug') : silentLogger(),
      resyncIntervalMs: 0,
      eslBackoff: { initialMs: 20, maxMs: 200 },
      recordsTiming: { lingerMs: 5, retryMaxMs: 200 },
    });
    await waitFor(() => gw.callCenter.ready && gw.view.queues.size > 0, 'gateway connected');
    return gw;
  };
  let gw = await start();
  try {
    await waitFor(() => gw.records?.ready === true, 'records database open', 60_000);
    const actor = { source: 'demo' as const, id: 'test' };
    await gw.callCenter.createAgent({ name: '1001@default', contact: 'null/agent-1001', status: 'Available' }, actor);
    await gw.callCenter.addTier(QUEUE, '1001@default', 1, 1, actor);
    const call = fs.injectCaller({ number: '15551234567', name: 'Alice' });
    await waitFor(() => gw.records!.live().some((c) => c.memberUuid === call.memberUuid && c.state === 'answered'), 'call answered');
    await gw.records!.writer.flush();

    proxy.cut();
    fs.hangupCaller(call.callerUuid);
    // Out of the process within moments of the failed write: a crash now would lose nothing either.
    await waitFor(async () => (await redis.hexists(`${config.keyPrefix}records:spool:data`, call.memberUuid)) === 1, 'the record in the Redis spool', 10_000);
    assert.deepEqual(await rows(db.url, 'SELECT * FROM call_records'), []);

    await gw.stop();
    gw = await start();
    assert.equal(gw.records!.ready, false, 'the database is still cut');
    assert.equal(gw.kpis!.snapshot().seeded, false);
    proxy.restore();
    await waitFor(async () => (await rows(db.url, 'SELECT count(*)::int AS n FROM call_records'))[0].n === 1, 'the record written', 60_000);
    await waitFor(async () => (await redis.zcard(`${config.keyPrefix}records:spool`)) === 0, 'the spool emptied');
    await gw.records!.writer.flush();
    const stored = await rows(db.url, 'SELECT member_uuid, outcome, agent, caller_name FROM call_records');
    assert.deepEqual(stored, [{ member_uuid: call.memberUuid, outcome: 'answered', agent: '1001@default', caller_name: 'Alice' }]);
    // The KPI seed waited for the spool: the new process counts the call it never saw end, once.
    await waitFor(() => gw.kpis!.snapshot().seeded, 'KPIs seeded', 30_000);
    assert.equal(gw.kpis!.liveFigures('today', {}).figures.offered, 1);
    assert.equal(gw.kpis!.liveFigures('today', {}).figures.answered, 1);
  } finally {
    await gw.stop().catch(() => undefined);
    redis.disconnect();
    await fs.stop();
    await proxy.close();
    await server.stop();
    await db.drop();
  }
});
