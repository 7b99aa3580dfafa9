import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../helpers/redis.js';
import { RawClient } from '../fsdouble/helpers.js';
import { buildConf, RUN_DIRS, type SharedDatabase, type SwitchPorts, type SwitchSecrets } from './conf.js';
import { stopAllOnExit, stopByPid } from './processes.js';

/** The switch process ended before it was ready. */
class EarlyExit extends Error {}

/** Where the tier finds FreeSWITCH, or why it cannot run. */
export type SwitchAvailability = { readonly bin: string; readonly modDir: string } | { readonly skip: string };

export function findSwitch(env: NodeJS.ProcessEnv = process.env): SwitchAvailability {
  const bin = env.FREESWITCH_BIN || '/opt/freeswitch/bin/freeswitch';
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    return { skip: `no FreeSWITCH binary at ${bin} (set FREESWITCH_BIN, or run npm run setup:test)` };
  }
  // A source build keeps its modules in <prefix>/lib/freeswitch/mod.
  const modDir = env.FREESWITCH_MOD_DIR || join(dirname(dirname(bin)), 'lib/freeswitch/mod');
  if (!existsSync(join(modDir, 'mod_callcenter.so'))) return { skip: `no mod_callcenter.so in ${modDir} (set FREESWITCH_MOD_DIR)` };
  return { bin, modDir };
}

export interface StartOptions {
  /** One box of several keeping mod_callcenter's tables in one PostgreSQL database (conf.ts joinSharedDatabase). */
  readonly shared?: SharedDatabase;
  /** The ESL password (default: a random one): boxes behind one gateway share it (its ESL_PASSWORD). */
  readonly eslPassword?: string;
}

/**
 * A private FreeSWITCH: its own conf (vanilla + freeswitch-conf/, see conf.ts), directories and
 * loopback ports; run in the foreground (-nf) as this process's child so that it is stopped by its
 * PID, also when a test fails or the test process exits.
 */
export class RealSwitch {
  private proc: ChildProcess | null = null;
  private cli: RawClient | null = null;

  private constructor(
    readonly dir: string,
    readonly ports: SwitchPorts,
    readonly secrets: SwitchSecrets,
    private readonly bin: string,
  ) {}

  get eslPort(): number {
    return this.ports.esl;
  }
  get sipPort(): number {
    return this.ports.sipInternal;
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(where: { bin: string; modDir: string }, opts: StartOptions = {}): Promise<RealSwitch> {
    // A switch that exits within its first moments (seen once in CI: exit 255 before it wrote a
    // log line, while other test files started switches and phones) is started again, on fresh
    // ports in a fresh directory; what it printed is kept in <dir>/console.txt and reported.
    for (let attempt = 1; ; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), 'cc-fs-'));
      const rtpStart = 20000 + 2 * Math.floor(Math.random() * 15000);
      const ports: SwitchPorts = { esl: await freePort(), sipInternal: await freePort(), sipExternal: await freePort(), rtpStart, rtpEnd: rtpStart + 400, xmlCurl: await freePort() };
      // Hex: a "--" in a password expanded inside an XML comment would stop the switch from starting.
      const pw = () => randomBytes(9).toString('hex');
      const secrets: SwitchSecrets = { eslPassword: opts.eslPassword ?? `esl-${pw()}`, defaultPassword: `dp-${pw()}`, phones: { '1001': `p1001-${pw()}`, '1002': `p1002-${pw()}`, '1003': `p1003-${pw()}` }, xmlCurlPassword: `xc-${pw()}` };
      buildConf(dir, ports, secrets, where.modDir, opts.shared);
      const fs = new RealSwitch(dir, ports, secrets, where.bin);
      try {
        await fs.run();
        return fs;
      } catch (err) {
        if (!(err instanceof EarlyExit) || attempt >= 3) throw err;
        process.stderr.write(`real switch: ${err.message}; starting another (attempt ${attempt + 1} of 3)\n`);
      }
    }
  }

  private async run(): Promise<void> {
    const args = ['-nf', '-nc', '-nonat', '-nonatmap', '-nocal'];
    for (const d of RUN_DIRS) args.push(`-${d}`, join(this.dir, d));
    const consoleOut = openSync(join(this.dir, 'console.txt'), 'w');
    const proc = spawn(this.bin, args, { stdio: ['ignore', consoleOut, consoleOut] });
    closeSync(consoleOut);
    this.proc = proc;
    stopAllOnExit(proc);
    const failed = once(proc, 'exit').then(([code]) => {
      let printed = '';
      try {
        printed = readFileSync(join(this.dir, 'console.txt'), 'utf8').trim().split('\n').slice(-5).join(' | ');
      } catch {
        // nothing printed
      }
      throw new EarlyExit(`freeswitch exited (${String(code)}) while starting; see ${join(this.dir, 'log/freeswitch.log')}${printed ? `; it printed: ${printed}` : ''}`);
    });
    await Promise.race([this.waitReady(), failed]);
    failed.catch(() => undefined);
  }

  /** Ready = ESL answers and mod_callcenter's queue and the internal SIP profile are up. */
  private async waitReady(timeoutMs = 90000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      try {
        const c = await this.client();
        const q = await c.command('api callcenter_config queue list', 2000);
        const s = await c.command('api sofia status', 2000);
        if (q.body.includes('support@default') && /\binternal\s+profile\s+\S+\s+RUNNING/.test(s.body)) return;
        last = s.body + q.body;
      } catch (e) {
        last = String(e);
        this.dropClient();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`freeswitch not ready in ${timeoutMs} ms: ${last.slice(0, 300)}`);
  }

  private async client(): Promise<RawClient> {
    if (this.cli && !this.cli.closed) return this.cli;
    const c = await RawClient.connect(this.ports.esl);
    const auth = await c.command(`auth ${this.secrets.eslPassword}`);
    if (!auth.headers.get('Reply-Text')?.startsWith('+OK')) throw new Error(`ESL auth refused: ${auth.headers.get('Reply-Text')}`);
    this.cli = c;
    return c;
  }

  private dropClient(): void {
    this.cli?.close();
    this.cli = null;
  }

  /** An API command on the switch (what `fs_cli -x` does); resolves with the reply body. */
  async api(cmd: string, timeoutMs = 5000): Promise<string> {
    const c = await this.client();
    return (await c.command(`api ${cmd}`, timeoutMs)).body;
  }

  /** fs_cli's arguments for this instance (for people debugging a test). */
  fsCliArgs(): string[] {
    return ['-H', '127.0.0.1', '-P', String(this.ports.esl), '-p', this.secrets.eslPassword];
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'log/freeswitch.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops the switch (SIGTERM by PID, SIGKILL after `graceMs`), keeping its directories. */
  async halt(graceMs = 10000): Promise<void> {
    this.dropClient();
    const p = this.proc;
    this.proc = null;
    if (p) await stopByPid(p, ['SIGTERM'], graceMs);
  }

  /** Stops and starts the same instance (same conf, ports and sqlite databases). */
  async restart(): Promise<void> {
    await this.halt();
    await this.run();
  }

  async stop(): Promise<void> {
    await this.halt();
    if (!process.env.KEEP_SWITCH_DIR) rmSync(this.dir, { recursive: true, force: true });
  }
}
