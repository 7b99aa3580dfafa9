/**
 * Three gateway instances and 3,000 agents (issue 13):
 *
 *   npm run bench -- fleet [seconds=20]      (BENCH_AGENTS=3000, BENCH_RATE=50 calls/s, BENCH_INSTANCES=3)
 *
 * Processes on loopback, each stopped by its PID at the end (and by a hard bound of 10 minutes):
 *   - a private redis-server (test/helpers/redis.ts);
 *   - bench/pops-double.ts: the FreeSWITCH double with the agents in support@default;
 *   - the instances: `src/main.ts` as in production, DESK_STREAM=redis, one Redis and prefix,
 *     CALL_RECORDS=off (the records' cost is `npm run bench -- records`);
 *   - bench/fleet-pages.ts: one desk socket per agent, agent i on instance i mod 3, logged in Ready.
 *
 * Prints: desk sockets per instance (each instance's cc_ws_connections); pushes/s delivered in
 * all and per instance while callers come at BENCH_RATE for [seconds] (each answered after 50 ms,
 * hung up 300 ms after the bridge); Redis commands per call (INFO commandstats before and after);
 * then one instance killed (SIGKILL) with the calls still coming: every one of its pages goes
 * straight to another instance and resumes; kill → resume ack and connect → ack p50/p99/max over
 * all its pages, and whether any page missed or repeated a push.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, scryptSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { freePort, startRedis, type TestRedis } from '../test/helpers/redis.js';
import { Child } from './child.js';
import type { FromDouble, ToDouble } from './pops-double.js';
import type { FromPages, ToPages } from './fleet-pages.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASSWORD = 'bench-password-1';
const PREFIX = 'fleet:';
const ADMIN = 'bench-fleet-admin-token-0123';
const HARD_BOUND_MS = 10 * 60_000;

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '—');
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

/** A scrypt hash in the store's format at a cheap cost: 3,000 full-cost logins would measure scrypt. */
function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return ['scrypt', 1024, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface Instance {
  readonly id: string;
  readonly url: string;
  readonly proc: ChildProcess;
  output: string;
}

function startInstance(id: string, port: number, env: Record<string, string>): Instance {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, HTTP_PORT: String(port), INSTANCE_ID: id },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const inst: Instance = { id, url: `http://127.0.0.1:${port}`, proc, output: '' };
  const keep = (d: Buffer) => (inst.output = (inst.output + d.toString()).slice(-4000));
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  return inst;
}

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

async function stopProcess(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (!alive(p)) return;
  const exited = once(p, 'exit');
  process.kill(p.pid!, signal);
  const timer = setTimeout(() => alive(p) && process.kill(p.pid!, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function metric(inst: Instance, re: RegExp): Promise<number> {
  const text = await (await fetch(`${inst.url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(re)) sum += Number(m[1]);
  return sum;
}
const sockets = (i: Instance) => metric(i, /^cc_ws_connections (\d+)/gm);
const pushesOut = (i: Instance) => metric(i, /^cc_ws_messages_total\{direction="out"[^}]*\} (\d+)/gm);

async function commandStats(r: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await r.info('commandstats')).matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

export async function benchFleet(seconds: number): Promise<void> {
  const agentCount = Number(process.env.BENCH_AGENTS ?? 3000);
  const rate = Number(process.env.BENCH_RATE ?? 50);
  const n = Number(process.env.BENCH_INSTANCES ?? 3);
  const agents = Array.from({ length: agentCount }, (_, i) => `${20_000 + i}@default`);
  const instances: Instance[] = [];
  let redis: TestRedis | null = null;
  let admin: Redis | null = null;
  let pages: Child<ToPages, FromPages> | null = null;
  const double = new Child<ToDouble, FromDouble>('./pops-double.ts', { BENCH_AGENTS: String(agentCount) });
  const stopAll = async () => {
    if (pages) await pages.stop();
    for (const i of instances) await stopProcess(i.proc, 'SIGTERM');
    await double.stop();
    admin?.disconnect();
    await redis?.stop();
  };
  // The bench stops by itself whatever happens.
  const bound = setTimeout(() => {
    console.error(`fleet bench: over ${HARD_BOUND_MS / 60_000} minutes, stopping`);
    void stopAll().finally(() => process.exit(1));
  }, HARD_BOUND_MS);
  try {
    const [{ port }, r] = await Promise.all([double.next('ready'), startRedis()]);
    redis = r;
    admin = new Redis(redis.url);
    const hash = cheapHash(PASSWORD);
    const pipe = admin.pipeline();
    for (const a of agents) pipe.set(`${PREFIX}agent-password:${a}`, hash);
    await pipe.exec();
    const env = {
      ESL_PORT: String(port),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      ADMIN_TOKEN: ADMIN,
      DESK_STREAM: 'redis',
      CALL_RECORDS: 'off',
      XML_CURL_PORT: '0',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
    };
    const t0 = performance.now();
    for (let k = 1; k <= n; k++) instances.push(startInstance(`gw${k}`, await freePort(), env));
    for (const inst of instances) {
      await until(async () => (await fetch(`${inst.url}/readyz`)).status === 200, `${inst.id} ready`, 180_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${inst.output}`);
      });
    }
    console.log(`Fleet: ${n} instances (src/main.ts, DESK_STREAM=redis) started in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${agentCount} agents on the double; load average ${load()}`);

    pages = new Child<ToPages, FromPages>('./fleet-pages.ts', {});
    pages.send({ type: 'login', urls: instances.map((i) => i.url), agents, password: PASSWORD, concurrency: 50 });
    const li = await pages.next('logged-in', 300_000);
    if (li.failed) throw new Error(`${li.failed} logins failed; first: ${li.firstError}`);
    const perInstance = await Promise.all(instances.map(sockets));
    console.log(`\nlogin + Ready of ${li.ok} pages: ${(li.ms / 1000).toFixed(1)} s (50 at a time)`);
    console.log(`desk sockets per instance: ${instances.map((i, k) => `${i.id} ${perInstance[k]}`).join(' · ')}`);
    // Every agent Available on the switch before the calls start.
    await until(
      async () => {
        const res = await fetch(`${instances[0]!.url}/api/agents`, { headers: { authorization: `Bearer ${ADMIN}` } });
        const list = (await res.json()) as Array<{ status: string }> | { items: Array<{ status: string }> };
        const items = Array.isArray(list) ? list : list.items;
        return items.filter((a) => a.status === 'Available').length >= agentCount;
      },
      'every agent Available',
      120_000,
    );
    await new Promise((res) => setTimeout(res, 1000));

    // Redis work with no calls (presence refreshes, queue.waiting): what is not per call.
    const IDLE_S = 10;
    await admin.config('RESETSTAT');
    await new Promise((res) => setTimeout(res, IDLE_S * 1000));
    const idle = await commandStats(admin);
    let idleCmds = 0;
    for (const [cmd, k] of idle) if (cmd !== 'config' && cmd !== 'info' && cmd !== 'config|resetstat') idleCmds += k;
    const idleTop = [...idle].filter(([c]) => !['config', 'info', 'config|resetstat'].includes(c)).sort((a, b) => b[1] - a[1]);
    console.log(`Redis with the pages logged in and no calls (${IDLE_S} s): ${(idleCmds / IDLE_S).toFixed(0)} commands/s (${idleTop.map(([c, k]) => `${c} ${(k / IDLE_S).toFixed(0)}`).join(', ')})`);

    // Steady calls: pushes/s delivered, Redis commands per call.
    await admin.config('RESETSTAT');
    const out0 = await Promise.all(instances.map(pushesOut));
    const got0 = (await pages.ask({ type: 'count' }, 'count')).messages;
    const offers0 = (await double.ask({ type: 'stats' }, 'stats')).offers;
    const t1 = performance.now();
    const injected = await double.ask({ type: 'inject', phase: 'steady', rate, seconds, numbers: 1000 }, 'injected');
    await until(
      async () => {
        const st = await double.ask({ type: 'stats' }, 'stats');
        return st.waiting === 0 && st.calls === 0;
      },
      'the calls to end',
      120_000,
    );
    await new Promise((res) => setTimeout(res, 500));
    const wall = (performance.now() - t1) / 1000;
    const stats = await commandStats(admin);
    const out1 = await Promise.all(instances.map(pushesOut));
    const got1 = (await pages.ask({ type: 'count' }, 'count')).messages;
    const offers = (await double.ask({ type: 'stats' }, 'stats')).offers - offers0;
    const loadSteady = load();
    let cmds = 0;
    for (const [cmd, calls] of stats) if (cmd !== 'config' && cmd !== 'info' && cmd !== 'config|resetstat') cmds += calls;
    const calls = injected.count;
    console.log(`\nsteady calls: ${calls} callers at ${rate}/s for ${seconds} s (${offers} offers), all ended after ${wall.toFixed(1)} s; load average ${loadSteady}`);
    console.log(`pushes delivered (page side): ${got1 - got0} in all, ${((got1 - got0) / wall).toFixed(0)}/s across the ${n} instances, ${((got1 - got0) / calls).toFixed(1)} per call`);
    console.log(`pushes sent per instance (cc_ws_messages_total out): ${instances.map((i, k) => `${i.id} ${((out1[k]! - out0[k]!) / wall).toFixed(0)}/s`).join(' · ')}`);
    const top = [...stats].filter(([c]) => !['config', 'info', 'config|resetstat'].includes(c)).sort((a, b) => b[1] - a[1]);
    console.log(`Redis commands per call: ${(cmds / calls).toFixed(1)} (${top.map(([c, k]) => `${c} ${(k / calls).toFixed(1)}`).join(', ')})`);
    console.log(`  less the no-call rate over the ${wall.toFixed(1)} s: ${((cmds - (idleCmds / IDLE_S) * wall) / calls).toFixed(1)} commands per call`);

    // One instance killed with the calls still coming.
    const victim = instances[0]!;
    const onVictim = perInstance[0]!;
    const injecting = double.ask({ type: 'inject', phase: 'kill', rate, seconds: 10, numbers: 1000 }, 'injected');
    await new Promise((res) => setTimeout(res, 2000));
    const killedAt = performance.timeOrigin + performance.now();
    await stopProcess(victim.proc, 'SIGKILL');
    await until(async () => {
      const c = await pages!.ask({ type: 'count' }, 'count');
      return c.resumed + c.resumeFailed >= onVictim;
    }, 'the killed instance\'s pages to resume', 120_000);
    const loadKill = load();
    await injecting;
    await until(
      async () => {
        const st = await double.ask({ type: 'stats' }, 'stats');
        return st.waiting === 0 && st.calls === 0;
      },
      'the calls to end',
      120_000,
    );
    await new Promise((res) => setTimeout(res, 1000));
    const res = await pages.ask({ type: 'collect' }, 'resumes');
    const fromKill = res.moved.map((m) => m.ackAt - killedAt).sort((a, b) => a - b);
    const fromClose = res.moved.map((m) => m.ackAt - m.closedAt).sort((a, b) => a - b);
    const connect = res.moved.map((m) => m.connectMs).sort((a, b) => a - b);
    const survivors = await Promise.all(instances.slice(1).map(sockets));
    console.log(`\n${victim.id} killed (SIGKILL) with ${onVictim} pages, callers still coming at ${rate}/s; each page straight to another instance (no backoff); load average ${loadKill}`);
    console.log(`resumed ${res.moved.length}, failed ${res.resumeFailed}${res.firstError ? ` (first: ${res.firstError})` : ''}; sockets now ${instances.slice(1).map((i, k) => `${i.id} ${survivors[k]}`).join(' · ')}`);
    console.log(`kill → resume ack:    p50 ${ms(pct(fromKill, 50))} · p99 ${ms(pct(fromKill, 99))} · max ${ms(fromKill[fromKill.length - 1] ?? NaN)}`);
    console.log(`socket closed → ack:  p50 ${ms(pct(fromClose, 50))} · p99 ${ms(pct(fromClose, 99))} · max ${ms(fromClose[fromClose.length - 1] ?? NaN)}`);
    console.log(`connect + resume → ack: p50 ${ms(pct(connect, 50))} · p99 ${ms(pct(connect, 99))} · max ${ms(connect[connect.length - 1] ?? NaN)}`);
    console.log(`pages (all ${agentCount}) with a seq gap: ${res.gaps} · with a seq twice: ${res.repeats}${res.odd.length ? `; first ones: ${res.odd.join('; ')}` : ''}`);
    // What the pages with a gap did not get: the pushes are in the agent's stream in Redis.
    for (const [agent, from, to] of res.skipped) {
      const log = await admin.lrange(`${PREFIX}desk-log:${agent}`, 0, -1);
      const skipped = log.map((j) => JSON.parse(j) as { type: string; seq: number }).filter((p) => p.seq >= from && p.seq <= to);
      console.log(`  ${agent} never got seq ${from}–${to}, in the stream: ${skipped.map((p) => `${p.seq} ${p.type}`).join(', ')}`);
    }
  } finally {
    clearTimeout(bound);
    await stopAll();
  }
}
