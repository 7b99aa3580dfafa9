/**
 * After-call work on the real FreeSWITCH (baresip phones, a private switch): what the double
 * tests (test/aftercall/) assume about mod_callcenter, proven here.
 * - acw.end: `wrap_up_time 0` makes an agent in wrap-up routable at once (a waiting caller is
 *   offered), and the gateway puts the agent's own wrap-up time back with the next call, which
 *   then keeps a new caller away again for that call's wrap-up.
 * - next status: asked for during the call, applied at bridge-agent-end with the wrap-up guard;
 *   a caller waiting in the queue is not offered; the control without a next status shows the
 *   window there would be (wrap-up 0: the waiting caller is offered at once).
 * Skipped without a FreeSWITCH binary (see tier.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeskClient, waitFor } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { findSwitch, RealSwitch } from './switch.js';
import { RealTarget, startGatewayOn, type GatewayOnTarget } from './targets.js';

const QUEUE = 'support@default';
const A = '1001@default';
const PASSWORD = 'pw-1001-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const where = findSwitch();
const skip = 'skip' in where && process.env.REQUIRE_REAL_SWITCH !== '1' ? `real-switch tier skipped: ${where.skip}` : false;

/** The agent's wrap_up_time as `agent list` prints it. */
async function switchWrapUp(real: RealTarget): Promise<number> {
  const table = await real.api('callcenter_config agent list');
  const [head, ...rows] = table.trim().split('\n');
  const cols = head!.split('|');
  const row = rows.map((r) => r.split('|')).find((f) => f[0] === A);
  assert.ok(row, table);
  return Number(row[cols.indexOf('wrap_up_time')]);
}

async function waitingMembers(real: RealTarget): Promise<string[]> {
  const table = await real.api(`callcenter_config queue list members ${QUEUE}`);
  const [head, ...rows] = table.trim().split('\n');
  const cols = head!.split('|');
  return rows.filter((r) => r.includes('|')).map((r) => r.split('|')).filter((f) => f[cols.indexOf('state')] === 'Waiting').map((f) => f[cols.indexOf('uuid')]!);
}

describe('after-call work on the real switch', { skip }, () => {
  let redis: TestRedis;
  let real: RealTarget;
  before(async () => {
    if ('skip' in where) throw new Error(`REQUIRE_REAL_SWITCH=1 but ${where.skip}`);
    redis = await startRedis();
    real = new RealTarget(await RealSwitch.start(where));
  });
  after(async () => {
    await real?.stop();
    await redis?.stop();
  });

  async function setUp(wrapUpTime: number): Promise<{ g: GatewayOnTarget; d: DeskClient }> {
    const g = await startGatewayOn(real, redis);
    const contact = await real.agentPhone('1001', true);
    const r = await g.api('POST', '/api/agents', { name: A, contact, password: PASSWORD, wrapUpTime });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const t = await g.api('POST', '/api/tiers', { queue: QUEUE, agent: A });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const d = await DeskClient.open(g.url);
    const reply = await d.request({ type: 'login', agent: A, password: PASSWORD, ready: true });
    assert.equal(reply.type, 'ack', JSON.stringify(reply));
    await d.next('snapshot');
    await waitFor(() => g.gw.view.agents.get(A)?.status === 'Available', 'agent Available', 15000);
    return { g, d };
  }

  async function tearDown(g: GatewayOnTarget, d: DeskClient): Promise<void> {
    d.close();
    await g.stop();
    await real.reset();
    await real.api(`callcenter_config tier del ${QUEUE} ${A}`).catch(() => '');
    await real.api(`callcenter_config agent del ${A}`).catch(() => '');
  }

  test('acw.end: wrap_up_time 0 offers the waiting caller at once; the own wrap-up time is back with that call and holds the next caller off', async () => {
    const { g, d } = await setUp(30);
    try {
      const first = await real.call({ name: 'First', digits: '1111#' });
      const bridged = await d.next('call.bridged', () => true, 30000);
      await sleep(1000);
      const second = await real.call({ name: 'Second', digits: '2222#' });
      await waitFor(async () => (await waitingMembers(real)).length === 1, 'second caller waiting', 30000);
      await first.hangup();
      const started = await d.next('acw.started', (m) => m.memberUuid === bridged.memberUuid, 30000);
      assert.equal(started.wrapUpS, 30);
      // In wrap-up the switch does not offer the waiting caller (the agent shows Waiting meanwhile).
      await sleep(4000);
      assert.equal(d.received.some((m) => m.type === 'call.offered' && m.memberUuid !== bridged.memberUuid), false);
      assert.equal((await waitingMembers(real)).length, 1);

      const ended = await d.request({ type: 'acw.end' });
      assert.equal(ended.type, 'ack', JSON.stringify(ended));
      assert.equal(await switchWrapUp(real), 0);
      // Offered long before the 30 s wrap-up would have ended.
      const offered = await d.next('call.offered', (m) => m.memberUuid !== bridged.memberUuid, 10000);
      await d.next('call.bridged', (m) => m.memberUuid === offered.memberUuid, 30000);
      await waitFor(async () => (await switchWrapUp(real)) === 30, 'wrap_up_time 30 again', 10000);
      await sleep(1000);

      // The restored value is what the switch applies at this call's end: a new caller waits.
      const third = await real.call({ name: 'Third', digits: '3333#' });
      await waitFor(async () => (await waitingMembers(real)).length === 1, 'third caller waiting', 30000);
      await second.hangup();
      const again = await d.next('acw.started', (m) => m.memberUuid === offered.memberUuid, 30000);
      assert.equal(again.wrapUpS, 30);
      await sleep(4000);
      assert.equal(d.received.filter((m) => m.type === 'call.offered').length, 2);
      assert.equal((await waitingMembers(real)).length, 1);
      await third.hangup();
    } finally {
      await tearDown(g, d);
    }
  });

  test('next status On Break: applied at the end of the call, the waiting caller is not offered; without it (wrap-up 0) the caller is offered at once', async () => {
    const { g, d } = await setUp(0);
    try {
      const first = await real.call({ name: 'First', digits: '1111#' });
      const bridged = await d.next('call.bridged', () => true, 30000);
      await waitFor(() => g.gw.view.agents.get(A)?.state === 'In a queue call', 'in a queue call', 10000);
      const asked = await d.request({ type: 'next-status', status: 'On Break', reason: 'lunch' });
      assert.equal(asked.type, 'ack', JSON.stringify(asked));
      assert.equal(await switchWrapUp(real), 3);
      const second = await real.call({ name: 'Second', digits: '2222#' });
      await waitFor(async () => (await waitingMembers(real)).length === 1, 'second caller waiting', 30000);
      await sleep(1000);
      await first.hangup();
      const onBreak = await d.next('agent.status', (m) => m.status === 'On Break', 15000);
      assert.equal(onBreak.reason, 'lunch');
      await d.next('agent.next-status', (m) => m.status === null, 10000);
      await waitFor(async () => (await switchWrapUp(real)) === 0, 'wrap_up_time 0 again', 10000);
      // Well past the guard: never offered to the agent, still waiting in the queue.
      await sleep(5000);
      assert.equal(d.received.some((m) => m.type === 'call.offered' && m.memberUuid !== bridged.memberUuid), false);
      assert.equal((await waitingMembers(real)).length, 1);

      // Control: Ready, the second caller comes; a third waits; with no next status and wrap-up 0
      // the end of the call offers the third caller at once: that is the window the guard closes.
      assert.equal((await d.request({ type: 'ready' })).type, 'ack');
      const offered = await d.next('call.offered', (m) => m.memberUuid !== bridged.memberUuid, 15000);
      await d.next('call.bridged', (m) => m.memberUuid === offered.memberUuid, 30000);
      await sleep(1000);
      const third = await real.call({ name: 'Third', digits: '3333#' });
      await waitFor(async () => (await waitingMembers(real)).length === 1, 'third caller waiting', 30000);
      await second.hangup();
      const next = await d.next('call.offered', (m) => m.memberUuid !== offered.memberUuid && m.memberUuid !== bridged.memberUuid, 10000);
      assert.ok(next.memberUuid);
      await third.hangup();
    } finally {
      await tearDown(g, d);
    }
  });
});
