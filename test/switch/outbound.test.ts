/**
 * Outbound calls (click to dial) on the real FreeSWITCH with baresip phones: the agent's phone
 * (1001) rings and answers, then the customer's (1002, reached through the configured
 * `loopback/{number}/default/XML` route and the vanilla dialplan) with the configured caller ID;
 * bridged; meanwhile a queue caller (1003) is not offered to the agent (callcenter_track); the
 * customer hangs up → the action ends, its call record is written, and the waiting caller is
 * offered to the agent at once. A queue caller arriving while the agent's own phone still rings
 * for a click-to-dial is not offered either (callcenter_track runs from execute_on_originate), and
 * is offered once that call ends.
 *
 * Skipped without a FreeSWITCH binary (REQUIRE_REAL_SWITCH=1 makes that a failure), like tier.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { findSwitch, RealSwitch } from './switch.js';
import { RealTarget } from './targets.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ADMIN, waitFor } from '../helpers/stack.js';
import { raw } from '../helpers/http.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, silentLogger } from '../../src/log.js';

const AGENT = '1001@default';
const where = findSwitch();
const required = process.env.REQUIRE_REAL_SWITCH === '1';

if ('skip' in where && !required) {
  test('outbound calls on the real switch', { skip: `real-switch tier skipped: ${where.skip}` }, () => undefined);
} else {
  describe('outbound calls on the real switch', () => {
    let fs: RealSwitch;
    let t: RealTarget;
    let redis: TestRedis;
    let db: TestDatabase;
    let gw: Gateway;
    let pool: pg.Pool;
    const api = async (method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await raw(gw.url, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: res.body };
    };

    before(async () => {
      if ('skip' in where) throw new Error(`REQUIRE_REAL_SWITCH=1 but ${where.skip}`);
      [fs, redis, db] = await Promise.all([RealSwitch.start(where), startRedis(), createTestDatabase()]);
      t = new RealTarget(fs);
      pool = new pg.Pool({ connectionString: db.url, max: 2 });
      const config = loadConfig({
        ESL_PORT: String(fs.eslPort),
        ESL_PASSWORD: fs.secrets.eslPassword,
        HTTP_PORT: '0',
        REDIS_URL: redis.url,
        API_TOKENS: `boss:admin:${ADMIN}`,
        ESL_COMMAND_TIMEOUT_MS: '10000',
        DATABASE_URL: db.url,
        OUTBOUND_ALLOW: '1002:4',
        OUTBOUND_CALLER_IDS: 'support@default=+15550001000:Support',
        OUTBOUND_ROUTE: 'loopback/{number}/default/XML',
        OUTBOUND_AGENT_RING_S: '15',
      });
      gw = await startGateway({ config, logger: process.env.TEST_LOG ? createLogger('debug') : silentLogger(), resyncIntervalMs: 0, eslBackoff: { initialMs: 50, maxMs: 500 } });
      await waitFor(() => gw.callCenter.ready && gw.view.queues.size > 0 && gw.records?.ready === true, 'gateway connected, records database open', 30000);
    });
    after(async () => {
      await gw?.stop();
      await t?.stop();
      await pool?.end();
      await redis?.stop();
      await db?.drop();
    });

    test('agent phone answers, customer phone answers with the queue caller ID, bridged; no queue call meanwhile; hangup ends it', async () => {
      const contact = await t.agentPhone('1001', true);
      await t.agentPhone('1002', true);
      assert.equal((await api('POST', '/api/agents', { name: AGENT, contact, status: 'Available' })).status, 201);
      assert.equal((await api('POST', '/api/tiers', { queue: 'support@default', agent: AGENT })).status, 201);

      const seen: Array<[string, string]> = [];
      gw.outbound!.on('state', (x) => seen.push([x.id, x.state]));
      const dial = await api('POST', '/api/outbound', { agent: AGENT, number: '1002', idempotencyKey: 'real-switch-1' });
      assert.equal(dial.status, 201, JSON.stringify(dial.body));
      const id: string = dial.body.id;
      let a = dial.body;
      await waitFor(async () => (a = (await api('GET', `/api/outbound/${id}`)).body).state === 'bridged', 'bridged', 30000);
      assert.equal(a.callerId, '+15550001000');
      // The switch counts the tracked call on the agent.
      assert.match(await fs.api(`callcenter_config agent list ${AGENT}`), /\|1\n/, 'external_calls_count 1');

      // A caller joins the queue while the agent talks to the customer: it is not offered.
      const caller = await t.call({ name: 'Queued', digits: '4242#' });
      await waitFor(() => [...gw.view.members.values()].some((m) => m.queue === 'support@default'), 'the caller waits in the queue', 30000);
      await new Promise((r) => setTimeout(r, 3000));
      const waiting = [...gw.view.members.values()].find((m) => m.queue === 'support@default');
      assert.equal(waiting?.servingAgent ?? '', '', `not offered while on the outbound call (${JSON.stringify(waiting)})`);
      assert.equal(gw.view.agents.get(AGENT)?.state, 'Waiting');
      assert.equal((await api('GET', `/api/outbound/${id}`)).body.state, 'bridged', 'the loopback route bowed out and the call is still bridged');

      // The customer hangs up: the action ends, the record is written, the queue caller is offered.
      await t.hangupAgent('1002');
      await waitFor(async () => (a = (await api('GET', `/api/outbound/${id}`)).body).state === 'ended', 'ended', 20000);
      assert.equal(a.cause, 'NORMAL_CLEARING');
      const states = seen.filter(([x]) => x === id).map(([, st]) => st);
      assert.deepEqual(states, ['new', 'sent', 'agent-ringing', 'agent-answered', 'customer-ringing', 'bridged', 'ended'], 'every state, in order, from the channel events');
      await waitFor(() => gw.view.agents.get(AGENT)?.state === 'In a queue call', 'the waiting caller offered to and answered by the agent', 20000);
      assert.match(await fs.api(`callcenter_config agent list ${AGENT}`), /\|0\n/, 'external_calls_count back to 0');
      await gw.outbound!.settled();
      const rec = await pool.query('SELECT direction, agent, caller_number, outcome, hangup_cause FROM call_records WHERE member_uuid = $1', [id]);
      assert.deepEqual(rec.rows, [{ direction: 'outbound', agent: AGENT, caller_number: '1002', outcome: 'answered', hangup_cause: 'NORMAL_CLEARING' }]);
      await caller.hangup();
    });

    test('while the agent\'s phone rings for a click-to-dial, a queue caller is not offered to it; it is once the dial ends', async () => {
      // The last test's queue call may still be ending on the switch: a dial is refused (AGENT_BUSY) until it has.
      await waitFor(() => gw.view.agents.get(AGENT)?.state === 'Waiting', 'the agent out of the last test\'s queue call', 20000);
      await t.agentPhone('1001', false);
      // States from the service's events (polling GET /api/outbound would meet the REST rate limit).
      const states = new Map<string, string>();
      gw.outbound!.on('state', (x) => states.set(x.id, x.state));
      const dial = await api('POST', '/api/outbound', { agent: AGENT, number: '1002', idempotencyKey: 'real-switch-ring' });
      assert.equal(dial.status, 201, JSON.stringify(dial.body));
      const id: string = dial.body.id;
      await waitFor(() => states.get(id) === 'agent-ringing', 'the agent\'s phone rings', 20000);
      // Counted from the leg's creation, not from its answer.
      assert.match(await fs.api(`callcenter_config agent list ${AGENT}`), /\|1\n/, 'external_calls_count 1 while ringing');
      const caller = await t.call({ name: 'Queued', digits: '4242#' });
      try {
        await waitFor(() => [...gw.view.members.values()].some((m) => m.queue === 'support@default'), 'the caller waits in the queue', 30000);
        await new Promise((r) => setTimeout(r, 2000));
        assert.equal(states.get(id), 'agent-ringing', 'the caller arrived while the agent\'s phone still rang (ring time 15 s)');
        const waiting = [...gw.view.members.values()].find((m) => m.queue === 'support@default');
        assert.equal(waiting?.servingAgent ?? '', '', `not offered while the agent's phone rings for the dial (${JSON.stringify(waiting)})`);
        assert.equal(gw.view.agents.get(AGENT)?.state, 'Waiting');
        // The agent does not answer: the dial fails, the leg ends, and the caller is offered.
        await waitFor(() => states.get(id) === 'failed', 'the dial failed', 30000);
        await waitFor(() => gw.view.agents.get(AGENT)?.state === 'Receiving', 'the waiting caller offered to the agent', 20000);
      } finally {
        await caller.hangup();
      }
      await waitFor(() => gw.view.agents.get(AGENT)?.state === 'Waiting', 'the agent free again', 20000);
    });

    test('the agent does not answer: the action fails with the switch\'s cause and nothing reaches the customer', async () => {
      await t.agentPhone('1001', false);
      const customer = await t.agentPhone('1002', true);
      assert.ok(customer);
      const states = new Map<string, string>();
      gw.outbound!.on('state', (x) => states.set(x.id, x.state));
      const dial = await api('POST', '/api/outbound', { agent: AGENT, number: '1002' });
      assert.equal(dial.status, 201, JSON.stringify(dial.body));
      await waitFor(() => states.get(dial.body.id) === 'failed', 'failed', 30000);
      const a = (await api('GET', `/api/outbound/${dial.body.id}`)).body;
      assert.equal(a.cause, 'NO_ANSWER');
      assert.equal(a.answeredAt, null);
      assert.match(await fs.api(`callcenter_config agent list ${AGENT}`), /\|0\n/, 'the count (taken while it rang) is undone when the leg ends');
      const audit = await api('GET', `/api/audit?agent=${encodeURIComponent(AGENT)}&limit=20`);
      assert.ok((audit.body as any[]).some((e) => e.command.startsWith('originate ') && e.ok === false && e.reply.startsWith('-ERR NO_ANSWER')), 'the originate and its reply are audited');
    });
  });
}
