import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FreeSwitchDouble } from '../src/fsdouble/index.js';
import { freePort, startRedis } from './helpers/redis.js';
import { raw } from './helpers/http.js';
import { waitFor } from './helpers/stack.js';

/**
 * Production runs the compiled JavaScript (`npm run build`, then `npm start` =
 * `node dist/main.js`), without tsx. These tests build dist/ as the README says
 * and check what it holds and that it runs.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const run = promisify(execFile);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Bare module names a compiled file imports (static and dynamic), without node: builtins. */
function packagesImportedBy(js: string): string[] {
  const out: string[] = [];
  for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    if (spec === undefined || spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    const parts = spec.split('/');
    out.push(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec));
  }
  return out;
}

// One build for both tests; the second needs the first's output.
let built: Promise<void> | null = null;
const build = () => (built ??= run('npm', ['run', '--silent', 'build'], { cwd: ROOT }).then(() => undefined));

test('npm run build: dist/ holds the gateway and nothing of the tests, benches, demo or FreeSWITCH double; it imports only production dependencies', async () => {
  await build();
  const files = filesUnder(DIST);
  assert.ok(files.includes('main.js'), files.join('\n'));
  for (const part of ['gateway.js', 'esl/client.js', 'callcenter/service.js', 'http/app.js', 'realtime/ws-server.js', 'store/redis.js']) {
    assert.ok(files.includes(part), `dist/${part} is built`);
  }
  const unwanted = files.filter((f) => /^(test|bench|fsdouble|demo)\b|\.test\.|demo\.js/.test(f));
  assert.deepEqual(unwanted, [], 'no tests, benches, demo or double in dist/');
  assert.deepEqual(files.filter((f) => f.endsWith('.ts')), [], 'no TypeScript sources in dist/');

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const notProduction = new Set<string>();
  for (const f of files.filter((x) => x.endsWith('.js'))) {
    for (const name of packagesImportedBy(readFileSync(join(DIST, f), 'utf8'))) if (!(name in pkg.dependencies)) notProduction.add(`${f}: ${name}`);
  }
  assert.deepEqual([...notProduction], [], 'dist/ imports only packages listed in "dependencies" (an `npm ci --omit=dev` install runs it)');
});

test('npm start runs dist/main.js with plain node: it connects to the switch and Redis, serves the API and the agent page, and stops on SIGTERM', async () => {
  await build();
  const fs = await FreeSwitchDouble.start({});
  const redis = await startRedis();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ESL_HOST: '127.0.0.1',
    ESL_PORT: String(fs.port),
    HTTP_PORT: String(port),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'build-test:',
    ADMIN_TOKEN: 'build-test-admin-token',
    LOG_LEVEL: 'info',
  };
  delete env.NODE_OPTIONS; // nothing may load tsx into the child: production runs plain node
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = once(child, 'exit');
  try {
    await waitFor(() => out.includes('gateway listening') || child.exitCode !== null, 'gateway listening', 30_000);
    assert.equal(child.exitCode, null, out);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await raw(url, 'GET', '/readyz')).status === 200, 'ready: ESL link up and Redis answering', 10_000);
    const page = await raw(url, 'GET', '/');
    assert.equal(page.status, 200, 'the agent page is found from dist/ (web/ beside it)');
    assert.match(String(page.body), /<html/i);
    const agents = await raw(url, 'GET', '/api/agents', { headers: { authorization: 'Bearer build-test-admin-token' } });
    assert.equal(agents.status, 200, JSON.stringify(agents.body));
    process.kill(-child.pid!, 'SIGTERM'); // the process group, as a terminal or a service manager does
    const [code] = await exited;
    assert.equal(code, 0, out.slice(-2000));
  } finally {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await redis.stop();
    await fs.stop();
  }
});

test('dist/main.js with a LOG_LEVEL pino does not know: exits 2 with a message naming the variable, before connecting to anything', async () => {
  await build();
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'verbose', ESL_PORT: '1', REDIS_URL: 'redis://127.0.0.1:1' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2, out);
  assert.match(out, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
});
