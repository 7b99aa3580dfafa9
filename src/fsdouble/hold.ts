import type { SwitchCore } from './core.js';
import { SITES } from './event-builder.js';
import { Legs } from './legs.js';
import { ST, type Channel, type ChannelState } from './channel.js';
import type { Header } from './fs-event.js';

/**
 * `uuid_hold [off|toggle] <uuid> [<display>]` as recorded in fixtures 10 and
 * 10b. A SIP (`sofia/…`) leg: hold fires CHANNEL_CALLSTATE HELD (from ACTIVE)
 * and CHANNEL_HOLD; `off` fires CALLSTATE UNHELD, CHANNEL_UNHOLD, CALLSTATE
 * ACTIVE; a second hold or an `off` on a leg not held fails. A loopback or
 * null leg: hold fires CHANNEL_HOLD only, its call state stays ACTIVE, so
 * `off` always fails and `toggle` holds again. Any failure (unknown uuid
 * included) answers `-ERR Operation failed`.
 */
export class HoldCommand {
  private readonly legs: Legs;

  constructor(private readonly core: SwitchCore) {
    this.legs = new Legs(core);
  }

  execute(arg: string | null): string {
    const argv = (arg ?? '').split(' ').filter((w) => w !== '').slice(0, 4);
    if (argv.length < 1) return '-USAGE: [off|toggle] <uuid> [<display>]\n';
    const word = argv[0]!.toLowerCase();
    const ok = word === 'off' ? this.unhold(argv[1]) : word === 'toggle' ? this.toggle(argv[1]) : this.hold(argv[0]);
    return ok ? '+OK Success\n' : '-ERR Operation failed\n';
  }

  private find(uuid: string | undefined): Channel | null {
    const ch = uuid ? this.core.channels.get(uuid) : undefined;
    return ch && !ch.gone && ch.answered ? ch : null;
  }

  private sip(ch: Channel): boolean {
    return ch.name.startsWith('sofia/');
  }

  /** switch_ivr_hold(): refused when the call state is already HELD (SIP legs). */
  private hold(uuid: string | undefined): boolean {
    const ch = this.find(uuid);
    if (!ch || ch.callStateHeld) return false;
    if (this.sip(ch)) {
      ch.callStateHeld = true;
      this.callstate(ch, 'ACTIVE', 'HELD');
    }
    ch.held = true;
    this.legs.fireChannel('CHANNEL_HOLD', SITES.channelHold, ch, this.state(ch, this.sip(ch) ? 'HELD' : 'ACTIVE'));
    return true;
  }

  /** switch_ivr_unhold(): only a leg whose call state is HELD. */
  private unhold(uuid: string | undefined): boolean {
    const ch = this.find(uuid);
    if (!ch || !ch.callStateHeld) return false;
    ch.callStateHeld = false;
    ch.held = false;
    this.callstate(ch, 'HELD', 'UNHELD');
    this.legs.fireChannel('CHANNEL_UNHOLD', SITES.channelUnhold, ch, this.state(ch, 'UNHELD'));
    this.callstate(ch, 'UNHELD', 'ACTIVE');
    return true;
  }

  private toggle(uuid: string | undefined): boolean {
    const ch = this.find(uuid);
    if (!ch) return false;
    return ch.callStateHeld ? this.unhold(uuid) : this.hold(uuid);
  }

  /** The state block of a bridged leg as recorded (member CS_SOFT_EXECUTE, agent CS_EXCHANGE_MEDIA). */
  private state(ch: Channel, callState: string): ChannelState {
    const base = ch.kind === 'member' ? ST.softExecute : ch.kind === 'agent' ? ST.exchangeMedia : ST.execute;
    return { ...base, callState };
  }

  /** CHANNEL_CALLSTATE carries no channel variables (every one in the fixtures). */
  private callstate(ch: Channel, from: string, to: string): void {
    const numbers: Record<string, number> = { DOWN: 0, DIALING: 1, RINGING: 2, EARLY: 3, ACTIVE: 4, HELD: 5, RING_WAIT: 6, HANGUP: 7, UNHELD: 8 };
    const extra: Header[] = [
      ['Original-Channel-Call-State', from],
      ['Channel-Call-State-Number', String(numbers[to] ?? 0)],
    ];
    const headers = [...extra, ...ch.headers(this.state(ch, to)).filter(([k]) => !k.startsWith('variable_'))];
    this.core.fire(this.core.events.event('CHANNEL_CALLSTATE', SITES.channelCallstate, headers));
  }
}
