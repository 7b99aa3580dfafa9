/**
 * The real-switch tier: every scenario of scenarios.ts runs on the FreeSWITCH double and on a
 * private real FreeSWITCH (vanilla conf + freeswitch-conf/, baresip phones), asserting the same
 * REST/WebSocket behaviour on both, and the same callcenter events and list replies underneath
 * unless a difference is explained in src/fsdouble/DIFFERENCES.md.
 *
 * The scenarios are spread over a few test files (each one switch, run in parallel by npm test;
 * each file stays well inside the runner's 120 s per-file limit).
 *
 * No FreeSWITCH binary (FREESWITCH_BIN, default /opt/freeswitch/bin/freeswitch): the tier is one
 * skipped test with the reason (in the file that reports it); with REQUIRE_REAL_SWITCH=1 (CI)
 * that is a failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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
    await new Promise((r) => setTimeout(r, t.kind === 'real' ? 2000 : 300));
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

export interface TierOptions {
  /** This file prints the tier's one "skipped" line when there is no switch. */
  readonly reportSkip?: boolean;
  /** More tests on the same real switch (real-only checks of freeswitch-conf). */
  readonly extra?: (real: () => RealTarget) => void;
}

/** Defines the tests of `names` (scenarios.ts) in the calling test file. */
export function defineTier(title: string, names: ReadonlyArray<string | Scenario>, opts: TierOptions = {}): void {
  const where = findSwitch();
  const required = process.env.REQUIRE_REAL_SWITCH === '1';
  if ('skip' in where && !required) {
    if (opts.reportSkip) test('real-switch tier', { skip: `real-switch tier skipped: ${where.skip}` }, () => undefined);
    return;
  }
  const chosen = names.map((n) => {
    if (typeof n !== 'string') return n;
    const s = SCENARIOS.find((x) => x.name === n);
    if (!s) throw new Error(`no scenario ${n}`);
    return s;
  });
  describe(title, () => {
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
    for (const s of chosen.filter((x) => !process.env.SCENARIO || x.name === process.env.SCENARIO)) {
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

    if (!process.env.SCENARIO) opts.extra?.(() => real!);
  });
}
