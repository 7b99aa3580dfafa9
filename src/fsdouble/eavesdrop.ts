import { randomUUID } from 'node:crypto';
import { Channel, newProfile } from './channel.js';
import type { SwitchCore } from './core.js';
import { channelNameFor, type Legs } from './legs.js';

/** A supervisor leg running `eavesdrop <target>` (mod_dptools), as the double keeps it. */
export interface EavesdropView {
  readonly leg: string;
  readonly channelName: string;
  readonly target: string;
  /** Channel variables of the originate that mod_dptools reads (eavesdrop_whisper_aleg/_bleg, eavesdrop_bridge_*, eavesdrop_enable_dtmf). */
  readonly vars: Readonly<Record<string, string>>;
}

/**
 * `originate {…}user/<ext> &eavesdrop(<uuid>)`: the supervisor's phone answers at
 * once and eavesdrops on the target until either side goes. As on the real switch
 * (fixture 16) nothing shows on the target's or its partner's legs and no
 * callcenter event fires; the eavesdropping leg ends when its target hangs up
 * (switch_ivr_eavesdrop_session loops while the target is up, then `&eavesdrop`
 * has nothing more to run). The double fires no channel events for the
 * supervisor's leg: it carries no `cc_side`, so the gateway's ESL filters drop
 * them on the real switch (src/fsdouble/DIFFERENCES.md).
 */
export class Eavesdrops {
  private readonly legs = new Map<string, { ch: Channel; view: EavesdropView }>();

  constructor(
    private readonly core: SwitchCore,
    private readonly channelLegs: Legs,
  ) {}

  /** The originate's output (`+OK <uuid>`), or the error the switch gives. */
  originate(endpoint: string, vars: ReadonlyArray<readonly [string, string]>, target: string): string {
    const v = Object.fromEntries(vars);
    const uuid = v.origination_uuid ?? randomUUID();
    if (this.core.channels.has(uuid)) return '-ERR DESTINATION_OUT_OF_ORDER\n';
    const name = channelNameFor(endpoint);
    const nowUs = this.core.nowUs();
    const ch = new Channel(
      uuid,
      name,
      'parked',
      newProfile({ direction: 'outbound', cidName: v.origination_caller_id_name ?? 'FreeSWITCH', cidNumber: v.origination_caller_id_number ?? '0000000000', calleeName: 'Outbound Call', calleeNumber: endpoint.split('/')[1] ?? '', destination: endpoint.split('/')[1] ?? '', uuid, context: 'default', channelName: name, source: 'mod_sofia', nowUs }),
      this.core.nextSessionId(),
    );
    ch.setAll(vars);
    this.core.addChannel(ch);
    this.legs.set(uuid, { ch, view: { leg: uuid, channelName: name, target, vars: v } });
    // eavesdrop on a session that does not exist returns at once, and the leg hangs up.
    if (!this.core.channels.has(target) || target === uuid) this.core.timers.after(0, () => this.channelLegs.hangup(ch, 'NORMAL_CLEARING'));
    return `+OK ${uuid}\n`;
  }

  /** A session ended: its own record goes, and eavesdroppers on it hang up. */
  gone(ch: Channel): void {
    this.legs.delete(ch.uuid);
    for (const { ch: leg, view } of [...this.legs.values()]) if (view.target === ch.uuid) this.channelLegs.hangup(leg, 'NORMAL_CLEARING');
  }

  list(): EavesdropView[] {
    return [...this.legs.values()].map((l) => l.view);
  }
}
