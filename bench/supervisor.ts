/**
 * Supervisor console at scale (issue 11 §3):
 *
 *   npm run bench -- supervisor [seconds=10]
 *
 * Three processes on loopback, plus a private redis-server:
 *   - this one: the gateway (ESL client, callcenter view, call model, supervisor hub and
 *     socket), measured: CPU, event-loop delay;
 *   - bench/pops-double.ts: the FreeSWITCH double with 5,000 Available agents (BENCH_AGENTS),
 *     injecting 200 callers/s (BENCH_RATE), each answered after 50 ms and hung up 300 ms later;
 *   - bench/supervisor-consoles.ts: 20 console sockets (BENCH_SOCKETS), unscoped.
 *
 * Prints, per console socket: messages/s, max messages in any second, bytes/s; the snapshot
 * size; event → console latency (the double's agent-offering Event-Date-Timestamp to the
 * first console receiving that call offered or bridged) p50/p99/max; the gateway's CPU.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/gateway.js';
import { silentLogger } from '../src/log.js';
import { startRedis } from '../test/helpers/redis.js';
import { Child } from './child.js';
import type { FromDouble, ToDouble } from './pops-double.js';
import type { FromConsoles, ToConsoles } from './supervisor-consoles.js';

const TOKEN = 'bench-supervisor-token-0123';
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

export async function benchSupervisor(seconds: number): Promise<void> {
  const agents = Number(process.env.BENCH_AGENTS ?? 5000);
  const rate = Number(process.env.BENCH_RATE ?? 200);
  const sockets = Number(process.env.BENCH_SOCKETS ?? 20);
  const double = new Child<ToDouble, FromDouble>('./pops-double.ts', { BENCH_AGENTS: String(agents), BENCH_AGENT_STATUS: 'Available' });
  const consoles = new Child<ToConsoles, FromConsoles>('./supervisor-consoles.ts', {});
  const [{ port }, redis] = await Promise.all([double.next('ready'), startRedis()]);
  const config = loadConfig({
    ESL_PORT: String(port),
    HTTP_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'bench:',
    API_TOKENS: `boss:supervisor:${TOKEN}`,
    RATE_LIMIT_PER_MINUTE: '1000000',
    CALL_RECORDS: 'off',
  });
  const gw = await startGateway({ config, logger: silentLogger(), resyncIntervalMs: 0 });
  try {
    const t0 = Date.now();
    while (!(gw.callCenter.ready && gw.view.agents.size >= agents)) {
      if (Date.now() - t0 > 60_000) throw new Error('gateway did not load the agents');
      await new Promise((r) => setTimeout(r, 100));
    }
    consoles.send({ type: 'open', url: gw.url, token: TOKEN, sockets });
    const { snapshotBytes } = await consoles.next('opened');
    await consoles.ask({ type: 'mark' }, 'marked');
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const injected = await double.ask({ type: 'inject', phase: 'bench', rate, seconds, numbers: 1000 }, 'injected');
    // Let the last calls end and the last ticks go out.
    await new Promise((r) => setTimeout(r, 1500));
    const cpu = process.cpuUsage(cpu0);
    const wallS = (performance.now() - wall0) / 1000;
    lag.disable();
    const { offers, loopP99Ms, loopMaxMs, elu } = await double.ask({ type: 'collect', phase: 'bench' }, 'offers');
    const got = await consoles.ask({ type: 'collect' }, 'collected');
    const seen = new Map(got.firstSeen);
    const lat: number[] = [];
    for (const [member, at] of offers) {
      const t = seen.get(member);
      if (t !== undefined) lat.push(t - at);
    }
    lat.sort((a, b) => a - b);
    const per = got.perSocket;
    const msgs = per.map((p) => p.messages / got.seconds).sort((a, b) => a - b);
    const bytes = per.map((p) => p.bytes / got.seconds).sort((a, b) => a - b);
    console.log(`supervisor bench: ${agents} agents, ${injected.count} callers in ${seconds} s (${rate}/s), ${sockets} console sockets, snapshot ${(snapshotBytes / 1024).toFixed(0)} KiB`);
    console.log(`per socket: ${msgs[0]!.toFixed(2)}–${msgs.at(-1)!.toFixed(2)} messages/s, max ${Math.max(...per.map((p) => p.maxPerSecond))} in any second, ${(bytes[0]! / 1024).toFixed(1)}–${(bytes.at(-1)! / 1024).toFixed(1)} KiB/s`);
    console.log(`event → console (agent-offering → first console showing the call): n=${lat.length}/${offers.length}, p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms, max ${(lat.at(-1) ?? NaN).toFixed(0)} ms`);
    console.log(`double (its own process): event-loop utilization ${(elu * 100).toFixed(0)} %, delay p99 ${loopP99Ms.toFixed(1)} ms, max ${loopMaxMs.toFixed(1)} ms; injecting took ${(injected.ms / 1000).toFixed(1)} s`);
    console.log(`gateway: CPU ${(((cpu.user + cpu.system) / 1e6 / wallS) * 100).toFixed(0)} % of one core over ${wallS.toFixed(1)} s, event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`);
  } finally {
    await consoles.stop();
    await gw.stop();
    await double.stop();
    await redis.stop();
  }
}
