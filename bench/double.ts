/**
 * The FreeSWITCH double's own speed, so that a slow double is not mistaken for
 * a slow gateway in the other benches (the tests only check its books):
 *   - 5,000 pipelined `api` commands on one ESL connection;
 *   - 1,000 agents, 400 callers at 200/s, each call 100 ms: time to release
 *     them all and the worst event-loop stall;
 *   - 1,000 callers waiting, then 1,000 agents added at once: time until all
 *     are bridged.
 *
 *   npm run bench -- double
 */
import { connect } from 'node:net';
import { FreeSwitchDouble } from '../src/fsdouble/index.js';
import { RawClient, addAvailableAgents, availableAgents } from '../test/fsdouble/helpers.js';

async function pipelined(n: number): Promise<void> {
  const d = await FreeSwitchDouble.start();
  try {
    d.api('callcenter_config agent add perf@default callback');
    const c = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    let block = '';
    for (let k = 0; k < n; k++) block += 'api callcenter_config agent get status perf@default\n\n';
    let replies = 0;
    const t0 = performance.now();
    c.write(block);
    await c.waitFor((i) => i.type === 'api/response' && ++replies === n, 60_000);
    const ms = performance.now() - t0;
    console.log(`pipelined api: ${n} commands in ${ms.toFixed(0)} ms (${Math.round((n / ms) * 1000)}/s)`);
    c.close();
  } finally {
    await d.stop();
  }
}

async function steadyCallers(): Promise<void> {
  const d = await FreeSwitchDouble.start({ ringMs: 20, initial: availableAgents(1000) });
  const sink = connect(d.port, '127.0.0.1');
  sink.on('data', () => undefined);
  sink.write('auth ClueCon\n\nevent json ALL\n\n');
  let maxLag = 0;
  let last = performance.now();
  const lag = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
  }, 5);
  try {
    let terminated = 0;
    const done = new Promise<void>((resolve) => {
      d.onEvent((e) => {
        if (e.get('CC-Action') === 'bridge-agent-start') setTimeout(() => d.hangupCaller(e.get('CC-Member-Session-UUID')!), 100).unref();
        if (e.get('CC-Action') === 'member-queue-end' && e.get('CC-Cause') === 'Terminated' && ++terminated === 400) resolve();
      });
    });
    const t0 = performance.now();
    for (let batch = 0; batch < 20; batch++) {
      for (let k = 0; k < 20; k++) d.injectCaller({ number: `555${batch}${k}`, name: `c${batch}-${k}` });
      await new Promise((r) => setTimeout(r, 100));
    }
    await done;
    const ms = performance.now() - t0;
    console.log(`1,000 agents, 400 callers at 200/s: all released after ${ms.toFixed(0)} ms (ideal about 2,100), worst event-loop stall ${maxLag.toFixed(1)} ms`);
  } finally {
    clearInterval(lag);
    sink.destroy();
    await d.stop();
  }
}

async function burst(): Promise<void> {
  const d = await FreeSwitchDouble.start({ ringMs: 1 });
  try {
    for (let k = 0; k < 1000; k++) d.injectCaller({ number: String(k), name: `c${k}` });
    let counted = 0;
    const done = new Promise<void>((resolve) => {
      d.onEvent((e) => {
        if (e.get('CC-Action') === 'bridge-agent-start' && ++counted === 1000) resolve();
      });
    });
    const t0 = performance.now();
    addAvailableAgents(d, 1000);
    await done;
    console.log(`1,000 waiting callers, then 1,000 agents at once: all bridged after ${(performance.now() - t0).toFixed(0)} ms`);
  } finally {
    await d.stop();
  }
}

export async function benchDouble(): Promise<void> {
  await pipelined(5000);
  await pipelined(50_000);
  await steadyCallers();
  await burst();
}
