import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DeskClient } from './helpers/stack.js';
import { freePort, startRedis } from './helpers/redis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function groupAlive(pgid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter(Boolean);
  } catch {
    return []; // ps exits 1 when the group is empty
  }
}

for (const withRedis of [true, false]) {
  test(`npm run demo ${withRedis ? 'with Redis' : 'without Redis (in-process fallback)'}: an agent goes ready and gets a screen pop; Ctrl-C exits 0 with no orphans`, async () => {
    const redis = withRedis ? await startRedis() : null;
    const port = await freePort();
    const child = spawn('npm', ['run', '--silent', 'demo'], {
      cwd: ROOT,
      detached: true, // its own process group, like a terminal's foreground job
      env: {
        ...process.env,
        HTTP_PORT: String(port),
        REDIS_URL: redis ? redis.url : `redis://127.0.0.1:${await freePort()}`,
        DEMO_CALL_INTERVAL_MS: '300',
        DEMO_RING_MS: '50',
        DEMO_MIN_STAY_MS: '5000',
        DEMO_MAX_STAY_MS: '6000',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const started = Date.now();
      while (!out.includes('demo is running')) {
        if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`demo did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(out, /1001@default\s+password demo-1001/);
      if (!withRedis) assert.match(out, /WARNING: no Redis/);
      const desk = await DeskClient.open(`http://127.0.0.1:${port}`);
      const ack = await desk.request({ type: 'login', agent: '1001@default', password: 'demo-1001' });
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      assert.equal((await desk.request({ type: 'ready' })).type, 'ack');
      // Callers arrive every ~300 ms; some match a demo record.
      const pop = await desk.next('call.offered', (m) => m.data !== null && 'company' in m.data, 15_000);
      assert.ok(pop.callerNumber.length > 0);
      assert.ok(pop.data && pop.data.account_number, 'dialplan variables exported into the pop');
      desk.close();
    } finally {
      const exit = once(child, 'exit');
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
      const [code] = await exit;
      assert.equal(code, 0, out.slice(-2000));
      for (let i = 0; i < 50 && groupAlive(child.pid!).length; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(groupAlive(child.pid!), [], 'no process of the demo is left');
      await redis?.stop();
    }
  });
}
