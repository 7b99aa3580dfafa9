/**
 * Work that must happen once across instances (README, "Running more than
 * one"): two gateway instances in this process on one FreeSWITCH double, one
 * Redis and one PostgreSQL database. Counted at the double: a next status is
 * sent once at the call's end (runOnce keyed by the call), an outbound request
 * retried on the other instance with the same idempotency key, or sent by both
 * at once, dials once (the database's unique key and its `new` → `sent` claim).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { raw } from '../helpers/http.js';
import { DeskClient, waitFor } from '../helpers/stack.js';
import { passwordOf, QUEUE } from '../realtime/desk-helpers.js';

const ADMIN = 'admin-token-0123456789';
const A = '1001@default';
const B = '1002@default';
const C = '1003@default';
const NUMBER = '+15551230800';

let fs: FreeSwitchDouble;
let redis: TestRedis;
let db: TestDatabase;
let pool: pg.Pool;
const gws: Gateway[] = [];

async function api(gw: Gateway, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return raw(gw.url, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

const sent = (from: number, what: (c: string) => boolean) => fs.received.slice(from).filter(what);

describe('work done once by two instances', () => {
  before(async () => {
    fs = await FreeSwitchDouble.start({ ringMs: 30 });
    redis = await startRedis();
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const prefix = `o${randomBytes(3).toString('hex')}:`;
    for (const id of ['gwA', 'gwB']) {
      const config = loadConfig({
        ESL_PORT: String(fs.port),
        HTTP_PORT: '0',
        XML_CURL_PORT: '0',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: prefix,
        ADMIN_TOKEN: ADMIN,
        RATE_LIMIT_PER_MINUTE: '100000',
        ESL_COMMAND_TIMEOUT_MS: '3000',
        DATABASE_URL: db.url,
        DESK_STREAM: 'redis',
        INSTANCE_ID: id,
        DISPOSITION_REQUIRED_QUEUES: '',
        OUTBOUND_ALLOW: '+1555:11',
        OUTBOUND_CALLER_ID: '+15550001000:Main',
        OUTBOUND_ROUTE: 'sofia/gateway/pstn/{number}',
      });
      const logger = process.env.TEST_LOG ? createLogger('debug').child({ instance: id }) : silentLogger();
      gws.push(await startGateway({ config, logger, resyncIntervalMs: 0, eslBackoff: { initialMs: 20, maxMs: 200 } }));
    }
    await waitFor(() => gws.every((g) => g.callCenter.ready && g.calls.rebuilds > 0 && g.records?.ready === true), 'both instances connected, records database open', 60_000);
    const [ga] = gws as [Gateway];
    for (const [name, contact] of [[A, 'null/agent-1001'], [B, 'user/1002'], [C, 'user/1003']] as const) {
      assert.equal((await api(ga, 'POST', '/api/agents', { name, contact, password: passwordOf(name) })).status, 201);
    }
    assert.equal((await api(ga, 'POST', '/api/tiers', { queue: QUEUE, agent: A })).status, 201);
    await waitFor(() => gws.every((g) => [A, B, C].every((n) => g.view.agents.has(n))), 'both instances see the agents');
  });

  after(async () => {
    for (const g of gws) await g.stop().catch(() => undefined);
    await pool?.end();
    await fs?.stop();
    await redis?.stop();
    await db?.drop();
  });

  test('next status asked on A: at the call’s end both instances read it, the switch gets one status change', async () => {
    const [ga, gb] = gws as [Gateway, Gateway];
    const desk = await DeskClient.open(ga.url);
    try {
      const ack = await desk.request({ type: 'login', agent: A, password: passwordOf(A), ready: true });
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      await waitFor(() => gb.desk.channel(A) !== undefined, 'B follows the agent');
      const call = fs.injectCaller({ number: '15550003333', name: 'First', destination: '7000' });
      await desk.next('call.bridged');
      await waitFor(() => gws.every((g) => g.view.agents.get(A)?.state === 'In a queue call'), 'both see the agent in a queue call');
      const asked = await desk.request({ type: 'next-status', status: 'On Break', reason: 'lunch' });
      assert.equal(asked.type, 'ack', JSON.stringify(asked));
      const from = fs.received.length;
      fs.hangupCaller(call.callerUuid);
      await desk.next('agent.status', (m) => m.status === 'On Break');
      await desk.next('agent.next-status', (m) => m.status === null);
      await waitFor(() => fs.agent(A)?.wrapUpTime === 0, 'the guard wrap-up put back');
      // Both instances have handled the end by now (each saw the event); give a late one time to act anyway.
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(sent(from, (c) => c.includes(`agent set status ${A}`)), [`api callcenter_config agent set status ${A} 'On Break'`]);
      assert.equal(sent(from, (c) => c.includes(`agent set wrap_up_time ${A}`)).length, 1, 'the guard is put back once');
      assert.equal(fs.agent(A)?.status, 'On Break');
    } finally {
      desk.close();
    }
  });

  test('an outbound request retried on the other instance with the same idempotency key dials once; the same key sent to both at once dials once', async () => {
    const [ga, gb] = gws as [Gateway, Gateway];
    const from = fs.received.length;
    const key = `crm-${randomUUID().slice(0, 8)}`;
    const first = await api(ga, 'POST', '/api/outbound', { agent: B, number: NUMBER, idempotencyKey: key });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const retry = await api(gb, 'POST', '/api/outbound', { agent: B, number: NUMBER, idempotencyKey: key });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.id, first.body.id);

    const key2 = `crm-${randomUUID().slice(0, 8)}`;
    const both = await Promise.all(gws.map((g) => api(g, 'POST', '/api/outbound', { agent: C, number: NUMBER, idempotencyKey: key2 })));
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 201], JSON.stringify(both.map((r) => r.body)));
    assert.equal(both[0]!.body.id, both[1]!.body.id);

    await waitFor(async () => (await pool.query("SELECT count(*)::int AS n FROM outbound_actions WHERE state NOT IN ('new', 'sent')")).rows[0].n === 2, 'both actions under way');
    await new Promise((r) => setTimeout(r, 300));
    const originates = sent(from, (c) => c.startsWith('bgapi originate'));
    assert.equal(originates.length, 2, originates.join('\n'));
    assert.equal(originates.filter((c) => c.includes(`cc_outbound_action=${first.body.id}`)).length, 1);
    assert.equal(originates.filter((c) => c.includes(`cc_outbound_action=${both[0]!.body.id}`)).length, 1);
    for (const id of [first.body.id, both[0]!.body.id]) {
      const leg = (await pool.query('SELECT agent_leg_uuid FROM outbound_actions WHERE id = $1', [id])).rows[0].agent_leg_uuid;
      fs.api(`uuid_kill ${leg}`);
    }
    await waitFor(async () => (await pool.query("SELECT count(*)::int AS n FROM outbound_actions WHERE state NOT IN ('ended', 'failed')")).rows[0].n === 0, 'both actions ended');
  });

  test('an action left `new` (its instance died before sending): both instances resume after a reconnect, one originate', async () => {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO outbound_actions (id, agent, idempotency_key, number, caller_id_number, caller_id_name, queue, requested_by, role, state, agent_leg_uuid, customer_leg_uuid)
       VALUES ($1, $2, $3, $4, '+15550001000', 'Main', '', 'rest:test', 'api', 'new', $5, $6)`,
      [id, B, `left-${id.slice(0, 8)}`, NUMBER, randomUUID(), randomUUID()],
    );
    const from = fs.received.length;
    const reconnects = gws.map((g) => g.callCenter.linkState().reconnects);
    fs.dropConnections();
    await waitFor(() => gws.every((g, k) => g.callCenter.linkState().reconnects > reconnects[k]! && g.callCenter.ready), 'both reconnected');
    await waitFor(async () => (await pool.query('SELECT state FROM outbound_actions WHERE id = $1', [id])).rows[0].state !== 'new', 'the action claimed');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sent(from, (c) => c.startsWith('bgapi originate') && c.includes(`cc_outbound_action=${id}`)).length, 1);
    const leg = (await pool.query('SELECT agent_leg_uuid FROM outbound_actions WHERE id = $1', [id])).rows[0].agent_leg_uuid;
    await waitFor(async () => ['agent-answered', 'customer-ringing', 'bridged', 'ended', 'failed'].includes((await pool.query('SELECT state FROM outbound_actions WHERE id = $1', [id])).rows[0].state), 'under way');
    fs.api(`uuid_kill ${leg}`);
  });
  // Last: it stops instance A.
  test('the page’s instance stops mid-call: the other instance applies the next status at the call’s end, once', async () => {
    const [ga, gb] = gws as [Gateway, Gateway];
    assert.equal((await api(gb, 'PATCH', `/api/agents/${A}`, { status: 'Available' })).status, 200);
    await waitFor(() => gws.every((g) => g.view.agents.get(A)?.status === 'Available'), 'agent available again');
    const desk = await DeskClient.open(ga.url);
    const ack = await desk.request({ type: 'login', agent: A, password: passwordOf(A), ready: true });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    const call = fs.injectCaller({ number: '15550005555', name: 'Second', destination: '7000' });
    await desk.next('call.bridged');
    await waitFor(() => gws.every((g) => g.view.agents.get(A)?.state === 'In a queue call'), 'both see the agent in a queue call');
    const asked = await desk.request({ type: 'next-status', status: 'Logged Out' });
    assert.equal(asked.type, 'ack', JSON.stringify(asked));
    await ga.stop();
    desk.ws.terminate();
    const from = fs.received.length;
    fs.hangupCaller(call.callerUuid);
    await waitFor(() => fs.agent(A)?.status === 'Logged Out', 'B logged the agent out');
    await waitFor(() => fs.agent(A)?.wrapUpTime === 0, 'B put back the guard A had set');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(sent(from, (c) => c.includes(`agent set status ${A}`)), [`api callcenter_config agent set status ${A} 'Logged Out'`]);
  });
});
