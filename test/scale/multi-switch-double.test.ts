/**
 * One gateway over two FreeSWITCH doubles that share mod_callcenter's agents and
 * tiers (one CallcenterDatabase, as two boxes on mod_pgsql) and keep their own
 * calls, members and events (ESL_HOSTS=fs1@…,fs2@…): agent commands go to one
 * box and are seen on both; calls of each box reach the desks; a control on a
 * box-2 call is sent to box 2 only; box 1 stopping ends its calls on the desk and
 * in the model while its agent is freed and gets box 2's calls; box 1 back is
 * merged in again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger, createLogger } from '../../src/log.js';
import { CallcenterDatabase, FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { raw } from '../helpers/http.js';
import { DeskClient, waitFor } from '../helpers/stack.js';
import { passwordOf, QUEUE } from '../realtime/desk-helpers.js';

const ADMIN = 'admin-token-0123456789';
const A = '1001@default';
const B = '1002@default';

interface Rig {
  db: CallcenterDatabase;
  fs1: FreeSwitchDouble;
  fs2: FreeSwitchDouble;
  redis: TestRedis;
  gw: Gateway;
  stop(): Promise<void>;
}

async function startRig(): Promise<Rig> {
  const db = new CallcenterDatabase();
  const fs1 = await FreeSwitchDouble.start({ ringMs: 30, database: db, hostname: 'box1', instanceId: 'fs1' });
  const fs2 = await FreeSwitchDouble.start({ ringMs: 30, database: db, hostname: 'box2', instanceId: 'fs2' });
  const redis = await startRedis();
  const config = loadConfig({
    ESL_HOSTS: `fs1@127.0.0.1:${fs1.port},fs2@127.0.0.1:${fs2.port}`,
    HTTP_PORT: '0',
    XML_CURL_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `m${randomBytes(3).toString('hex')}:`,
    ADMIN_TOKEN: ADMIN,
    CALL_RECORDS: 'off',
    ESL_COMMAND_TIMEOUT_MS: '2000',
    RATE_LIMIT_PER_MINUTE: '100000',
  });
  const logger = process.env.TEST_LOG ? createLogger('debug') : silentLogger();
  const gw = await startGateway({ config, logger, resyncIntervalMs: 0, eslBackoff: { initialMs: 20, maxMs: 200 } });
  await waitFor(() => gw.switches().every((s) => s.connected) && gw.callCenter.ready && gw.calls.rebuilds > 0, 'the gateway connected to both switches', 10_000);
  return {
    db,
    fs1,
    fs2,
    redis,
    gw,
    async stop() {
      await gw.stop().catch(() => undefined);
      await fs1.stop();
      await fs2.stop();
      await redis.stop();
    },
  };
}

async function api(gw: Gateway, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return raw(gw.url, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

async function addAgent(gw: Gateway, name: string): Promise<void> {
  const created = await api(gw, 'POST', '/api/agents', { name, contact: `null/agent-${name.split('@')[0]}`, password: passwordOf(name) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const tier = await api(gw, 'POST', '/api/tiers', { queue: QUEUE, agent: name });
  assert.equal(tier.status, 201, JSON.stringify(tier.body));
}

async function login(gw: Gateway, agent: string, ready: boolean): Promise<DeskClient> {
  const desk = await DeskClient.open(gw.url);
  const ack = await desk.request({ type: 'login', agent, password: passwordOf(agent), ready });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await desk.next('snapshot');
  return desk;
}

/** Commands a double received since `from` that contain `text`. */
function sent(fs: FreeSwitchDouble, text: string, from = 0): string[] {
  return fs.received.slice(from).filter((c) => c.includes(text));
}

test('ESL_HOSTS over two doubles sharing agents and tiers: commands routed per box, a dead box ends its calls, its agent is freed, the box back is merged', async () => {
  const r = await startRig();
  const { fs1, fs2, gw } = r;
  try {
    // Agents and tiers: written once, on the first switch; both boxes see the rows.
    await addAgent(gw, A);
    await addAgent(gw, B);
    assert.equal(sent(fs1, 'agent add').length, 2);
    assert.deepEqual(sent(fs2, 'agent add'), []);
    assert.deepEqual(sent(fs2, 'tier add'), []);
    assert.equal(fs2.agent(A)?.contact, 'null/agent-1001');
    assert.equal(fs2.tiers().length, 2);

    // A logs in ready: the status is set once, on one box, and both boxes list it.
    const deskA = await login(gw, A, true);
    await waitFor(() => fs2.agent(A)?.status === 'Available', 'A Available as box 2 reads it');
    assert.equal(sent(fs1, `agent set status ${A}`).length + sent(fs2, `agent set status ${A}`).length, 1);

    // A caller on box 2 reaches A (box 2 offers the shared agent); the desk gets it.
    const on2 = fs2.injectCaller({ number: '4930111', name: 'Zweiter', destination: '7000' });
    const offered = await deskA.next('call.offered', (m) => m.memberUuid === on2.memberUuid);
    assert.equal(offered.callerNumber, '4930111');
    await deskA.next('call.bridged');
    const call2 = gw.calls.get(on2.memberSessionUuid);
    assert.ok(call2?.agentLegUuid, 'the call model has box 2\'s call with its agent leg');

    // A control on box 2's call goes to box 2 only.
    const before1 = fs1.received.length;
    const before2 = fs2.received.length;
    const hung = await deskA.request({ type: 'call.hangup' });
    assert.equal(hung.type, 'ack', JSON.stringify(hung));
    await deskA.next('call.ended');
    assert.equal(sent(fs2, `uuid_kill ${call2.agentLegUuid}`, before2).length, 1);
    assert.deepEqual(sent(fs1, 'uuid_kill', before1), []);
    fs2.hangupCaller(on2.callerUuid);
    await waitFor(() => gw.calls.get(on2.memberSessionUuid) === undefined, 'box 2 call gone from the model');

    // One call on each box at once: A takes box 1's, B box 2's; both desks see theirs.
    await waitFor(() => fs1.agent(A)?.state === 'Waiting', 'A waiting again');
    const on1 = fs1.injectCaller({ number: '4930222', name: 'Erster', destination: '7000' });
    await deskA.next('call.bridged', (m) => m.memberUuid === on1.memberUuid);
    const deskB = await login(gw, B, true);
    const on2b = fs2.injectCaller({ number: '4930333', name: 'Dritter', destination: '7000' });
    await deskB.next('call.bridged', (m) => m.memberUuid === on2b.memberUuid);
    assert.ok(gw.calls.get(on1.memberSessionUuid) && gw.calls.get(on2b.memberSessionUuid), 'calls of both boxes in one model');

    // Box 1 dies: its call ends on A's desk and in the model; box 2's call stays; the gateway stays ready.
    await fs1.stop();
    await deskA.next('call.ended', (m) => m.memberUuid === on1.memberUuid, 10_000);
    await waitFor(() => gw.calls.get(on1.memberSessionUuid) === undefined, 'box 1 call gone from the model', 10_000);
    assert.ok(gw.calls.get(on2b.memberSessionUuid), 'box 2 call kept');
    // The shared members table still has box 1's caller (a dead box cleans nothing up); the view leaves it out.
    assert.ok([...r.db.members.values()].some((m) => m.sessionUuid === on1.memberSessionUuid && m.instanceId === 'fs1'));
    await gw.callCenter.resync();
    assert.equal([...gw.view.members.values()].some((m) => m.sessionUuid === on1.memberSessionUuid), false);
    assert.ok([...gw.view.members.values()].some((m) => m.sessionUuid === on2b.memberSessionUuid));
    const ready = await raw(gw.url, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.switches, [
      { id: 'fs1', connected: false },
      { id: 'fs2', connected: true },
    ]);
    assert.equal(gw.view.agents.get(A)?.status, 'Available', 'A stays logged in');

    // A was left "In a queue call" in the shared rows by the dead box: the gateway frees it, and box 2 offers it a call.
    await waitFor(() => r.db.agents.get(A)?.state === 'Waiting', `A freed (is ${r.db.agents.get(A)?.state})`, 10_000);
    const on2c = fs2.injectCaller({ number: '4930444', name: 'Vierter', destination: '7000' });
    await deskA.next('call.offered', (m) => m.memberUuid === on2c.memberUuid, 10_000);
    await deskA.next('call.bridged', (m) => m.memberUuid === on2c.memberUuid);

    // Agent commands go to the box that is up.
    const patched = await api(gw, 'PATCH', `/api/agents/${encodeURIComponent(B)}`, { maxNoAnswer: 3 });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(r.db.agents.get(B)?.maxNoAnswer, 3);

    // Both calls end; box 1 comes back (its database reset, as load_config does) with a caller waiting
    // while every agent is on break: the view merges the members of both boxes.
    fs2.hangupCaller(on2b.callerUuid);
    fs2.hangupCaller(on2c.callerUuid);
    await waitFor(() => gw.calls.size === 0, 'no calls left', 10_000);
    for (const desk of [deskA, deskB]) {
      const res = await desk.request({ type: 'busy', reason: 'break' });
      assert.equal(res.type, 'ack', JSON.stringify(res));
    }
    await waitFor(() => r.db.agents.get(A)?.status === 'On Break' && r.db.agents.get(B)?.status === 'On Break', 'both on break');
    const waiting2 = fs2.injectCaller({ number: '4930555', name: 'Fuenfter', destination: '7000' });
    await fs1.restart();
    await waitFor(() => gw.switches().every((s) => s.connected), 'box 1 reconnected', 10_000);
    const waiting1 = fs1.injectCaller({ number: '4930666', name: 'Sechster', destination: '7000' });
    await waitFor(
      () => [...gw.view.members.values()].filter((m) => m.sessionUuid === waiting1.memberSessionUuid || m.sessionUuid === waiting2.memberSessionUuid).length === 2,
      'members of both boxes in the view',
      10_000,
    );
    await gw.callCenter.resync();
    const sessions = new Set([...gw.view.members.values()].map((m) => m.sessionUuid));
    assert.ok(sessions.has(waiting1.memberSessionUuid) && sessions.has(waiting2.memberSessionUuid), 'a resync lists the members of both boxes');
    assert.ok(gw.calls.get(waiting1.memberSessionUuid) && gw.calls.get(waiting2.memberSessionUuid), 'both waiting calls in the model');
    deskA.close();
    deskB.close();
  } finally {
    await r.stop();
  }
});

test('ESL_HOSTS with one switch down at start: ready on the other, the first joins when it comes up; /readyz 503 only with both down', async () => {
  const db = new CallcenterDatabase();
  // Each box its own cc-instance-id: a box's restart resets its own rows only (one shared id would abandon the other's callers).
  const fs1 = await FreeSwitchDouble.start({ ringMs: 30, database: db, instanceId: 'box1' });
  const fs2 = await FreeSwitchDouble.start({ ringMs: 30, database: db, instanceId: 'box2' });
  await fs1.stop();
  const redis = await startRedis();
  const config = loadConfig({
    ESL_HOSTS: `127.0.0.1:${fs1.port},127.0.0.1:${fs2.port}`,
    HTTP_PORT: '0',
    XML_CURL_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `m${randomBytes(3).toString('hex')}:`,
    ADMIN_TOKEN: ADMIN,
    CALL_RECORDS: 'off',
    ESL_COMMAND_TIMEOUT_MS: '2000',
  });
  const gw = await startGateway({ config, logger: silentLogger(), resyncIntervalMs: 0, eslBackoff: { initialMs: 20, maxMs: 200 } });
  try {
    await waitFor(() => gw.callCenter.ready && gw.calls.rebuilds > 0, 'ready on the second switch', 10_000);
    const ids = gw.switches().map((s) => s.id);
    assert.deepEqual(ids, [`127.0.0.1:${fs1.port}`, `127.0.0.1:${fs2.port}`], 'ids derived from host:port');
    let ready = await raw(gw.url, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.switches, [
      { id: ids[0], connected: false },
      { id: ids[1], connected: true },
    ]);
    // The first switch in ESL_HOSTS is down: agent commands go to the one that is up.
    await addAgent(gw, A);
    assert.equal(sent(fs2, 'agent add').length, 1);
    const w2 = fs2.injectCaller({ number: '4930777', name: 'Sieben', destination: '7000' });
    await waitFor(() => [...gw.view.members.values()].some((m) => m.sessionUuid === w2.memberSessionUuid), 'box 2 caller in the view');

    await fs1.restart();
    await waitFor(() => gw.switches().every((s) => s.connected), 'the first switch joined', 10_000);
    const w1 = fs1.injectCaller({ number: '4930888', name: 'Acht', destination: '7000' });
    await waitFor(() => gw.calls.get(w1.memberSessionUuid) !== undefined && gw.calls.get(w2.memberSessionUuid) !== undefined, 'callers of both boxes in the model');
    await gw.callCenter.resync();
    const waiting = new Set([...gw.view.members.values()].map((m) => m.sessionUuid));
    assert.ok(waiting.has(w1.memberSessionUuid) && waiting.has(w2.memberSessionUuid), 'members of both boxes after a resync');
    // A control on box 1's caller: to box 1 only (its uuid learnt from box 1's events).
    const from2 = fs2.received.length;
    const hung = await api(gw, 'POST', `/api/calls/active/${w1.memberSessionUuid}/hangup`);
    assert.equal(hung.status, 200, JSON.stringify(hung.body));
    assert.equal(sent(fs1, `uuid_kill ${w1.memberSessionUuid}`).length, 1);
    assert.deepEqual(sent(fs2, 'uuid_kill', from2), []);

    await fs1.stop();
    await fs2.stop();
    await waitFor(() => !gw.callCenter.ready, 'no switch up');
    ready = await raw(gw.url, 'GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body.switches, [
      { id: ids[0], connected: false },
      { id: ids[1], connected: false },
    ]);
  } finally {
    await gw.stop().catch(() => undefined);
    await fs1.stop();
    await fs2.stop();
    await redis.stop();
  }
});
