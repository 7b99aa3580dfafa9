/**
 * Several gateway instances as child processes (stopped by their PIDs) behind a
 * real HAProxy running deploy/haproxy.cfg, sharing one Redis, one PostgreSQL
 * database and one FreeSWITCH double.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { raw } from '../helpers/http.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN = 'admin-token-0123456789';
export const HAPROXY = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((p) => existsSync(p)) ?? null;

export interface Instance {
  readonly id: string;
  readonly port: number;
  readonly url: string;
  proc: ChildProcess;
  output: string;
  /** kill -9: no drain, no goodbye; its sockets are reset by the kernel. */
  kill(): Promise<void>;
}

/** Gateway instances behind one HAProxy (deploy/haproxy.cfg), whatever switch they use. */
export interface Balanced {
  readonly instances: Instance[];
  /** The balancer's URL. */
  readonly url: string;
  api(method: string, path: string, body?: unknown, base?: string): Promise<{ status: number; body: any }>;
  /** Stops the instances (SIGTERM, SIGKILL after 5 s) and the balancer, by their PIDs. */
  stop(): Promise<void>;
}

export interface Cluster extends Balanced {
  readonly fs: FreeSwitchDouble;
  readonly redis: TestRedis;
  readonly db: TestDatabase;
  readonly prefix: string;
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${detail()}`);
}

function startInstance(id: string, port: number, env: Record<string, string>): Instance {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, HTTP_PORT: String(port), INSTANCE_ID: id, XML_CURL_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const inst: Instance = {
    id,
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    output: '',
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      process.kill(proc.pid!, 'SIGKILL');
      await exited;
    },
  };
  proc.stdout.on('data', (d: Buffer) => (inst.output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (inst.output += d.toString()));
  return inst;
}

/** What every instance of a test cluster shares: Redis and its prefix, PostgreSQL, the desk stream in Redis. */
export function sharedEnv(redis: TestRedis, db: TestDatabase, prefix: string): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: prefix,
    DATABASE_URL: db.url,
    ADMIN_TOKEN: ADMIN,
    DESK_STREAM: 'redis',
    LOG_LEVEL: 'warn',
    ESL_COMMAND_TIMEOUT_MS: '3000',
    RATE_LIMIT_PER_MINUTE: '100000',
  };
}

/** `n` gateway instances (gw1…, child processes with `env`) behind a real HAProxy; resolves once it forwards to all. */
export async function startBalanced(n: number, env: Record<string, string>): Promise<Balanced> {
  if (!HAPROXY) throw new Error('haproxy is not installed (npm run setup:test installs it)');
  const instances: Instance[] = [];
  let lb: ChildProcess | null = null;
  let lbOutput = '';
  const stop = async () => {
    await Promise.all(
      instances.map(async (i) => {
        if (i.proc.exitCode === null && i.proc.signalCode === null) {
          const exited = once(i.proc, 'exit');
          process.kill(i.proc.pid!, 'SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
          if (i.proc.exitCode === null && i.proc.signalCode === null) await i.kill();
        }
      }),
    );
    if (lb && lb.exitCode === null && lb.signalCode === null) {
      const exited = once(lb, 'exit');
      process.kill(lb.pid!, 'SIGTERM');
      await exited;
    }
  };
  try {
    for (let k = 1; k <= n; k++) instances.push(startInstance(`gw${k}`, await freePort(), env));
    const lbPort = await freePort();
    const lbEnv: Record<string, string> = { CC_LB_BIND: `127.0.0.1:${lbPort}` };
    instances.forEach((inst, k) => (lbEnv[`CC_GW${k + 1}`] = `127.0.0.1:${inst.port}`));
    lb = spawn(HAPROXY, ['-db', '-f', 'deploy/haproxy.cfg'], { cwd: ROOT, env: { ...process.env, ...lbEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    lb.stdout!.on('data', (d: Buffer) => (lbOutput += d.toString()));
    lb.stderr!.on('data', (d: Buffer) => (lbOutput += d.toString()));
    for (const inst of instances) {
      await until(async () => (await raw(inst.url, 'GET', '/readyz')).status === 200, `${inst.id} ready`, 180_000, () => `\n${inst.output.slice(-2000)}`);
    }
    const url = `http://127.0.0.1:${lbPort}`;
    // The balancer's checks (every second, rise 2) must have seen all of them up.
    await new Promise((r) => setTimeout(r, 2500));
    await until(async () => (await raw(url, 'GET', '/readyz')).status === 200, 'haproxy forwarding', 10_000, () => `\n${lbOutput.slice(-2000)}`);
    return {
      instances,
      url,
      async api(method, path, body, base = url) {
        const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await raw(base, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        return { status: res.status, body: res.body };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `n` instances behind HAProxy sharing one FreeSWITCH double, one Redis, one PostgreSQL database. */
export async function startCluster(n = 3, extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const fs = await FreeSwitchDouble.start({ ringMs: 30 });
  const redis = await startRedis();
  const db = await createTestDatabase();
  const prefix = `s${randomBytes(3).toString('hex')}:`;
  let balanced: Balanced;
  try {
    balanced = await startBalanced(n, { ESL_PORT: String(fs.port), ...sharedEnv(redis, db, prefix), ...extraEnv });
  } catch (err) {
    await fs.stop();
    await redis.stop();
    await db.drop();
    throw err;
  }
  return {
    ...balanced,
    fs,
    redis,
    db,
    prefix,
    async stop() {
      await balanced.stop();
      await fs.stop();
      await redis.stop();
      await db.drop();
    },
  };
}

/** Desk sockets open on an instance, from its own /metrics. */
export async function deskSockets(inst: Instance): Promise<number> {
  const res = await fetch(`${inst.url}/metrics`);
  const m = /^cc_ws_connections (\d+)/m.exec(await res.text());
  return m ? Number(m[1]) : 0;
}
