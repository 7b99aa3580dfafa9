/**
 * Screen-pop delivery at scale (issue: Agent desk).
 *
 *   npm run bench -- pops [agents=1000]
 *
 * Three processes on loopback, plus a private redis-server:
 *   - this one: the gateway (ESL client, desk, WebSocket server, Redis), measured;
 *   - bench/pops-double.ts: the FreeSWITCH double with the agents, injecting callers;
 *   - bench/pops-clients.ts: one desk WebSocket per agent, logged in and Ready.
 *
 * Measures, per phase (20 callers/s and 200 callers/s for 10 s, then a 10x
 * overload of 2,000 callers/s for 3 s): latency from the double building the
 * agent-offering event (its Event-Date-Timestamp) to the agent's socket
 * receiving call.offered, p50/p99/max, counts; the gateway's event-loop delay,
 * heap/RSS, largest WebSocket send buffer and dropped sockets while it runs.
 * Before the phases: memory per idle logged-in agent socket (after gc).
 *
 * Passwords: one scrypt hash with a cheap cost (N=2^10 instead of 2^15) is
 * stored for every agent, since the hash carries its own parameters; 1,000
 * full-cost logins would measure scrypt, not pops.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { WebSocket } from 'ws';
import { loadConfig } from '../src/config.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { silentLogger } from '../src/log.js';
import { startRedis, type TestRedis } from '../test/helpers/redis.js';
import { Child } from './child.js';
import type { FromDouble, ToDouble } from './pops-double.js';
import type { FromClients, ToClients } from './pops-clients.js';

const PASSWORD = 'bench-password-1';
const KEY_PREFIX = 'bench:';
const NUMBERS = 1000;
const PHASES = [
  { name: '20/s', rate: 20, seconds: 10 },
  { name: '200/s', rate: 200, seconds: 10 },
  { name: 'overload 2000/s', rate: 2000, seconds: 3 },
] as const;
const DRAIN_TIMEOUT_MS = 60_000;

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : '—');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  // Not started with --expose-gc: switch the flag on and fetch gc from a fresh context.
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}


/** A scrypt hash in the store's format (`scrypt$N$r$p$salt$hash`), at a bench-friendly cost. */
function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return ['scrypt', 1024, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Server-side send buffers of every desk socket (the ws of each Connection). */
function maxBuffered(gw: Gateway, agents: readonly string[]): number {
  let max = 0;
  for (const a of agents) {
    const ch = gw.desk.channel(a);
    if (!ch) continue;
    for (const s of ch.sockets) {
      const ws = (s as unknown as { ws?: WebSocket }).ws;
      if (ws && ws.bufferedAmount > max) max = ws.bufferedAmount;
    }
  }
  return max;
}

async function counter(c: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await c.get()).values.reduce((a, v) => a + v.value, 0);
}

export async function benchPops(agentCount = 1000): Promise<void> {
  const gc = gcFunction();
  const mem = () => {
    gc();
    gc();
    return process.memoryUsage();
  };
  const agents = Array.from({ length: agentCount }, (_, i) => `${20_000 + i}@default`);
  let redis: TestRedis | null = null;
  let gw: Gateway | null = null;
  const double = new Child<ToDouble, FromDouble>('./pops-double.ts', { BENCH_AGENTS: String(agentCount) });
  let clients: Child<ToClients, FromClients> | null = null;
  try {
    const [{ port }, r] = await Promise.all([double.next('ready'), startRedis()]);
    redis = r;
    const config = loadConfig({
      ESL_PORT: String(port),
      HTTP_PORT: '0',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: KEY_PREFIX,
      API_TOKENS: 'bench:admin:bench-admin-token',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    gw = await startGateway({ config, logger: silentLogger(), resyncIntervalMs: 0 });
    const g = gw;
    const t0 = Date.now();
    while (!(g.callCenter.ready && g.view.agents.size === agentCount)) {
      if (Date.now() - t0 > 30_000) throw new Error(`gateway not resynced (${g.view.agents.size} agents)`);
      await new Promise((res) => setTimeout(res, 20));
    }

    // Passwords (one cheap hash for all) and caller records for the pops.
    const hash = cheapHash(PASSWORD);
    const pipe = g.redis!.pipeline();
    for (const a of agents) pipe.set(`${KEY_PREFIX}agent-password:${a}`, hash);
    await pipe.exec();
    if (!(await g.passwords.verify(agents[0]!, PASSWORD))) throw new Error('password store format changed: the copied hash does not verify');
    for (let i = 0; i < NUMBERS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, NUMBERS - i) }, (_, j) =>
          g.callers.put(String(15_550_000_000 + i + j), { name: `Customer ${i + j}`, tier: ['gold', 'silver', 'bronze'][(i + j) % 3]!, account_number: String(900_000 + i + j), notes: 'x'.repeat(200) }),
        ),
      );
    }

    console.log(`Screen pops: ${agentCount} agents on the FreeSWITCH double (child process), ${agentCount} desk WebSockets (child process), gateway in this process; loopback; ${process.env.UV_THREADPOOL_SIZE ?? 4} libuv threads`);

    // Memory per idle, logged-in agent socket.
    const before = mem();
    clients = new Child<ToClients, FromClients>('./pops-clients.ts', {});
    clients.send({ type: 'login', url: g.url, agents, password: PASSWORD, concurrency: 50 });
    const li = await clients.next('logged-in');
    if (li.failed) throw new Error(`${li.failed} logins failed; first: ${li.firstError}`);
    const t1 = Date.now();
    while ([...g.view.agents.values()].filter((a) => a.status === 'Available').length < agentCount) {
      if (Date.now() - t1 > 30_000) throw new Error('agents not Available on the switch');
      await new Promise((res) => setTimeout(res, 50));
    }
    await new Promise((res) => setTimeout(res, 500));
    const after = mem();
    console.log(`\nlogin + Ready of ${li.ok} sockets: ${(li.ms / 1000).toFixed(1)} s (50 at a time)`);
    console.log(
      `idle memory per logged-in agent socket (after gc): heap ${((after.heapUsed - before.heapUsed) / agentCount / 1024).toFixed(1)} KiB, ` +
        `heap+external ${((after.heapUsed + after.external - before.heapUsed - before.external) / agentCount / 1024).toFixed(1)} KiB, ` +
        `rss ${((after.rss - before.rss) / agentCount / 1024).toFixed(1)} KiB  (heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}, rss ${mb(before.rss)} -> ${mb(after.rss)})`,
    );

    // When the gateway has handled each agent-offering (this listener runs after the desk's push).
    const handled = new Map<string, number>();
    g.callCenter.on('event', (e) => {
      if (e.action === 'agent-offering' && !handled.has(e.member.uuid)) handled.set(e.member.uuid, performance.timeOrigin + performance.now());
    });

    console.log('\nphase               callers  offered  delivered  missing   p50        p99        max        | loop p99   loop max   heap max   rss max    max ws buffer  ws dropped');
    for (const phase of PHASES) {
      const lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      let heapMax = 0;
      let rssMax = 0;
      let bufMax = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        heapMax = Math.max(heapMax, m.heapUsed);
        rssMax = Math.max(rssMax, m.rss);
        bufMax = Math.max(bufMax, maxBuffered(g, agents));
      }, 100);
      const dropped0 = await counter(g.metrics.wsDropped);
      const offersBefore = (await double.ask({ type: 'stats' }, 'stats')).offers;
      const phaseStart = performance.timeOrigin + performance.now();
      const elu0 = performance.eventLoopUtilization();
      const injected = await double.ask({ type: 'inject', phase: phase.name, rate: phase.rate, seconds: phase.seconds, numbers: NUMBERS }, 'injected');
      // Drain: every caller offered and every offer delivered (bounded).
      const drainStart = Date.now();
      let drained = false;
      let drainMs = 0;
      while (Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
        const st = await double.ask({ type: 'stats' }, 'stats');
        const cl = await clients.ask({ type: 'count' }, 'count');
        if (st.waiting === 0 && cl.offered >= st.offers && st.calls === 0) {
          drained = true;
          drainMs = Date.now() - drainStart;
          break;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      clearInterval(sampler);
      lag.disable();
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const { offers, loopP99Ms: doubleLoopP99, loopMaxMs: doubleLoopMax, elu: doubleElu } = await double.ask({ type: 'collect', phase: phase.name }, 'offers');
      const { offers: got } = await clients.ask({ type: 'collect' }, 'received');
      const offersAfter = (await double.ask({ type: 'stats' }, 'stats')).offers;
      const arrival = new Map<string, number>();
      for (const [member, at] of got) if (!arrival.has(member)) arrival.set(member, at);
      const lat: Array<[number, number]> = [];
      const toGateway: number[] = [];
      const toPage: number[] = [];
      let missing = 0;
      for (const [member, at] of offers) {
        const r = arrival.get(member);
        if (r === undefined) missing++;
        else lat.push([at - phaseStart, r - at]);
        const h = handled.get(member);
        handled.delete(member);
        if (h !== undefined && r !== undefined) {
          toGateway.push(h - at);
          toPage.push(r - h);
        }
      }
      toGateway.sort((a, b) => a - b);
      toPage.sort((a, b) => a - b);
      const sorted = lat.map(([, l]) => l).sort((a, b) => a - b);
      const dropped = (await counter(g.metrics.wsDropped)) - dropped0;
      console.log(
        `${phase.name.padEnd(19)} ${String(injected.count).padStart(7)}  ${String(offersAfter - offersBefore).padStart(7)}  ${String(sorted.length).padStart(9)}  ${String(missing).padStart(7)}   ` +
          `${ms(pct(sorted, 50)).padEnd(10)} ${ms(pct(sorted, 99)).padEnd(10)} ${ms(sorted[sorted.length - 1] ?? NaN).padEnd(10)} | ` +
          `${ms(lag.percentile(99) / 1e6).padEnd(10)} ${ms(lag.max / 1e6).padEnd(10)} ${mb(heapMax).padEnd(10)} ${mb(rssMax).padEnd(10)} ${(bufMax + ' B').padEnd(14)} ${dropped}`,
      );
      console.log(
        `${''.padEnd(19)} injected at ${((injected.count / injected.ms) * 1000).toFixed(0)}/s over ${(injected.ms / 1000).toFixed(1)} s; ` +
          (drained ? `drained ${drainMs} ms after the last caller` : `NOT drained within ${DRAIN_TIMEOUT_MS / 1000} s`),
      );
      console.log(
        `${''.padEnd(19)} split: double event -> gateway pushed p50 ${ms(pct(toGateway, 50))} p99 ${ms(pct(toGateway, 99))} max ${ms(toGateway[toGateway.length - 1] ?? NaN)}; ` +
          `gateway pushed -> page p50 ${ms(pct(toPage, 50))} p99 ${ms(pct(toPage, 99))} max ${ms(toPage[toPage.length - 1] ?? NaN)}`,
      );
      console.log(
        `${''.padEnd(19)} event-loop utilisation (injection + drain): gateway ${(elu * 100).toFixed(0)}%, double ${(doubleElu * 100).toFixed(0)}% ` +
          `(double's loop delay p99 ${ms(doubleLoopP99)}, max ${ms(doubleLoopMax)}); callcenter events handled by the gateway so far: ${await counter(g.metrics.events)}`,
      );
      const settled = mem();
      let kept = 0;
      let keptBytes = 0;
      for (const a of agents) {
        for (const p of g.desk.channel(a)?.buffer ?? []) {
          kept++;
          keptBytes += JSON.stringify(p).length;
        }
      }
      console.log(
        `${''.padEnd(19)} after the drain (gc): heap ${mb(settled.heapUsed)}, rss ${mb(settled.rss)}; ` +
          `replay buffers (≤256 pushes per agent): ${kept} pushes, ${mb(keptBytes)} as JSON; pop cache ${(g.desk as unknown as { pops?: { size: number } }).pops?.size ?? '?'} entries, view members ${g.view.members.size}`,
      );
      if (phase.rate >= 1000) {
        // Does the latency grow through the overload (a backlog building up) or stay level?
        const buckets = new Map<number, number[]>();
        for (const [t, l] of lat) {
          const b = Math.floor(t / 1000);
          if (!buckets.has(b)) buckets.set(b, []);
          buckets.get(b)!.push(l);
        }
        const line = [...buckets.entries()]
          .sort(([a], [b]) => a - b)
          .map(([b, ls]) => {
            ls.sort((x, y) => x - y);
            return `${b}-${b + 1} s: n=${ls.length} p50 ${ms(pct(ls, 50))} p99 ${ms(pct(ls, 99))}`;
          });
        for (const l of line) console.log(`${''.padEnd(19)} offered in ${l}`);
      }
    }
    const cl = await clients.ask({ type: 'count' }, 'count');
    console.log(`\ndesk sockets closed by the gateway during the run: ${cl.closed}; WebSocket messages received by the clients: ${cl.messages}`);
  } finally {
    await clients?.stop();
    await gw?.stop();
    await double.stop();
    await redis?.stop();
  }
}
