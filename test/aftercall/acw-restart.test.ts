/**
 * After-call state across a gateway restart (issue 10 §4, "nothing is lost"):
 * the pending next status and the after-call work of the moment are kept in
 * Redis, so a new gateway process on the same Redis and switch (the double)
 * applies the next status at the call's end and shows the reconnecting page
 * its ACW with the same end time; ending it early still works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { ADMIN, DeskClient, waitFor } from '../helpers/stack.js';
import { raw } from '../helpers/http.js';
import { passwordOf, QUEUE } from '../realtime/desk-helpers.js';

const A = '1001@default';

interface Restartable {
  fs: FreeSwitchDouble;
  redis: TestRedis;
  config: Config;
  gw: Gateway;
  /** Stops the gateway (its pages lose their sockets) and starts a new one on the same switch, Redis and port settings. */
  restart(): Promise<void>;
  /** The same in two steps, for things to happen while no gateway listens. */
  down(): Promise<void>;
  up(): Promise<void>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

async function gateway(config: Config): Promise<Gateway> {
  const gw = await startGateway({ config, logger: process.env.TEST_LOG ? createLogger('debug') : silentLogger(), resyncIntervalMs: 0, eslBackoff: { initialMs: 20, maxMs: 200 } });
  await waitFor(() => gw.callCenter.ready && gw.view.queues.size > 0 && gw.calls.rebuilds > 0, 'gateway connected and resynced');
  return gw;
}

async function start(env: Record<string, string> = {}): Promise<Restartable> {
  const fs = await FreeSwitchDouble.start({ ringMs: 30 });
  const redis = await startRedis();
  const config = loadConfig({
    ESL_PORT: String(fs.port),
    HTTP_PORT: '0',
    XML_CURL_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `r${randomBytes(4).toString('hex')}:`,
    ADMIN_TOKEN: ADMIN,
    ESL_COMMAND_TIMEOUT_MS: '2000',
    CALL_RECORDS: 'off',
    DISPOSITION_REQUIRED_QUEUES: QUEUE,
    ...env,
  });
  const r: Restartable = {
    fs,
    redis,
    config,
    gw: await gateway(config),
    async restart() {
      await r.down();
      await r.up();
    },
    async down() {
      await r.gw.stop();
    },
    async up() {
      r.gw = await gateway(config);
    },
    async api(method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await raw(r.gw.url, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: res.body };
    },
    async stop() {
      await r.gw.stop().catch(() => undefined);
      await fs.stop();
      await redis.stop();
    },
  };
  return r;
}

async function agentReady(r: Restartable, wrapUpS: number): Promise<{ desk: DeskClient; token: string }> {
  assert.equal((await r.api('POST', '/api/agents', { name: A, contact: `null/agent-1001`, password: passwordOf(A) })).status, 201);
  assert.equal((await r.api('POST', '/api/tiers', { queue: QUEUE, agent: A })).status, 201);
  assert.equal((await r.api('PATCH', `/api/agents/${A}`, { wrapUpTime: wrapUpS })).status, 200);
  const desk = await DeskClient.open(r.gw.url);
  const ack = await desk.request({ type: 'login', agent: A, password: passwordOf(A), ready: true });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await desk.next('snapshot');
  return { desk, token: (ack as { token: string }).token };
}

/** The page after the restart: resumes with its token; the new process has no buffer, so it sends a snapshot. */
async function resumed(r: Restartable, token: string, lastSeq: number) {
  const desk = await DeskClient.open(r.gw.url);
  const ack = await desk.request({ type: 'resume', agent: A, token, lastSeq });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return { desk, snapshot: await desk.next('snapshot') };
}

const lastSeqOf = (desk: DeskClient) => Math.max(0, ...desk.received.flatMap((m) => ('seq' in m && typeof m.seq === 'number' ? [m.seq] : [])));

test('gateway restarted mid-call with a next status pending: the new process shows it, keeps the guard, applies it once at the call’s end; no waiting caller slips in', async () => {
  const r = await start({ DISPOSITION_REQUIRED_QUEUES: '' });
  try {
    const { desk, token } = await agentReady(r, 0);
    const first = r.fs.injectCaller({ number: '15550003333', name: 'First', destination: '7000' });
    await desk.next('call.bridged');
    await waitFor(() => r.fs.agent(A)?.state === 'In a queue call', 'agent in a queue call');
    const asked = await desk.request({ type: 'next-status', status: 'On Break', reason: 'lunch' });
    assert.equal(asked.type, 'ack', JSON.stringify(asked));
    assert.equal(r.fs.agent(A)?.wrapUpTime, 3, 'the guard wrap-up');
    const redis = new Redis(r.redis.url);
    try {
      const kept = JSON.parse((await redis.hget(`${r.config.keyPrefix}acw:next`, A)) ?? 'null');
      assert.deepEqual([kept?.status, kept?.reason, typeof kept?.id], ['On Break', 'lunch', 'string']);
      assert.ok((await redis.pttl(`${r.config.keyPrefix}acw:next`)) > 0, 'the hash has a TTL');
    } finally {
      redis.disconnect();
    }

    const lastSeq = lastSeqOf(desk);
    await r.restart();
    desk.ws.terminate();
    const page = await resumed(r, token, lastSeq);
    assert.deepEqual(page.snapshot.nextStatus, { status: 'On Break', reason: 'lunch' });
    // The guard an earlier process set stays while its next status is pending.
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(r.fs.agent(A)?.wrapUpTime, 3);

    const second = r.fs.injectCaller({ number: '15550004444', name: 'Second', destination: '7000' });
    await waitFor(() => r.fs.members(QUEUE).some((m) => m.uuid === second.memberUuid), 'second caller queued');
    const from = r.fs.received.length;
    r.fs.hangupCaller(first.callerUuid);
    const status = await page.desk.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(status.reason, 'lunch');
    await page.desk.next('agent.next-status', (m) => m.status === null);
    await waitFor(() => r.fs.agent(A)?.wrapUpTime === 0, 'the agent’s own wrap-up time (0) back');
    assert.equal(r.fs.received.slice(from).filter((c) => c.includes(`set status ${A} 'On Break'`)).length, 1);
    await new Promise((res) => setTimeout(res, 3200));
    assert.equal(page.desk.received.some((m) => m.type === 'call.offered' && m.memberUuid === second.memberUuid), false);
    assert.ok(r.fs.members(QUEUE).some((m) => m.uuid === second.memberUuid && m.state === 'Waiting'));
    const check = new Redis(r.redis.url);
    try {
      assert.equal(await check.hget(`${r.config.keyPrefix}acw:next`, A), null, 'applied: gone from Redis');
    } finally {
      check.disconnect();
    }
    page.desk.close();
  } finally {
    await r.stop();
  }
});

test('gateway restarted during after-call work: the reconnecting page’s snapshot has the ACW with the same end time; a disposition and acw.end still work', async () => {
  const r = await start();
  try {
    const { desk, token } = await agentReady(r, 30);
    const first = r.fs.injectCaller({ number: '15550001111', name: 'First', destination: '7000' });
    await desk.next('call.bridged');
    r.fs.hangupCaller(first.callerUuid);
    const started = await desk.next('acw.started');
    assert.equal(started.wrapUpS, 30);
    const second = r.fs.injectCaller({ number: '15550002222', name: 'Second', destination: '7000' });
    await waitFor(() => r.fs.members(QUEUE).some((m) => m.uuid === second.memberUuid && m.state === 'Waiting'), 'second caller waiting');

    const lastSeq = lastSeqOf(desk);
    await r.restart();
    desk.ws.terminate();
    const page = await resumed(r, token, lastSeq);
    const acw = page.snapshot.acw;
    assert.ok(acw, JSON.stringify(page.snapshot));
    assert.deepEqual(
      [acw.memberUuid, acw.queue, acw.startedAt, acw.endsAt, acw.wrapUpS, acw.required, acw.disposition],
      [first.memberUuid, QUEUE, started.startedAt, started.endsAt, 30, true, null],
    );

    // The call is still one of the agent's recent calls for the new process; the disposition is kept with the ACW.
    const filed = await page.desk.request({ type: 'call.disposition', memberUuid: first.memberUuid, code: 'resolved', notes: 'after the restart' });
    assert.equal(filed.type, 'ack', JSON.stringify(filed));
    const redis = new Redis(r.redis.url);
    try {
      const stored = JSON.parse((await redis.hget(`${r.config.keyPrefix}acw:work`, A)) ?? 'null');
      assert.deepEqual(stored?.disposition, { code: 'resolved', notes: 'after the restart' });
    } finally {
      redis.disconnect();
    }
    assert.equal(page.desk.received.some((m) => m.type === 'call.offered'), false, 'still in wrap-up');
    const from = r.fs.received.length;
    const ended = await page.desk.request({ type: 'acw.end' });
    assert.equal(ended.type, 'ack', JSON.stringify(ended));
    assert.ok(r.fs.received.slice(from).includes(`api callcenter_config agent set wrap_up_time ${A} 0`));
    const acwEnded = await page.desk.next('acw.ended');
    assert.deepEqual([acwEnded.memberUuid, acwEnded.reason], [first.memberUuid, 'agent']);
    const offered = await page.desk.next('call.offered');
    assert.equal(offered.memberUuid, second.memberUuid);
    await page.desk.next('call.bridged');
    await waitFor(() => r.fs.agent(A)?.wrapUpTime === 30, 'wrap_up_time 30 again');
    const check = new Redis(r.redis.url);
    try {
      assert.equal(await check.hget(`${r.config.keyPrefix}acw:work`, A), null, 'ended: gone from Redis');
    } finally {
      check.disconnect();
    }
    r.fs.hangupCaller(second.callerUuid);
    page.desk.close();
  } finally {
    await r.stop();
  }
});

test('the call ends while no gateway listens: the next gateway applies the pending next status once it has connected, and puts the guard back', async () => {
  const r = await start({ DISPOSITION_REQUIRED_QUEUES: '' });
  try {
    const { desk } = await agentReady(r, 0);
    const call = r.fs.injectCaller({ number: '15550006666', name: 'Gone', destination: '7000' });
    await desk.next('call.bridged');
    await waitFor(() => r.fs.agent(A)?.state === 'In a queue call', 'agent in a queue call');
    const asked = await desk.request({ type: 'next-status', status: 'Logged Out' });
    assert.equal(asked.type, 'ack', JSON.stringify(asked));
    await r.down();
    desk.ws.terminate();
    r.fs.hangupCaller(call.callerUuid);
    await waitFor(() => r.fs.agent(A)?.state === 'Waiting', 'the switch ended the call');
    assert.equal(r.fs.agent(A)?.status, 'Available');
    const from = r.fs.received.length;
    await r.up();
    await waitFor(() => r.fs.agent(A)?.status === 'Logged Out', 'logged out by the new gateway');
    await waitFor(() => r.fs.agent(A)?.wrapUpTime === 0, 'the guard put back');
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(r.fs.received.slice(from).filter((c) => c.includes(`agent set status ${A}`)), [`api callcenter_config agent set status ${A} 'Logged Out'`]);
    const check = new Redis(r.redis.url);
    try {
      assert.equal(await check.hget(`${r.config.keyPrefix}acw:next`, A), null);
    } finally {
      check.disconnect();
    }
  } finally {
    await r.stop();
  }
});
