import type { SwitchCore } from './core.js';
import type { Routing } from './routing.js';
import { ST, type Channel, type ChannelState } from './channel.js';
import type { CallSite } from './event-builder.js';

/** Where the recorded events come from (FreeSWITCH 1.10.12 source; lines as in the controls real-switch run). */
const SITES = {
  mediaBugStart: { file: 'switch_core_media_bug.c', func: 'switch_core_media_bug_add', line: 1014 },
  mediaBugStop: { file: 'switch_core_media_bug.c', func: 'switch_core_media_bug_destroy', line: 84 },
  channelUnbridge: { file: 'switch_ivr_bridge.c', func: 'switch_ivr_multi_threaded_bridge', line: 1722 },
  channelPark: { file: 'switch_ivr.c', func: 'switch_ivr_park', line: 993 },
} as const satisfies Record<string, CallSite>;

/**
 * The call-control commands a gateway sends, as the real switch answered them
 * (fixtures 11, 12, 18 and test/switch/controls.test.ts):
 * - `uuid_audio <uuid> start read mute <n>` → `+OK`, MEDIA_BUG_START (Media-Bug-Function `audio`,
 *   Media-Bug-Target `mute`) on the leg; `stop` → `+OK`, MEDIA_BUG_STOP when a bug was on;
 * - `uuid_send_dtmf <uuid> <digits>` → `+OK <uuid> sent DTMF <digits>.` (no event on the sending leg);
 * - `uuid_setvar <uuid> <name> [<value>]` → `+OK`;
 * - `uuid_transfer <member> <ext> XML <context>` / `… callcenter:<queue> inline` → `+OK`: the
 *   agent leg hangs up, the member leg unbridges and runs the destination (joins the queue, or parks);
 * - `callcenter_break agent <uuid>` → `-ERR no reply` for a live session.
 * Unknown uuids: `-ERR No such channel!` (what uuid_kill answers on the real switch).
 */
export class ControlCommands {
  /** Legs with a mute bug (uuid_audio). */
  private readonly bugs = new Set<string>();

  constructor(
    private readonly core: SwitchCore,
    private readonly routing: Routing,
  ) {}

  execute(command: string, arg: string | null): string | null {
    const argv = (arg ?? '').split(' ').filter((w) => w !== '');
    switch (command) {
      case 'uuid_audio':
        return this.audio(argv);
      case 'uuid_send_dtmf':
        return this.dtmf(argv);
      case 'uuid_setvar':
        return this.setvar(argv);
      case 'uuid_transfer':
        return this.transfer(argv);
      case 'callcenter_break':
        return this.ccBreak(argv);
      default:
        return null;
    }
  }

  private live(uuid: string | undefined): Channel | null {
    const ch = uuid ? this.core.channels.get(uuid) : undefined;
    return ch && !ch.gone ? ch : null;
  }

  private state(ch: Channel): ChannelState {
    return ch.kind === 'member' ? ST.softExecute : ch.kind === 'agent' ? ST.exchangeMedia : ST.execute;
  }

  private fire(name: string, site: CallSite, ch: Channel, extra: ReadonlyArray<readonly [string, string]> = []): void {
    this.core.fire(this.core.events.event(name, site, [...extra, ...ch.headers(this.state(ch))]));
  }

  private audio(argv: string[]): string {
    const ch = this.live(argv[0]);
    if (!ch) return '-ERR No such channel!\n';
    const [, action, , what, level] = argv;
    const bug: Array<readonly [string, string]> = [
      ['Media-Bug-Function', 'audio'],
      ['Media-Bug-Target', 'mute'],
    ];
    if (action === 'start' && what === 'mute') {
      const on = level !== undefined && level !== '0';
      if (on && !this.bugs.has(ch.uuid)) {
        this.bugs.add(ch.uuid);
        this.fire('MEDIA_BUG_START', SITES.mediaBugStart, ch, bug);
      } else if (!on && this.bugs.delete(ch.uuid)) {
        // `mute 0` removed the bug on the real switch (MEDIA_BUG_STOP).
        this.fire('MEDIA_BUG_STOP', SITES.mediaBugStop, ch, bug);
      }
      return '+OK\n';
    }
    if (action === 'stop') {
      if (this.bugs.delete(ch.uuid)) this.fire('MEDIA_BUG_STOP', SITES.mediaBugStop, ch, bug);
      return '+OK\n';
    }
    return '-USAGE: <uuid> [start [read|write] [mute|level <level>]|stop]\n';
  }

  private dtmf(argv: string[]): string {
    const [uuid, digits] = argv;
    if (!uuid || !digits) return '-USAGE: <uuid> <dtmf_data>\n';
    if (!this.live(uuid)) return '-ERR No such channel!\n';
    return `+OK ${uuid} sent DTMF ${digits}.\n`;
  }

  private setvar(argv: string[]): string {
    const [uuid, name, ...value] = argv;
    if (!uuid || !name) return '-USAGE: <uuid> <var> [value]\n';
    const ch = this.live(uuid);
    if (!ch) return '-ERR No such channel!\n';
    if (value.length === 0) ch.unset(name);
    else ch.set(name, value.join(' '));
    return '+OK\n';
  }

  private transfer(argv: string[]): string {
    const [uuid, dest, dialplan, context] = argv;
    if (!uuid || !dest) return '-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n';
    const ch = this.live(uuid);
    if (!ch) return '-ERR No such channel!\n';
    const inline = dialplan === 'inline' && dest.startsWith('callcenter:') ? dest.slice('callcenter:'.length) : null;
    const ok = this.routing.transferCaller(uuid, inline !== null ? { queue: inline } : { extension: dest, context: context ?? 'default' }, (member) => {
      this.fire('CHANNEL_UNBRIDGE', SITES.channelUnbridge, member, [['Other-Leg-Unique-ID', '']]);
    }, (member) => this.fire('CHANNEL_PARK', SITES.channelPark, member));
    // Transfers the double does not simulate (an agent leg, a caller not bridged): refused, and listed in DIFFERENCES.md.
    return ok ? '+OK\n' : '-ERR not simulated by the double\n';
  }

  private ccBreak(argv: string[]): string {
    const [what, uuid] = argv;
    if (what !== 'agent' || !uuid) return '-USAGE: callcenter_break agent <uuid>\n';
    return this.live(uuid) ? '-ERR no reply\n' : `-ERR Session not found for uuid ${uuid}\n`;
  }
}
