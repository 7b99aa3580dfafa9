/**
 * What the several-switches router costs: command round trips over one EslClient
 * and over a SwitchSet of two doubles (shared table), p50/p99, for an agent command
 * (first switch), a call command whose channel is learnt and one that must be looked
 * up with uuid_exists first, and the members list read (one switch, filtered).
 *
 *   npm run bench -- switches [rounds]
 */
import { once } from 'node:events';
import { EslClient } from '../src/esl/client.js';
import type { EslLink } from '../src/esl/link.js';
import { silentLogger } from '../src/log.js';
import { SwitchSet } from '../src/switches/switch-set.js';
import { CallcenterDatabase, FreeSwitchDouble } from '../src/fsdouble/index.js';

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function client(fs: FreeSwitchDouble): EslClient {
  return new EslClient({ host: '127.0.0.1', port: fs.port, password: 'ClueCon', logger: silentLogger() });
}

async function measure(label: string, rounds: number, run: (i: number) => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < rounds + 200; i++) {
    const t = performance.now();
    await run(i);
    if (i >= 200) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} p50 ${pct(times, 50).toFixed(3)} ms  p99 ${pct(times, 99).toFixed(3)} ms  (${rounds} sequential)`);
}

export async function benchSwitches(rounds: number): Promise<void> {
  const db = new CallcenterDatabase();
  const agents = [{ name: '1001@default', status: 'On Break' }];
  const fs1 = await FreeSwitchDouble.start({ database: db, instanceId: 'fs1', initial: { agents, tiers: [{ queue: 'support@default', agent: '1001@default' }] } });
  const fs2 = await FreeSwitchDouble.start({ database: db, instanceId: 'fs2' });
  for (let i = 0; i < 50; i++) (i % 2 ? fs1 : fs2).injectCaller({ number: `${1000 + i}`, name: 'Caller', destination: '7000' });
  const on2 = fs2.injectCaller({ number: '999', name: 'Held', destination: '7000' });
  const one = client(fs1);
  const set = new SwitchSet(
    [
      { id: 'fs1', main: client(fs1), bulk: null },
      { id: 'fs2', main: client(fs2), bulk: null },
    ],
    silentLogger(),
  );
  one.start();
  set.start();
  await once(one, 'ready');
  while (!set.states().every((s) => s.connected)) await new Promise((r) => setTimeout(r, 20));
  const links: Array<[string, EslLink]> = [
    ['one EslClient', one],
    ['SwitchSet of 2', set],
  ];
  for (const [name, link] of links) {
    await measure(`${name}: agent get status`, rounds, () => link.api('callcenter_config agent get status 1001@default'));
    await measure(`${name}: queue list members (51 rows)`, rounds, () => link.api('callcenter_config queue list members support@default'));
  }
  await set.locate(on2.memberSessionUuid);
  await measure('SwitchSet of 2: uuid_exists of a channel on box 2 (learnt)', rounds, () => set.api(`uuid_exists ${on2.memberSessionUuid}`));
  await measure('SwitchSet of 2: call command, channel on no box (asks both)', rounds, () => set.api('uuid_exists 11111111-2222-4333-8444-555555555555'));
  await one.stop();
  await set.stop();
  await fs1.stop();
  await fs2.stop();
}
