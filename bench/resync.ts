/**
 * Desk status commands while the periodic resync runs (issue 9: the one ESL connection).
 *
 *   npm run bench -- resync [seconds=15]     (BENCH_ROUNDS=2: rounds of both modes, alternating)
 *
 * Processes on loopback: the FreeSWITCH double (bench/resync-double.ts: 1,000
 * agents with tiers, 2,000 callers waiting, 50 desk agents; lists cost what they
 * cost the real switch) and a private redis-server; the gateway and 50 desk
 * WebSockets in this process. Each desk sends `ready` and `busy` in turn, one a
 * second, staggered (50 commands/s); the time from sending to its `ack` is the
 * desk's status command latency (the switch confirmed it).
 *
 * Each mode (everything on one ESL connection, as before issue 9; lists on a
 * second connection) runs two phases. Phase 1: no resync. Phase 2: the full resync (queue, agent, tier and member
 * lists: about 4,000 rows) run every second instead of every 30 s, so that many
 * commands meet one. Reported: p50/p99/max of the acks in each phase, of the
 * acks sent while a resync was running, the resync's own duration, and the
 * gateway's cc_push_latency_seconds / cc_event_age_seconds (approximate
 * quantiles from the histogram buckets).
 */
import { randomBytes, scryptSync } from 'node:crypto';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { silentLogger } from '../src/log.js';
import { startRedis, type TestRedis } from '../test/helpers/redis.js';
import { Child } from './child.js';
import type { FromResyncDouble, ToResyncDouble } from './resync-double.js';
import { textOf } from '../src/realtime/raw-data.js';

const PASSWORD = 'bench-password-1';
const KEY_PREFIX = 'bench:';
const AGENTS = 1000;
const DESKS = 50;
const MEMBERS = 2000;
const MODES = [
  { label: 'one ESL connection (before: lists share the command FIFO)', bulk: false },
  { label: 'bulk reads on a second ESL connection (after)', bulk: true },
] as const;

const pct = (sorted: readonly number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : '—');
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `n=${String(s.length).padEnd(5)} p50 ${ms(pct(s, 50)).padEnd(9)} p99 ${ms(pct(s, 99)).padEnd(9)} max ${ms(s[s.length - 1] ?? NaN)}`;
};

function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return ['scrypt', 1024, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface Desk {
  readonly ws: WebSocket;
  readonly waiting: Map<number, number>;
  next: number;
}

function openDesk(url: string, agent: string, onAck: (latencyMs: number, sentAt: number) => void): Promise<Desk> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
    const desk: Desk = { ws, waiting: new Map(), next: 2 };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'login', id: 1, agent, password: PASSWORD })));
    ws.on('message', (data) => {
      const m = JSON.parse(textOf(data)) as { type: string; id?: number; code?: string };
      if (m.id === 1) return m.type === 'ack' ? resolve(desk) : reject(new Error(`${agent}: ${m.code}`));
      if (typeof m.id !== 'number') return;
      const sent = desk.waiting.get(m.id);
      if (sent === undefined) return;
      desk.waiting.delete(m.id);
      if (m.type === 'ack') onAck(performance.now() - sent, sent);
      else console.log(`  ${agent}: ${m.type} ${m.code}`);
    });
    ws.on('error', reject);
  });
}

interface Histogram {
  get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }> }>;
}

/** Approximate quantiles (bucket upper bounds) of a prom-client histogram, by label `type` when present. */
async function histogramLine(gw: Gateway, name: string): Promise<string[]> {
  const metric = gw.metrics.registry.getSingleMetric(name) as unknown as Histogram | undefined;
  if (!metric) return [`${name}: not in this build`];
  const { values } = await metric.get();
  const byType = new Map<string, Array<{ le: number; count: number }>>();
  for (const v of values) {
    if (!v.metricName?.endsWith('_bucket')) continue;
    const key = String(v.labels.type ?? 'all');
    const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
    if (!byType.has(key)) byType.set(key, []);
    byType.get(key)!.push({ le, count: v.value });
  }
  const lines: string[] = [];
  for (const [type, buckets] of byType) {
    buckets.sort((a, b) => a.le - b.le);
    const total = buckets[buckets.length - 1]?.count ?? 0;
    if (!total) continue;
    const q = (p: number) => buckets.find((b) => b.count >= p * total)?.le ?? Infinity;
    const f = (s: number) => (s === Infinity ? '>max' : `≤${(s * 1000).toFixed(s < 0.01 ? 1 : 0)} ms`);
    lines.push(`${name}{type="${type}"}: n=${total} p50 ${f(q(0.5))} p99 ${f(q(0.99))}`);
  }
  return lines;
}

export async function benchResync(seconds = 15, rounds = 2): Promise<void> {
  const double = new Child<ToResyncDouble, FromResyncDouble>('./resync-double.ts', { BENCH_AGENTS: String(AGENTS), BENCH_DESKS: String(DESKS), BENCH_MEMBERS: String(MEMBERS) });
  let redis: TestRedis | null = null;
  let gw: Gateway | null = null;
  const desks: Desk[] = [];
  try {
    const [ready, r] = await Promise.all([double.next('ready'), startRedis()]);
    redis = r;
    const config = loadConfig({ ESL_PORT: String(ready.port), HTTP_PORT: '0', REDIS_URL: redis.url, REDIS_KEY_PREFIX: KEY_PREFIX });
    const names = Array.from({ length: DESKS }, (_, i) => `${40_000 + i}@default`);
    console.log(`Desk status commands vs the periodic resync: ${AGENTS} agents with tiers, ${ready.members} callers waiting, ${DESKS} desks (1 command/s each) on the FreeSWITCH double (child process); loopback`);
    // Alternating the modes (A B A B …) so that a change in the machine's load hits both.
    for (const mode of Array.from({ length: rounds }, () => MODES).flat()) {
      gw = await startGateway({ config, logger: silentLogger(), resyncIntervalMs: 0, bulkConnection: mode.bulk });
      const g = gw;
      const t0 = Date.now();
      while (!(g.callCenter.ready && g.view.agents.size === AGENTS + DESKS && g.view.members.size === ready.members)) {
        if (Date.now() - t0 > 30_000) throw new Error(`gateway not resynced (${g.view.agents.size} agents, ${g.view.members.size} members)`);
        await new Promise((res) => setTimeout(res, 20));
      }
      const hash = cheapHash(PASSWORD);
      const pipe = g.redis!.pipeline();
      for (const a of names) pipe.set(`${KEY_PREFIX}agent-password:${a}`, hash);
      await pipe.exec();

      let resyncRunning = false;
      let phase: { all: number[]; during: number[] } = { all: [], during: [] };
      const duringSends = new Set<number>();
      desks.length = 0;
      for (const name of names) {
        desks.push(
          await openDesk(g.url, name, (latency, sentAt) => {
            phase.all.push(latency);
            if (duringSends.has(sentAt)) phase.during.push(latency);
          }),
        );
      }
      console.log(`\n=== ${mode.label}`);

      const run = async (label: string, withResync: boolean) => {
        phase = { all: [], during: [] };
        const resyncs: number[] = [];
        let resyncTimer: NodeJS.Timeout | null = null;
        if (withResync) {
          resyncTimer = setInterval(() => {
            if (resyncRunning) return;
            resyncRunning = true;
            const t = performance.now();
            void g.callCenter
              .resync()
              .then(
                () => resyncs.push(performance.now() - t),
                (err: Error) => console.log(`  resync failed: ${err.message}`),
              )
              .finally(() => (resyncRunning = false));
          }, 1000);
        }
        const timers = desks.map((d, i) =>
          setTimeout(() => {
            const tick = () => {
              const id = d.next++;
              const sentAt = performance.now();
              d.waiting.set(id, sentAt);
              if (resyncRunning) duringSends.add(sentAt);
              d.ws.send(JSON.stringify(id % 2 ? { type: 'busy', id } : { type: 'ready', id }));
            };
            tick();
            timers[i] = setInterval(tick, 1000);
          }, (i * 1000) / desks.length),
        );
        await new Promise((res) => setTimeout(res, seconds * 1000));
        for (const t of timers) clearInterval(t);
        if (resyncTimer) clearInterval(resyncTimer);
        while (resyncRunning || desks.some((d) => d.waiting.size)) await new Promise((res) => setTimeout(res, 50));
        console.log(label);
        console.log(`  desk status commands (send → ack):           ${summary(phase.all)}`);
        if (withResync) {
          console.log(`  … of them sent while a resync was running:   ${summary(phase.during)}`);
          console.log(`  resync (queue+agent+tier+member lists):      ${summary(resyncs)}`);
        }
      };
      await run(`phase 1: no resync, ${seconds} s`, false);
      await run(`phase 2: full resync every 1 s, ${seconds} s`, true);
      console.log('gateway histograms over both phases (bucket bounds):');
      for (const name of ['cc_push_latency_seconds', 'cc_event_age_seconds']) for (const line of await histogramLine(g, name)) console.log(`  ${line}`);
      for (const d of desks) d.ws.terminate();
      desks.length = 0;
      await g.stop();
      gw = null;
    }
  } finally {
    for (const d of desks) d.ws.terminate();
    await gw?.stop();
    await double.stop();
    await redis?.stop();
  }
}
