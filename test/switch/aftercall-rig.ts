/**
 * The after-call work files of the real-switch tier (aftercall*.test.ts) share this: one private
 * real switch per file, a gateway and a desk logged in as 1001 per test. Skipped without a
 * FreeSWITCH binary (see tier.ts).
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DeskClient, waitFor } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { findSwitch, RealSwitch } from './switch.js';
import { RealTarget, startGatewayOn, type GatewayOnTarget } from './targets.js';

export const QUEUE = 'support@default';
export const A = '1001@default';
const PASSWORD = 'pw-1001-secret';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const where = findSwitch();
const skip = 'skip' in where && process.env.REQUIRE_REAL_SWITCH !== '1' ? `real-switch tier skipped: ${where.skip}` : false;

/** The agent's wrap_up_time as `agent list` prints it. */
export async function switchWrapUp(real: RealTarget): Promise<number> {
  const table = await real.api('callcenter_config agent list');
  const [head, ...rows] = table.trim().split('\n');
  const cols = head!.split('|');
  const row = rows.map((r) => r.split('|')).find((f) => f[0] === A);
  assert.ok(row, table);
  return Number(row[cols.indexOf('wrap_up_time')]);
}

/** Member UUIDs waiting in the queue, as `queue list members` prints them. */
export async function waitingMembers(real: RealTarget): Promise<string[]> {
  const table = await real.api(`callcenter_config queue list members ${QUEUE}`);
  const [head, ...rows] = table.trim().split('\n');
  const cols = head!.split('|');
  return rows.filter((r) => r.includes('|')).map((r) => r.split('|')).filter((f) => f[cols.indexOf('state')] === 'Waiting').map((f) => f[cols.indexOf('uuid')]!);
}

export interface AftercallRig {
  readonly real: () => RealTarget;
  /** The switch's event socket (port, password) for a listener of the test's own. */
  readonly esl: () => { port: number; password: string };
  /** A gateway on the switch, agent 1001 with `wrapUpTime` and a phone that answers, a desk logged in Ready. */
  setUp(wrapUpTime: number, env?: Record<string, string>): Promise<{ g: GatewayOnTarget; d: DeskClient }>;
  tearDown(g: GatewayOnTarget, d: DeskClient): Promise<void>;
}

/** A describe() with one real switch for its tests. */
export function describeOnRealSwitch(title: string, body: (rig: AftercallRig) => void): void {
  describe(title, { skip }, () => {
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
    body({
      real: () => real,
      esl: () => ({ port: real.eslPort, password: real.eslPassword }),
      async setUp(wrapUpTime, env = {}) {
        const g = await startGatewayOn(real, redis, env);
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
      },
      async tearDown(g, d) {
        d.close();
        await g.stop();
        await real.reset();
        await real.api(`callcenter_config tier del ${QUEUE} ${A}`).catch(() => '');
        await real.api(`callcenter_config agent del ${A}`).catch(() => '');
      },
    });
  });
}
