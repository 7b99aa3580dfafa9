import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/redis.js';
import { stopAllOnExit, stopByPid } from './processes.js';

/**
 * A real SIP phone for the real-switch tier: baresip, headless, on loopback, registered to the
 * test's switch, driven over its ctrl_tcp module (netstring-framed JSON). Audio: a sine source
 * (ausine needs 48 kHz stereo) and no playback device; codecs: G.711.
 */

// baresip colours its console output: escape sequences are control characters on purpose.
// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;
const stripAnsi = (text: string): string => text.replace(ANSI_COLOUR, '');

export interface PhoneOptions {
  readonly user: string;
  readonly password: string;
  /** host:port of the switch's internal SIP profile. */
  readonly registrar: string;
  /** SIP display name (From header); may hold any bytes, e.g. Latin-1. */
  readonly displayName?: string;
  /** Answer incoming calls by itself (`;answermode=auto`). */
  readonly autoAnswer?: boolean;
  readonly baresipBin?: string;
  /** The tone this phone sends (ausine, Hz; default 440): tests tell who hears whom by frequency. */
  readonly sineHz?: number;
  /** Record what the phone sends and hears (baresip's sndfile module: dump-…-enc.wav / -dec.wav per call) here. */
  readonly recordDir?: string;
}

export interface PhoneEvent {
  readonly class?: string;
  readonly type?: string;
  readonly param?: string;
  readonly [k: string]: unknown;
}

interface Response {
  readonly ok: boolean;
  readonly data: string;
}

export class Phone {
  readonly events: PhoneEvent[] = [];
  private waiters: Array<() => void> = [];
  private replies: Array<(r: Response) => void> = [];
  private buf = Buffer.alloc(0);
  private exited = false;

  private constructor(
    readonly user: string,
    private readonly proc: ChildProcess,
    private readonly sock: Socket,
    private readonly dir: string,
  ) {
    sock.on('data', (c: Buffer) => this.onData(c));
    sock.on('error', () => undefined);
    proc.once('exit', () => {
      this.exited = true;
      this.wake();
    });
  }

  /**
   * Starts a phone; a baresip that exits at start-up (a port picked as free was taken meanwhile,
   * e.g. by a test file running in parallel) is retried with new ports.
   */
  static async start(o: PhoneOptions): Promise<Phone> {
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await Phone.startOnce(o);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  private static async startOnce(o: PhoneOptions): Promise<Phone> {
    const dir = mkdtempSync(join(tmpdir(), `cc-phone-${o.user}-`));
    const [sip, ctrl] = [await freePort(), await freePort()];
    const rtp = 40000 + 2 * Math.floor(Math.random() * 10000);
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${sip}`,
        'net_interface 127.0.0.1',
        `rtp_ports ${rtp}-${rtp + 40}`,
        'audio_player aubridge,nil',
        `audio_source ausine,${o.sineHz ?? 440}`,
        'audio_alert aubridge,nil',
        'ausrc_srate 48000',
        'ausrc_channels 2',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module ausine.so',
        'module aubridge.so',
        ...(o.recordDir ? ['module sndfile.so', `snd_path ${o.recordDir}`] : []),
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrl}`,
        '',
      ].join('\n'),
    );
    const name = o.displayName !== undefined ? `"${o.displayName}" ` : '';
    const params = [`auth_pass=${o.password}`, 'regint=600', o.autoAnswer ? 'answermode=auto' : 'answermode=manual'];
    // Written as bytes: a Latin-1 display name must reach the wire unchanged.
    writeFileSync(join(dir, 'accounts'), Buffer.from(`${name}<sip:${o.user}@${o.registrar};transport=udp>;${params.join(';')}\n`, 'latin1'));
    writeFileSync(join(dir, 'contacts'), '');
    // stdin is not a terminal: the keyboard interface (stdio/cons) stays out of the way.
    const proc = spawn(o.baresipBin ?? 'baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    stopAllOnExit(proc);
    // Kept for the error message when it does not come up; drained so it never blocks.
    let output = '';
    const keep = (c: Buffer) => {
      output = (output + c.toString('latin1')).slice(-2000);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    let sock: Socket | null = null;
    for (let i = 0; i < 200 && !sock; i++) {
      if (proc.exitCode !== null) break;
      sock = await new Promise<Socket | null>((resolve) => {
        const s = connect(ctrl, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(null));
      });
      if (!sock) await new Promise((r) => setTimeout(r, 50));
    }
    if (!sock) {
      await stopByPid(proc, [], 0);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`baresip for ${o.user} did not open ctrl_tcp: ${stripAnsi(output).trim().slice(-500)}`);
    }
    return new Phone(o.user, proc, sock, dir);
  }

  private onData(c: Buffer): void {
    this.buf = Buffer.concat([this.buf, c]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.subarray(0, colon).toString());
      if (this.buf.length < colon + 1 + len + 1) return;
      const text = this.buf.subarray(colon + 1, colon + 1 + len).toString('latin1');
      this.buf = this.buf.subarray(colon + 2 + len);
      const msg = JSON.parse(text) as Record<string, unknown>;
      if (msg.response) this.replies.shift()?.({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data : '' });
      else if (msg.event) this.events.push(msg);
      this.wake();
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** One ctrl_tcp command; resolves with baresip's response. */
  command(command: string, params = ''): Promise<Response> {
    const body = Buffer.from(JSON.stringify({ command, params, token: command }), 'latin1');
    return new Promise((resolve) => {
      this.replies.push(resolve);
      this.sock.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    });
  }

  /** Waits for a phone event (`type` e.g. REGISTER_OK, CALL_ESTABLISHED, CALL_CLOSED) seen at or after `from`. */
  async waitEvent(type: string, timeoutMs = 10000, from = 0): Promise<PhoneEvent> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find((e) => e.type === type);
      if (found) return found;
      if (this.exited) throw new Error(`baresip ${this.user} exited before ${type}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`baresip ${this.user}: no ${type} in ${timeoutMs} ms; got ${this.events.map((e) => e.type).join(',')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /**
   * Waits until the account is registered. baresip registers at start-up, often before our
   * ctrl_tcp connection exists (its REGISTER_OK event then reaches nobody), so ask `reginfo`.
   */
  async registered(timeoutMs = 10000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      if (this.events.some((e) => e.type === 'REGISTER_OK')) return;
      if (this.exited) throw new Error(`baresip ${this.user} exited before registering`);
      last = stripAnsi((await this.command('reginfo')).data);
      if (/\bOK\b/.test(last)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`baresip ${this.user} not registered in ${timeoutMs} ms: ${last}`);
  }

  async dial(uri: string): Promise<void> {
    const r = await this.command('dial', uri);
    if (!r.ok) throw new Error(`dial ${uri}: ${r.data}`);
  }
  async sendDtmf(digits: string): Promise<void> {
    const r = await this.command('sndcode', digits);
    if (!r.ok) throw new Error(`sndcode ${digits}: ${r.data}`);
  }
  async answer(): Promise<void> {
    await this.command('accept');
  }
  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  /** First SIGTERM unregisters, the second ends it; SIGKILL if it lingers. */
  async stop(): Promise<void> {
    this.sock.destroy();
    await stopByPid(this.proc, ['SIGTERM', 'SIGTERM'], 1500);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
