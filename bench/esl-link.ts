/**
 * Command round trip against the FreeSWITCH double (p50/p99), and the time
 * from the double coming back to the link being up and resynced.
 *
 *   npm run bench -- link
 */
import { once } from 'node:events';
import { EslClient } from '../src/esl/client.js';
import { CallCenter } from '../src/callcenter/service.js';
import { StateView } from '../src/callcenter/state.js';
import { silentLogger } from '../src/log.js';
import { FreeSwitchDouble } from '../src/fsdouble/index.js';

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export async function benchLink(): Promise<void> {
  const fs = await FreeSwitchDouble.start({ initial: { agents: [{ name: '1001@default', status: 'Available' }] } });
  const logger = silentLogger();
  const client = new EslClient({ host: '127.0.0.1', port: fs.port, password: 'ClueCon', customSubclasses: ['callcenter::info'], backoff: { initialMs: 100, maxMs: 5000 }, logger });
  const view = new StateView();
  const cc = new CallCenter(client, view, { logger, resyncIntervalMs: 0 });
  client.start();
  await once(cc, 'ready');

  for (const [label, command] of [
    ['agent get status', 'callcenter_config agent get status 1001@default'],
    ["agent set status 'On Break'/Available", null],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 12_000; i++) {
      const c = command ?? `callcenter_config agent set status 1001@default ${i % 2 ? 'Available' : "'On Break'"}`;
      const t = performance.now();
      await client.api(c);
      if (i >= 2000) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`round trip (${label}), ${times.length} sequential: p50 ${pct(times, 50).toFixed(3)} ms, p99 ${pct(times, 99).toFixed(3)} ms, max ${times[times.length - 1]!.toFixed(3)} ms`);
  }

  const reconnects: number[] = [];
  for (let i = 0; i < 10; i++) {
    await fs.stop();
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
    const t = performance.now();
    await fs.restart({ keepState: true });
    await once(cc, 'ready');
    reconnects.push(performance.now() - t);
  }
  reconnects.sort((a, b) => a - b);
  console.log(`double back → link up and resynced (10 restarts after 0.3–1 s down): median ${pct(reconnects, 50).toFixed(0)} ms, max ${reconnects[reconnects.length - 1]!.toFixed(0)} ms (backoff first retry 50–100 ms, cap 5 s)`);
  cc.close();
  await client.stop();
  await fs.stop();
}
