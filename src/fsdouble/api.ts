import type { SwitchCore } from './core.js';
import type { CallCenterApi } from './callcenter-api.js';
import type { Routing } from './routing.js';
import { str2cause } from './causes.js';
import { separateString } from './separate.js';
import { parseContact } from './legs.js';
import { HoldCommand } from './hold.js';
import { showCommand } from './show.js';
import type { ClickToDial } from './click-to-dial.js';
import { parseInline } from './click-to-dial.js';
import type { Eavesdrops } from './eavesdrop.js';
import { ControlCommands } from './call-controls.js';

export const VERSION_FULL = '1.10.12-release+git~20240802T210227Z~a88d069d6f~64bit';
export const VERSION_HUMAN = 'git a88d069 2024-08-02 21:02:27Z 64bit';

export interface ApiResult {
  /** false: switch_api_execute() found no such command. */
  readonly found: boolean;
  readonly output: string;
  /** A command that finishes later (a click-to-dial originate): bgapi's BACKGROUND_JOB carries this instead of `output`. */
  readonly later?: Promise<string>;
}

const ORIGINATE_SYNTAX = '<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]';

/**
 * switch_api_execute() for the commands a callcenter gateway uses:
 * callcenter_config, callcenter_break, uuid_kill, uuid_hold, uuid_exists, uuid_broadcast, hupall, originate (also `&eavesdrop`), show calls|channels as json, status, version.
 */
export class ApiCommands {
  private readonly holdCommand: HoldCommand;
  private readonly controls: ControlCommands;

  constructor(
    private readonly core: SwitchCore,
    private readonly ccApi: CallCenterApi,
    private readonly routing: Routing,
    private readonly clickToDial: ClickToDial | null = null,
    private readonly eavesdrops?: Eavesdrops,
  ) {
    this.holdCommand = new HoldCommand(core);
    this.controls = new ControlCommands(core, routing);
  }

  execute(command: string, arg: string | null): ApiResult {
    switch (command) {
      case 'callcenter_config':
        return ok(this.ccApi.execute(arg));
      case 'uuid_kill':
        return ok(this.uuidKill(arg));
      case 'uuid_hold':
        return ok(this.holdCommand.execute(arg));
      case 'uuid_exists':
        // mod_commands: `true` or `false`, no newline (switch_ivr_uuid_exists).
        return ok(arg !== null && this.core.channels.has(arg.trim()) ? 'true' : 'false');
      case 'uuid_broadcast':
        return ok(this.uuidBroadcast(arg));
      case 'show': {
        const out = showCommand(this.core, arg);
        // Other `show` forms are not simulated: answered like an unknown command.
        return out === null ? { found: false, output: '' } : ok(out);
      }
      case 'hupall':
        return ok(this.hupall(arg));
      case 'originate': {
        const dial = this.clickToDialOriginate(arg);
        return dial ?? ok(this.originate(arg));
      }
      case 'callcenter_break':
        return ok(this.callcenterBreak(arg));
      case 'status':
        return ok(this.status());
      case 'version':
        return ok(arg && arg.trim() === 'short' ? '1.10.12\n' : `FreeSWITCH Version ${VERSION_FULL} (${VERSION_HUMAN})\n`);
      default: {
        // uuid_audio, uuid_send_dtmf, uuid_setvar, uuid_transfer, callcenter_break (call-controls.ts).
        const out = this.controls.execute(command, arg);
        return out === null ? { found: false, output: '' } : ok(out);
      }
    }
  }

  /** A command line as fs_cli would send it (`api <line>`). */
  line(text: string): ApiResult & { command: string } {
    const sp = text.indexOf(' ');
    const command = sp === -1 ? text : text.slice(0, sp);
    const arg = sp === -1 ? null : text.slice(sp + 1);
    return { command, ...this.execute(command, arg) };
  }

  private uuidKill(arg: string | null): string {
    if (!arg) return '-USAGE: <uuid> [cause]\n';
    const sp = arg.indexOf(' ');
    const uuid = sp === -1 ? arg : arg.slice(0, sp);
    const causeText = sp === -1 ? '' : arg.slice(sp + 1);
    const cause = causeText ? str2cause(causeText) : 'NORMAL_CLEARING';
    return this.routing.kill(uuid, cause) ? '+OK\n' : '-ERR No Such Channel!\n';
  }

  /**
   * mod_commands' uuid_broadcast: `+OK Message Sent` once there are two arguments, whether
   * or not the channel exists (it ignores switch_ivr_broadcast's status). The double plays
   * nothing; what was asked is kept in `broadcasts` for the tests.
   */
  readonly broadcasts: Array<{ uuid: string; path: string; leg: string }> = [];
  private uuidBroadcast(arg: string | null): string {
    const argv = arg ? separateString(arg, 4) : [];
    if (argv.length < 2) return '-USAGE: <uuid> <path> [aleg|bleg|holdb|both]\n';
    this.broadcasts.push({ uuid: argv[0]!, path: argv[1]!, leg: argv[2] ?? '' });
    return '+OK Message Sent\n';
  }

  /** mod_callcenter's cc_break_api_function: no output when it works (ESL then says `-ERR no reply`). */
  private callcenterBreak(arg: string | null): string {
    const argv = arg ? separateString(arg, 2) : [];
    const uuid = argv[1];
    if (!uuid) return '-ERR Usage: callcenter_break agent <uuid>\n';
    return this.routing.breakAgent(uuid) ? '' : `-ERR Session not found for uuid ${uuid}\n`;
  }

  private hupall(arg: string | null): string {
    let cause = 'MANAGER_REQUEST';
    let variable: string | undefined;
    let value: string | undefined;
    if (arg) {
      const argv = separateString(arg, 3);
      const c = str2cause(argv[0] ?? '');
      if (c !== 'NONE') cause = c;
      variable = argv[1];
      value = argv[2];
    }
    if (variable && value !== undefined) {
      for (const ch of [...this.core.channels.values()]) if (!ch.gone && ch.get(variable) === value) this.routing.kill(ch.uuid, cause);
      return `+OK hangup all channels matching [${variable}]=[${value}] with cause: ${cause}\n`;
    }
    this.routing.hupall(cause);
    return `+OK hangup all channels with cause ${cause}\n`;
  }

  /**
   * `originate <dial string> '<apps>' inline` or `… &bridge(<target>)`: a click-to-dial
   * (src/fsdouble/click-to-dial.ts). Its result comes when the first leg answers or fails;
   * over `api` the double answers `+OK <uuid>` at once (see DIFFERENCES.md). null: not one.
   */
  private clickToDialOriginate(arg: string | null): ApiResult | null {
    if (!this.clickToDial || !arg) return null;
    const argv = separateString(arg, 10);
    const app = argv[1] ?? '';
    let apps: Array<{ app: string; data: string }> | null = null;
    if (argv[2] === 'inline') apps = parseInline(app);
    else if (app.startsWith('&bridge(') && app.endsWith(')')) apps = [{ app: 'bridge', data: app.slice(8, -1) }];
    if (!apps) return null;
    let done: (out: string) => void = () => undefined;
    const later = new Promise<string>((resolve) => (done = resolve));
    const refused = this.clickToDial.originate(argv[0] ?? '', apps, done);
    if (refused) return ok(refused);
    const uuid = /origination_uuid=([^,}\]]+)/.exec(argv[0] ?? '')?.[1] ?? '';
    return { found: true, output: `+OK ${uuid}\n`, later };
  }

  /** `originate {vars}loopback/<ext>/<context> &park`: a caller, into a queue when the extension runs callcenter. */
  private originate(arg: string | null): string {
    const argv = arg ? separateString(arg, 10) : [];
    if (argv.length < 2 || argv.length > 7) return `-USAGE: ${ORIGINATE_SYNTAX}\n`;
    const contact = parseContact(argv[0]!);
    const vars = new Map(contact.vars);
    if (contact.errorCause) return `-ERR ${contact.errorCause}\n`;
    const eavesdrop = /^&eavesdrop\((.+)\)$/.exec(argv[1]!);
    if (eavesdrop && this.eavesdrops && contact.endpoint.startsWith('user/')) return this.eavesdrops.originate(contact.endpoint, contact.vars, eavesdrop[1]!);
    if (!contact.loopback) return '-ERR CHAN_NOT_IMPLEMENTED\n';
    try {
      const ids = this.routing.injectCaller({
        uuid: vars.get('origination_uuid'),
        number: vars.get('origination_caller_id_number') ?? argv[5] ?? '0000000000',
        name: vars.get('origination_caller_id_name') ?? argv[4] ?? 'FreeSWITCH',
        destination: contact.loopback.ext,
        context: contact.loopback.context,
      });
      return `+OK ${ids.callerUuid}\n`;
    } catch {
      return '-ERR NORMAL_TEMPORARY_FAILURE\n';
    }
  }

  private status(): string {
    let us = Math.max(0, Math.floor((this.core.nowMs() - this.core.startedMs) * 1000));
    const take = (n: number): number => {
      const v = us % n;
      us = Math.floor(us / n);
      return v;
    };
    const micro = take(1000);
    const milli = take(1000);
    const sec = take(60);
    const min = take(60);
    const hour = take(24);
    const day = take(365);
    const year = us;
    const sessions = this.core.channels.size;
    return (
      `UP ${year} years, ${day} days, ${hour} hours, ${min} minutes, ${sec} seconds, ${milli} milliseconds, ${micro} microseconds\n` +
      `FreeSWITCH (Version ${VERSION_FULL} ${VERSION_HUMAN}) is ready\n` +
      `${this.core.sessionsSinceStartup} session(s) since startup\n` +
      `${sessions} session(s) - peak ${this.core.peakSessions}, last 5min ${this.core.peakSessions}\n` +
      `0 session(s) per Sec out of max 30, peak 0, last 5min 0\n` +
      `1000 session(s) max\n` +
      `min idle cpu 0.00/100.00\n` +
      `Current Stack Size/Max 240K/8192K\n`
    );
  }
}

function ok(output: string): ApiResult {
  return { found: true, output };
}
