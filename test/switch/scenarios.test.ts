/**
 * The real-switch tier: every scenario of scenarios.ts runs on the FreeSWITCH double and on a
 * private real FreeSWITCH (vanilla conf + freeswitch-conf/, baresip phones), asserting the same
 * REST/WebSocket behaviour on both, and the same callcenter events underneath unless a
 * difference is explained in src/fsdouble/DIFFERENCES.md.
 *
 * No FreeSWITCH binary (FREESWITCH_BIN, default /opt/freeswitch/bin/freeswitch): the real-switch
 * half is one skipped test with the reason; with REQUIRE_REAL_SWITCH=1 (CI) that is a failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { ccEvents, diffEvents, diffReplies, unexplained, type CcEvent } from './fidelity.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { findSwitch, RealSwitch } from './switch.js';
import { DoubleTarget, EventRecorder, RealTarget, startGatewayOn, type Target } from './targets.js';

interface Outcome {
  readonly observed: unknown;
  readonly events: CcEvent[];
  /** Replies to the list commands at the end of the scenario (what a resync reads). */
  readonly lists: Readonly<Record<string, string>>;
}

const LISTS = ['callcenter_config agent list', 'callcenter_config tier list'] as const;

/** Runs one scenario on a target with a fresh gateway, then removes what it created. */
async function runOn(t: Target, redis: TestRedis, s: Scenario): Promise<Outcome> {
  const rec = await EventRecorder.start(t);
  const g = await startGatewayOn(t, redis);
  try {
    const observed = await s.run({ t, g, rec }).catch((e: unknown) => {
      throw new Error(`${s.name} on the ${t.kind === 'real' ? 'real switch' : 'double'}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    });
    // Let trailing events (agent-state-change after a hangup) arrive before comparing.
    await new Promise((r) => setTimeout(r, t.kind === 'real' ? 3000 : 300));
    const lists: Record<string, string> = {};
    for (const cmd of LISTS) lists[cmd] = await t.api(cmd);
    return { observed, events: ccEvents(rec.events()), lists };
  } finally {
    await g.stop();
    rec.close();
    await t.reset();
    // Back to an empty switch for the next scenario (no events reach anyone now).
    await t.api('callcenter_config tier del support@default 1001@default').catch(() => '');
    await t.api('callcenter_config agent del 1001@default').catch(() => '');
  }
}

const where = findSwitch();
const required = process.env.REQUIRE_REAL_SWITCH === '1';

if ('skip' in where && !required) {
  test('real-switch tier', { skip: `real-switch tier skipped: ${where.skip}` }, () => undefined);
} else {
  describe('scenarios on the double and the real switch', () => {
    let redis: TestRedis;
    let real: RealTarget | null = null;
    before(async () => {
      if ('skip' in where) throw new Error(`REQUIRE_REAL_SWITCH=1 but ${where.skip}`);
      redis = await startRedis();
      real = new RealTarget(await RealSwitch.start(where));
    });
    after(async () => {
      await real?.stop();
      await redis?.stop();
    });

    // SCENARIO=name runs one scenario (while working on it).
    for (const s of SCENARIOS.filter((x) => !process.env.SCENARIO || x.name === process.env.SCENARIO)) {
      test(s.name, async () => {
        const double = await DoubleTarget.start();
        let onDouble: Outcome;
        try {
          onDouble = await runOn(double, redis, s);
        } finally {
          await double.stop();
        }
        const onReal = await runOn(real!, redis, s);
        if (process.env.SWITCH_TRACE) writeFileSync(`${process.env.SWITCH_TRACE}/${s.name}.json`, JSON.stringify({ real: onReal, double: onDouble }, null, 1));
        assert.deepEqual(onReal.observed, onDouble.observed, 'the gateway shows the same on both targets');
        const diffs = unexplained([...diffEvents(s.name, onReal.events, onDouble.events), ...LISTS.flatMap((cmd) => diffReplies(s.name, cmd, onReal.lists[cmd]!, onDouble.lists[cmd]!))]);
        assert.deepEqual(diffs, [], 'differences between real switch and double not listed in src/fsdouble/DIFFERENCES.md');
      });
    }

    // freeswitch-conf: without the sound package the account-number step cannot work; the
    // dialplan says so in the log instead of failing silently. (Real switch only: the double has
    // no dialplan.)
    test('7000 without its prompt files logs an ERR naming the sound package', { skip: !!process.env.SCENARIO }, async () => {
      const t = real!;
      const prompt = join(t.fs.dir, 'sounds/en/us/callie/ivr/8000/ivr-please_enter_the.wav');
      const saved = readFileSync(prompt);
      rmSync(prompt);
      try {
        const caller = await t.call({ name: 'Grace' });
        await waitFor(() => /7000: prompt .*ivr-please_enter_the\.wav is missing.*freeswitch-sounds-en-us-callie/.test(t.fs.log()), 'the ERR line in freeswitch.log', 15000);
        await caller.hangup();
      } finally {
        writeFileSync(prompt, saved);
        await t.reset();
      }
    });
  });
}
