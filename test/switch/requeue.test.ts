/**
 * The re-queue stall on the real switch (issue 10): one caller blind-transferred back into its own
 * queue again and again, each transfer sent the moment the desk hears `call.bridged` (that is, on
 * mod_callcenter's bridge-agent-start, which comes before its own uuid_bridge of the caller). Before
 * the gateway waited for the caller's CHANNEL_BRIDGE to the agent leg, the switch left a `Waiting`
 * member row behind on most rounds and the caller stalled after ~7 (README "Call controls"). Now every
 * round is answered again and the queue holds one member row, the current one.
 *
 * Skipped without a FreeSWITCH binary (REQUIRE_REAL_SWITCH=1 makes that a failure), like tier.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findSwitch, RealSwitch } from './switch.js';
import { EventRecorder, RealTarget, startGatewayOn, startRedis, type GatewayOnTarget } from './targets.js';
import { createAgent, desk } from './scenarios.js';
import type { TestRedis } from '../helpers/redis.js';

const ROUNDS = 10;
const where = findSwitch();
const required = process.env.REQUIRE_REAL_SWITCH === '1';

if ('skip' in where && !required) {
  test('re-queue loop on the real switch', { skip: `real-switch tier skipped: ${where.skip}` }, () => undefined);
} else {
  describe('re-queue loop on the real switch', () => {
    let t: RealTarget;
    let redis: TestRedis;
    let rec: EventRecorder;
    let g: GatewayOnTarget;

    before(async () => {
      if ('skip' in where) throw new Error(`REQUIRE_REAL_SWITCH=1 but ${where.skip}`);
      [t, redis] = await Promise.all([RealSwitch.start(where).then((fs) => new RealTarget(fs)), startRedis()]);
      rec = await EventRecorder.start(t);
      g = await startGatewayOn(t, redis);
    });
    after(async () => {
      await g?.stop();
      rec?.close();
      await t?.stop();
      await redis?.stop();
    });

    test(`${ROUNDS} transfers of one caller back into its own queue, each at call.bridged: answered every time, one member row left`, async () => {
      await createAgent({ t, g, rec }, await t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk({ t, g, rec }, true);
      const caller = await t.call({ name: 'Requeue', digits: '4242#' });
      let current = await d.next('call.bridged', () => true, 30000);
      const seen = [current.memberUuid];
      for (let i = 1; i <= ROUNDS; i++) {
        const r = await d.request({ type: 'call.transfer', kind: 'queue', to: 'support@default' });
        assert.equal(r.type, 'ack', `round ${i}: ${JSON.stringify(r)}`);
        current = await d.next('call.bridged', (m) => !seen.includes(m.memberUuid), 30000);
        assert.equal(current.callerNumber, '1003', `round ${i}: the same caller`);
        seen.push(current.memberUuid);
      }
      // The switch's own table: only the episode being talked on.
      const rows = (await t.api('callcenter_config queue list members support@default')).trim().split('\n').slice(1).filter((l) => l.includes('|'));
      assert.equal(rows.length, 1, rows.join('\n'));
      assert.ok(rows[0]!.includes(current.memberUuid), `the row is the current episode's: ${rows[0]}`);
      await caller.hangup();
      await d.next('call.ended', (m) => m.memberUuid === current.memberUuid, 30000);
      d.close();
    });
  });
}
