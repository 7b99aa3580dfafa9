/**
 * `npm run bench -- scale [pages]`: several gateway instances sharing the desk (DESK_STREAM=redis).
 *
 * 1. Redis work per push: 1, 2 and 3 instances each append the same keyed pushes (as they do for a
 *    switch event); Redis's own command statistics give round trips and commands per push.
 * 2. Resume time when an instance goes: [pages] agents (default 200) logged in on instance A, A
 *    stops (its sockets close), every page at once reconnects to instance B and resumes; time from
 *    its socket's close to its resume ack, p50/p99/max (the page's own reconnect backoff, 250 ms
 *    and up in web/app.js, and a balancer's health check come on top). A switch change during the
 *    gap is checked to arrive once on every page.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { startGateway, type Gateway } from '../src/gateway.js';
import { silentLogger } from '../src/log.js';
import { FreeSwitchDouble } from '../src/fsdouble/index.js';
import { SharedPushStream } from '../src/realtime/shared-stream.js';
import { textOf } from '../src/realtime/raw-data.js';
import { startRedis } from '../test/helpers/redis.js';

const ADMIN = 'admin-token-0123456789';

async function commandStats(r: Redis): Promise<Map<string, number>> {
  const info = await r.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

async function opsPerPush(): Promise<void> {
  const server = await startRedis();
  try {
    const admin = new Redis(server.url);
    const pushes = 2000;
    console.log('Redis work per push (keyed: a switch event every instance turns into the same push)');
    console.log('| instances | EVALSHA round trips / push | commands run / push (in scripts) | writes / push |');
    console.log('|---|---|---|---|');
    for (const n of [1, 2, 3]) {
      const conns = Array.from({ length: n }, () => new Redis(server.url));
      const streams = conns.map((c) => new SharedPushStream(c, `b${n}:`, 60_000, silentLogger()));
      // Warm the script cache (the first call is an EVAL).
      for (const s of streams) await s.append('warm@d', '{"type":"link","switchConnected":true}', null);
      await admin.config('RESETSTAT');
      for (let i = 0; i < pushes; i++) {
        const json = JSON.stringify({ type: 'agent.state', state: i % 2 ? 'Idle' : 'Waiting' });
        await Promise.all(streams.map((s) => s.append(`a${i % 50}@d`, json, `core/${i}:agent.state`)));
      }
      const stats = await commandStats(admin);
      const evalsha = stats.get('evalsha') ?? 0;
      let inner = 0;
      for (const [cmd, calls] of stats) if (cmd !== 'evalsha' && cmd !== 'config' && cmd !== 'info') inner += calls;
      const writes = ['incr', 'rpush', 'ltrim', 'pexpire', 'set'].reduce((sum, c) => sum + (stats.get(c) ?? 0), 0);
      console.log(`| ${n} | ${(evalsha / pushes).toFixed(2)} | ${(inner / pushes).toFixed(2)} | ${(writes / pushes).toFixed(2)} |`);
      for (const c of conns) c.disconnect();
    }
    admin.disconnect();
  } finally {
    await server.stop();
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function resumeTime(pages: number): Promise<void> {
  const fs = await FreeSwitchDouble.start({ ringMs: 30 });
  const redis = await startRedis();
  const prefix = `r${randomBytes(3).toString('hex')}:`;
  const gws: Gateway[] = [];
  try {
    for (const id of ['gwA', 'gwB']) {
      const config = loadConfig({ ESL_PORT: String(fs.port), HTTP_PORT: '0', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, ADMIN_TOKEN: ADMIN, CALL_RECORDS: 'off', DESK_STREAM: 'redis', INSTANCE_ID: id, RATE_LIMIT_PER_MINUTE: '1000000' });
      gws.push(await startGateway({ config, logger: silentLogger(), resyncIntervalMs: 0 }));
    }
    const [ga, gb] = gws as [Gateway, Gateway];
    while (!ga.callCenter.ready || !gb.callCenter.ready) await new Promise((r) => setTimeout(r, 20));
    const agents = Array.from({ length: pages }, (_, i) => `${2000 + i}@default`);
    for (const a of agents) {
      const res = await fetch(`${ga.url}/api/agents`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: a, contact: `null/agent-${a}`, password: `pw-${a}-secret` }) });
      if (res.status !== 201) throw new Error(`agent ${a}: ${res.status}`);
    }
    interface Page {
      agent: string;
      token: string;
      lastSeq: number;
      closedAt: number;
      seqs: number[];
    }
    const list: Page[] = [];
    const open = (url: string, onMsg: (m: { type: string; seq?: number; token?: string; id?: number }) => void) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
        ws.on('message', (d) => onMsg(JSON.parse(textOf(d)) as { type: string; seq?: number; token?: string }));
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const sockets: WebSocket[] = [];
    await Promise.all(
      agents.map(async (agent) => {
        const page: Page = { agent, token: '', lastSeq: 0, closedAt: 0, seqs: [] };
        list.push(page);
        let acked!: () => void;
        const done = new Promise<void>((r) => (acked = r));
        const ws = await open(ga.url, (m) => {
          if (m.type === 'ack' && m.token) {
            page.token = m.token;
            acked();
          } else if (typeof m.seq === 'number' && m.type !== 'ack') page.lastSeq = m.seq;
        });
        ws.on('close', () => (page.closedAt = performance.now()));
        sockets.push(ws);
        ws.send(JSON.stringify({ type: 'login', id: 1, agent, password: `pw-${agent}-secret`, ready: true }));
        await done;
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const closedAll = Promise.all(sockets.map((ws) => new Promise((r) => ws.once('close', r))));
    await ga.stop();
    await closedAll;
    // A switch change for every agent while no page is connected.
    for (const a of agents) fs.api(`callcenter_config agent set state ${a} Idle`);
    const times: number[] = [];
    const trips: number[] = [];
    let dup = 0;
    let missing = 0;
    await Promise.all(
      list.map(async (page) => {
        let resolve!: () => void;
        const got = new Promise<void>((r) => (resolve = r));
        const seen: number[] = [];
        let acked = false;
        const t0 = performance.now();
        const ws = await open(gb.url, (m) => {
          if (m.type === 'ack') {
            acked = true;
            times.push(performance.now() - page.closedAt);
            trips.push(performance.now() - t0);
          } else if (typeof m.seq === 'number') {
            seen.push(m.seq);
            if (m.type === 'agent.state') resolve();
          }
        });
        ws.send(JSON.stringify({ type: 'resume', id: 2, agent: page.agent, token: page.token, lastSeq: page.lastSeq }));
        await Promise.race([got, new Promise((r) => setTimeout(r, 10_000))]);
        if (!acked || seen.length === 0) missing++;
        if (new Set(seen).size !== seen.length || seen.some((s) => s <= page.lastSeq)) dup++;
        ws.terminate();
      }),
    );
    times.sort((a, b) => a - b);
    trips.sort((a, b) => a - b);
    console.log(`\nResume on another instance, ${pages} pages at once (ms; the page's reconnect backoff not included)`);
    console.log(`socket closed → resume ack (includes A's stop and the gap's switch changes): p50 ${quantile(times, 0.5).toFixed(1)} · p99 ${quantile(times, 0.99).toFixed(1)} · max ${(times[times.length - 1] ?? NaN).toFixed(1)}`);
    console.log(`connect to B + resume → ack: p50 ${quantile(trips, 0.5).toFixed(1)} · p99 ${quantile(trips, 0.99).toFixed(1)} · max ${(trips[trips.length - 1] ?? NaN).toFixed(1)}`);
    console.log(`pages missing the gap's push: ${missing} · pages with a repeated seq: ${dup}`);
  } finally {
    for (const g of gws) await g.stop().catch(() => undefined);
    await fs.stop();
    await redis.stop();
  }
}

export async function benchScale(pages: number): Promise<void> {
  await opsPerPush();
  await resumeTime(pages);
}
