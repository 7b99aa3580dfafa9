/**
 * REST latency with 500 agents on the double: GET /api/agents (a live
 * `agent list` of 500 rows, parsed, folded into the view, serialised) and
 * PUT /api/agents/:agent/status, sequential and concurrent, over loopback
 * with keep-alive. Target: p99 ≤ 5 ms. The double runs in a child process
 * (bench/rest-double.ts), as the switch would; the HTTP client runs here.
 *
 *   npm run bench -- rest [requests]      (default 2000 per measurement)
 */
import { Agent, request } from 'node:http';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/gateway.js';
import { silentLogger } from '../src/log.js';
import { startRedis } from '../test/helpers/redis.js';
import { waitFor } from '../test/helpers/stack.js';
import { Child } from './child.js';
import type { FromRestDouble, ToRestDouble } from './rest-double.js';

const ADMIN = 'bench-admin-token-0123';

const AGENTS = 500;
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function call(agent: Agent, url: URL, method: string, path: string, body?: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${ADMIN}` };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

interface Run {
  label: string;
  times: number[];
  wallMs: number;
  bytes: number;
}

function report(r: Run): void {
  const t = [...r.times].sort((a, b) => a - b);
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  console.log(
    `${r.label.padEnd(46)} n=${t.length}  p50 ${pct(t, 50).toFixed(3)} ms  p90 ${pct(t, 90).toFixed(3)} ms  p99 ${pct(t, 99).toFixed(3)} ms  max ${t[t.length - 1]!.toFixed(3)} ms  mean ${mean.toFixed(3)} ms  ${Math.round((t.length / r.wallMs) * 1000)} req/s${r.bytes ? `  ${Math.round(r.bytes / t.length)} B/resp` : ''}`,
  );
}

async function measure(label: string, n: number, concurrency: number, one: (i: number) => Promise<{ status: number; bytes: number }>, expect: number): Promise<Run> {
  const times: number[] = [];
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        const res = await one(i);
        times.push(performance.now() - t);
        bytes += res.bytes;
        if (res.status !== expect) throw new Error(`${label}: status ${res.status}`);
      }
    }),
  );
  return { label, times, wallMs: performance.now() - started, bytes };
}

export async function benchRest(n = 2000): Promise<void> {
  const double = new Child<ToRestDouble, FromRestDouble>('./rest-double.ts', { BENCH_AGENTS: String(AGENTS) });
  const [{ port }, redis] = await Promise.all([double.next('ready'), startRedis()]);
  const config = loadConfig({
    ESL_PORT: String(port),
    HTTP_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'bench:',
    API_TOKENS: `bench:admin:${ADMIN}`,
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const gw = await startGateway({ config, logger: silentLogger(), resyncIntervalMs: 0 });
  const http = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(gw.url);
  try {
    await waitFor(() => gw.callCenter.ready && gw.view.agents.size === AGENTS, `${AGENTS} agents in the view`, 30_000);
    console.log(`REST over loopback, ${AGENTS} agents on the double (its own process), keep-alive, ${n} requests per measurement after ${Math.min(500, n)} warm-up`);
    const list = () => call(http, url, 'GET', '/api/agents');
    const status = (i: number) => call(http, url, 'PUT', `/api/agents/${10_000 + (i % AGENTS)}@default/status`, JSON.stringify({ status: Math.floor(i / AGENTS) % 2 ? 'Available' : 'On Break' }));
    const warm = Math.min(500, n);
    await measure('warm-up', warm, 1, list, 200);
    await measure('warm-up', warm, 1, status, 200);
    const runs: Run[] = [];
    runs.push(await measure('GET /api/agents, sequential', n, 1, list, 200));
    runs.push(await measure('PUT /api/agents/:agent/status, sequential', n, 1, (i) => status(i + warm), 200));
    runs.push(await measure('GET /api/agents, 8 concurrent', n, 8, list, 200));
    runs.push(await measure('PUT /api/agents/:agent/status, 8 concurrent', n, 8, (i) => status(i + warm + n), 200));
    runs.push(await measure('mixed GET+PUT, 16 concurrent', n, 16, (i) => (i % 2 ? list() : status(i + warm + 2 * n)), 200));
    for (const r of runs) report(r);
    const seq = runs.slice(0, 2).map((r) => pct([...r.times].sort((a, b) => a - b), 99));
    console.log(`target p99 ≤ 5 ms sequential: GET ${seq[0]! <= 5 ? 'met' : 'MISSED'} (${seq[0]!.toFixed(3)} ms), PUT ${seq[1]! <= 5 ? 'met' : 'MISSED'} (${seq[1]!.toFixed(3)} ms)`);
  } finally {
    http.destroy();
    await gw.stop();
    await double.stop();
    await redis.stop();
  }
}
