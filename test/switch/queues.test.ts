/**
 * Real-switch tier for queues over REST (issue 12): a private FreeSWITCH 1.10.12 whose
 * mod_xml_curl points at the gateway (freeswitch-conf/autoload_configs/xml_curl.conf.xml),
 * baresip agent phones, callers originated into the 7099 extension (queue named by a variable).
 * The same behaviour on the double is in test/queues/queues-double.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { raw } from '../helpers/http.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/stack.js';
import { findSwitch, RealSwitch } from './switch.js';
import { EventRecorder, RealTarget } from './targets.js';

const ADMIN = 'admin-token-queues-0123';
const SALES = 'sales@default';
const A1 = '1001@default';
const A2 = '1002@default';
const actor = { source: 'demo' as const, id: 'test' };

interface Gw {
  readonly gw: Gateway;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

async function gatewayOn(sw: RealSwitch, redis: TestRedis, databaseUrl: string): Promise<Gw> {
  const config = loadConfig({
    ESL_PORT: String(sw.eslPort),
    ESL_PASSWORD: sw.secrets.eslPassword,
    HTTP_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    API_TOKENS: `boss:admin:${ADMIN}`,
    RATE_LIMIT_PER_MINUTE: '100000',
    ESL_COMMAND_TIMEOUT_MS: '10000',
    DATABASE_URL: databaseUrl,
    // Where the switch's xml_curl.conf points (test/switch/conf.ts), with its password.
    XML_CURL_PORT: String(sw.ports.xmlCurl),
    XML_CURL_PASSWORD: sw.secrets.xmlCurlPassword,
  });
  const gw = await startGateway({ config, logger: process.env.TEST_LOG ? createLogger('debug') : silentLogger(), resyncIntervalMs: 0, eslBackoff: { initialMs: 50, maxMs: 500 } });
  await waitFor(() => gw.callCenter.ready && gw.view.queues.size > 0 && gw.records?.ready === true, 'gateway connected, resynced, records open', 30_000);
  return {
    gw,
    async api(method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await raw(gw.url, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: res.body };
    },
  };
}

/** `queue list` of the switch as name → row. */
async function queueList(t: RealTarget): Promise<Map<string, Record<string, string>>> {
  const lines = (await t.api('callcenter_config queue list')).trim().split('\n');
  const cols = lines[0]!.split('|');
  return new Map(lines.slice(1, -1).map((l) => {
    const v = l.split('|');
    return [v[0]!, Object.fromEntries(cols.map((c, i) => [c, v[i] ?? '']))];
  }));
}

/** A caller into `queue` through 7099 (freeswitch-conf's queue-by-variable extension). */
async function callInto(t: RealTarget, queue: string, number: string): Promise<string> {
  const uuid = randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const reply = await t.fs.api(`originate {origination_uuid=${uuid},origination_caller_id_number=${number},cc_target_queue=${queue}}loopback/7099/default &park`, 20_000);
  assert.match(reply, /^\+OK/, reply);
  return uuid;
}

/** Ends a caller: its member leg (loopback-b, in the queue) and the originated -a leg. */
async function hangUp(t: RealTarget, memberSession: string | undefined, caller: string): Promise<void> {
  if (memberSession) await t.api(`uuid_kill ${memberSession}`);
  await t.api(`uuid_kill ${caller}`);
}

const where = findSwitch();
const required = process.env.REQUIRE_REAL_SWITCH === '1';

describe('queues over REST on the real switch (mod_xml_curl)', { skip: 'skip' in where && !required ? `real-switch tier skipped: ${'skip' in where ? where.skip : ''}` : false }, () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let t: RealTarget;
  let g: Gw | null = null;
  let rec: EventRecorder;

  before(async () => {
    if ('skip' in where) throw new Error(`REQUIRE_REAL_SWITCH=1 but ${where.skip}`);
    db = await createTestDatabase();
    redis = await startRedis();
    t = new RealTarget(await RealSwitch.start(where));
    rec = await EventRecorder.start(t);
    g = await gatewayOn(t.fs, redis, db.url);
  });
  after(async () => {
    rec?.close();
    await g?.gw.stop();
    await t?.stop();
    await redis?.stop();
    await db?.drop();
  });

  test('the bundle\'s switch loads mod_xml_curl with the shipped xml_curl.conf', async () => {
    assert.equal((await t.api('module_exists mod_xml_curl')).trim(), 'true');
    assert.match(await t.api('xml_curl debug_on'), /OK|on/i);
    await t.api('xml_curl debug_off');
  });

  test('a queue created over REST is fetched by the switch and receives a call routed to it', async () => {
    const r = await g!.api('POST', '/api/queues', { name: SALES, params: { strategy: 'longest-idle-agent', 'moh-sound': 'local_stream://moh', 'max-wait-time': 600 } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.switch, { command: `callcenter_config queue load ${SALES}`, reply: '+OK' });
    const row = (await queueList(t)).get(SALES);
    assert.equal(row?.strategy, 'longest-idle-agent');
    assert.equal(row?.max_wait_time, '600', 'the switch runs what the gateway served');

    for (const [agent, ext, pos] of [[A1, '1001', 1], [A2, '1002', 2]] as const) {
      await g!.gw.callCenter.createAgent({ name: agent, contact: await t.agentPhone(ext, true), status: 'Available' }, actor);
      await g!.gw.callCenter.addTier(SALES, agent, 1, pos, actor);
    }
    const caller = await callInto(t, SALES, '15550101');
    const bridged = await rec.waitFor('bridge-agent-start', (i) => i.headers.get('CC-Queue') === SALES, 30_000);
    const member = bridged.headers.get('CC-Member-UUID');
    const offers = rec.events().filter((i) => i.headers.get('CC-Action') === 'agent-offering' && i.headers.get('CC-Member-UUID') === member);
    assert.equal(offers.length, 1, 'longest-idle-agent offers one agent at a time');
    await hangUp(t, bridged.headers.get('CC-Member-Session-UUID'), caller);
    await rec.waitFor('bridge-agent-end', (i) => i.headers.get('CC-Member-UUID') === member, 30_000);
  });

  test('a strategy change takes effect on the next call (ring-all offers both agents)', async () => {
    const r = await g!.api('PATCH', `/api/queues/${SALES}`, { params: { strategy: 'ring-all' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.switch, { command: `callcenter_config queue reload ${SALES}`, reply: '+OK' });
    assert.equal((await queueList(t)).get(SALES)?.strategy, 'ring-all');
    // Both agents back to Waiting, and past the second in which the last call ended (the switch compares whole seconds).
    await waitFor(async () => (await g!.gw.callCenter.listAgents(actor)).every((a) => a.state === 'Waiting'), 'agents waiting again', 20_000);
    await new Promise((res) => setTimeout(res, 1500));
    const caller = await callInto(t, SALES, '15550102');
    const start = await rec.waitFor('member-queue-start', (i) => i.headers.get('CC-Member-CID-Number') === '15550102', 30_000);
    const member = start.headers.get('CC-Member-UUID');
    const story = () => rec.events().filter((i) => i.headers.get('CC-Member-UUID') === member).map((i) => `${i.headers.get('CC-Action')}:${i.headers.get('CC-Agent') ?? ''}`).join(', ');
    const bridged = await rec.waitFor('bridge-agent-start', (i) => i.headers.get('CC-Member-UUID') === member, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}; this caller's events: ${story()}`);
    });
    const offered = new Set(rec.events().filter((i) => i.headers.get('CC-Action') === 'agent-offering' && i.headers.get('CC-Member-UUID') === member).map((i) => i.headers.get('CC-Agent')));
    assert.deepEqual([...offered].sort(), [A1, A2], 'ring-all: every available agent is offered the call');
    await hangUp(t, bridged.headers.get('CC-Member-Session-UUID'), caller);
    await rec.waitFor('bridge-agent-end', (i) => i.headers.get('CC-Member-UUID') === member, 30_000);
  });

  test('a bad parameter is refused before anything reaches the switch', async () => {
    const before = (await queueList(t)).get(SALES);
    for (const params of [{ strategy: 'fastest' }, { 'max-wait-time': 86_401 }, { 'record-template': '/tmp/${system(id)}.wav' }]) {
      const r = await g!.api('PATCH', `/api/queues/${SALES}`, { params });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      const c = await g!.api('POST', '/api/queues', { name: 'bad@default', params });
      assert.equal(c.status, 400, JSON.stringify(c.body));
    }
    assert.deepEqual((await queueList(t)).get(SALES), before, 'the switch still runs the last good definition');
    assert.equal((await queueList(t)).has('bad@default'), false);
    assert.match(await t.api('callcenter_config queue load bad@default'), /^-ERR Invalid Queue not found!/, 'nothing was stored for the switch to fetch');
  });

  test('delete: refused with a caller waiting; forced, the switch keeps the caller on hold with no agent until it hangs up', async () => {
    for (const a of [A1, A2]) await g!.gw.callCenter.setAgentStatus(a, 'On Break', actor);
    const caller = await callInto(t, SALES, '15550103');
    const start = await rec.waitFor('member-queue-start', (i) => i.headers.get('CC-Member-CID-Number') === '15550103', 30_000);
    const member = start.headers.get('CC-Member-UUID');
    const refused = await g!.api('DELETE', `/api/queues/${SALES}`);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'QUEUE_HAS_CALLERS');
    const forced = await g!.api('DELETE', `/api/queues/${SALES}?force=true`);
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.equal(forced.body.removedTiers, 2);
    assert.deepEqual(forced.body.switch, { command: `callcenter_config queue unload ${SALES}`, reply: '+OK' });
    assert.equal(forced.body.waitingCallers, 1);
    assert.equal((await queueList(t)).has(SALES), false);
    // What FreeSWITCH 1.10.12 does with the caller: the dispatcher deletes its member row ("Queue
    // sales@default not found locally, delete this member") and its member thread stops ("Queue
    // sales@default not found"), but the callcenter application keeps the caller on hold music:
    // no agent is offered the call, and no member-queue-end comes until the caller hangs up.
    await waitFor(async () => (await t.api(`callcenter_config queue count members ${SALES}`)).trim() === '0', 'the switch dropped the member row', 20_000);
    const session = start.headers.get('CC-Member-Session-UUID')!;
    const offered = () => rec.events().some((i) => i.headers.get('CC-Action') === 'agent-offering' && i.headers.get('CC-Member-UUID') === member);
    if ((await t.api('show channels')).includes(session)) {
      // The usual outcome: held with no agent and no member-queue-end until the caller hangs up.
      assert.equal(rec.events().some((i) => i.headers.get('CC-Action') === 'member-queue-end' && i.headers.get('CC-Member-UUID') === member), false);
      await hangUp(t, session, caller);
      const end = await rec.waitFor('member-queue-end', (i) => i.headers.get('CC-Member-UUID') === member, 30_000);
      assert.equal(end.headers.get('CC-Cause'), 'Cancel');
      process.stdout.write(`forced delete, caller hung up later: member-queue-end CC-Cancel-Reason=${end.headers.get('CC-Cancel-Reason')}\n`);
    } else {
      // Seen once in a loaded CI run: the caller's leg was already gone right after the unload (the
      // callcenter application ended when its queue vanished). Either way no agent is offered it.
      process.stdout.write('forced delete: the caller had already left the switch\n');
      await hangUp(t, undefined, caller).catch(() => undefined);
    }
    assert.equal(offered(), false, 'no agent is offered a caller of a deleted queue');
  });

  test('a gateway that is down when the switch restarts does not break the queues of the files; back up, it loads its own', async () => {
    const again = await g!.api('POST', '/api/queues', { name: SALES, params: { strategy: 'random' } });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    await g!.gw.stop();
    g = null;
    // Nobody listens on the xml_curl port now: every lookup fails, the switch reads its files.
    assert.equal((await t.api('callcenter_config queue reload support@default')).trim(), '+OK');
    await t.restart();
    await rec.reconnect();
    const rows = await queueList(t);
    assert.equal(rows.get('support@default')?.strategy, 'longest-idle-agent', 'the files\' queue, as callcenter.conf.xml defines it');
    assert.equal(rows.has(SALES), false, 'the gateway\'s queue waits for the gateway');
    assert.match(await t.api('callcenter_config queue load sales@default'), /^-ERR Invalid Queue not found!/);

    g = await gatewayOn(t.fs, redis, db.url);
    await waitFor(async () => (await queueList(t)).get(SALES)?.strategy === 'random', 'the gateway loaded its queue after connecting', 20_000);
  });
});
