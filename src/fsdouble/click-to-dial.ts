import { randomUUID } from 'node:crypto';
import type { SwitchCore } from './core.js';
import { SITES } from './event-builder.js';
import { Channel, ST, newProfile } from './channel.js';
import { channelNameFor, parseContact, type Legs } from './legs.js';
import type { AnswerMode } from './calls.js';

/**
 * `originate {vars}<agent contact> '<apps>' inline` and `… &bridge(<target>)`:
 * a click-to-dial as the real switch runs it (fixture 17 and
 * test/switch/outbound.test.ts):
 *
 * - the agent's leg (origination_uuid, the `{…}` and `[…]` variables) is
 *   created and rings; the BACKGROUND_JOB answers `+OK <uuid>` when it is
 *   answered, `-ERR <cause>` when it is not;
 * - `execute_on_ring=callcenter_track:<agent>` on the originate (when the
 *   leg starts ringing, which in the double is at once), or the inline
 *   `callcenter_track <agent>` once it answers (the gateway's `${regex(…)}`
 *   guard makes that one count only for a leg not tracked yet), counts
 *   an external call for the agent (an agent-status-get event; with the
 *   queue's `skip-agents-with-external-calls` it gets no queue call until the
 *   leg ends) and `bridge [vars]<endpoint>` creates the customer leg, which
 *   rings, answers and is bridged (CHANNEL_BRIDGE on the agent leg);
 * - a `loopback/` customer endpoint bows out after the bridge, as on the real
 *   switch: the loopback leg hangs up NORMAL_CLEARING and the agent leg stays
 *   bridged to a far leg that carries none of the originate's variables;
 * - when either side of the bridge hangs up, the other follows
 *   (NORMAL_CLEARING) and the external call is no longer counted.
 *
 * Only CHANNEL_CREATE, CHANNEL_ANSWER, CHANNEL_BRIDGE and CHANNEL_HANGUP_COMPLETE
 * are fired (see DIFFERENCES.md); other applications in the list are ignored.
 */

export interface ClickToDialHooks {
  /** The agent's phone behaviour (the double's per-agent answer mode). */
  agentMode(agentName: string | null): AnswerMode;
  /** How the customer's number answers (default: after ringMs). */
  customerMode(number: string): AnswerMode;
  /** mod_callcenter's dispatcher should look again (an external call ended). */
  changed(): void;
  ringMs: number;
}

interface Dial {
  readonly agentName: string | null;
  readonly a: Channel;
  customer: Channel | null;
  /** The far leg a loopback customer leg bowed out to. */
  far: Channel | null;
  tracked: boolean;
  done: boolean;
}

/** Splits `{a=b,c=d}[e=f]endpoint` into variables and the endpoint. */
function splitVars(s: string): { vars: Array<[string, string]>; rest: string } {
  const c = parseContact(s);
  return { vars: c.vars.map(([k, v]) => [k, v]), rest: c.endpoint };
}

/**
 * The agent named by callcenter_track's argument. The gateway's guard
 * `${regex(x${cc_tracked_agent}|^x$|<agent>)}` expands (on the real switch) to
 * the agent when the leg is not tracked yet and to `x<agent>`, an unknown
 * agent, when it is: the double evaluates just that form.
 */
function trackedAgent(data: string, tracked = false): string | null {
  const guard = /^\$\{regex\(x\$\{cc_tracked_agent\}\|\^x\$\|([^|()]+)\)\}$/.exec(data.trim());
  if (guard) return tracked ? null : guard[1]!;
  return data.trim() || null;
}

/** The inline dialplan's applications: `[m:<d>:]app:data<d>app:data` (mod_dptools' inline_dialplan_hunt). */
export function parseInline(text: string): Array<{ app: string; data: string }> {
  let delim = ',';
  let body = text;
  if (body.length >= 4 && body[0] === 'm' && body[1] === ':' && body[3] === ':') {
    delim = body[2]!;
    body = body.slice(4);
  }
  return body.split(delim).map((part) => {
    const i = part.indexOf(':');
    return i === -1 ? { app: part.trim(), data: '' } : { app: part.slice(0, i).trim(), data: part.slice(i + 1) };
  });
}

export class ClickToDial {
  private readonly byLeg = new Map<string, Dial>();

  constructor(
    private readonly core: SwitchCore,
    private readonly legs: Legs,
    private readonly hooks: ClickToDialHooks,
  ) {
    const previous = core.onChannelGone;
    core.onChannelGone = (ch) => {
      previous?.(ch);
      this.gone(ch);
    };
  }

  /**
   * Starts the originate; `done` gets the BACKGROUND_JOB body. Returns an
   * error reply at once for what the switch refuses before any channel exists.
   */
  originate(dialString: string, apps: Array<{ app: string; data: string }>, done: (output: string) => void): string | null {
    const { vars, rest } = splitVars(dialString);
    const contact = parseContact(rest);
    if (contact.errorCause) return `-ERR ${contact.errorCause}\n`;
    const v = new Map(vars);
    const uuid = v.get('origination_uuid') ?? randomUUID();
    if (this.core.channels.has(uuid)) return '-ERR INVALID_PROFILE\n';
    const track = apps.find((x) => x.app === 'callcenter_track');
    // `execute_on_ring=callcenter_track:<agent>` (or `… <agent>`): run on the leg when it starts ringing.
    const onRing = /^callcenter_track[: ](.+)$/.exec(v.get('execute_on_ring') ?? '')?.[1]?.trim() ?? null;
    const agentName = onRing || trackedAgent(track?.data ?? '') || v.get('cc_agent') || null;
    const name = contact.loopback ? `loopback/${contact.loopback.ext}-a` : channelNameFor(contact.endpoint);
    const cidNumber = v.get('origination_caller_id_number') ?? '0000000000';
    const cidName = v.get('origination_caller_id_name') ?? 'FreeSWITCH';
    const dest = contact.endpoint.slice(contact.endpoint.indexOf('/') + 1);
    const a = this.channel(uuid, name, { cidName, cidNumber, destination: dest, direction: 'outbound' }, vars);
    const dial: Dial = { agentName, a, customer: null, far: null, tracked: false, done: false };
    this.byLeg.set(a.uuid, dial);
    this.legs.fireChannel('CHANNEL_CREATE', SITES.channelCreate, a, ST.init);
    // The leg rings at once in the double (no separate ring event is fired).
    if (onRing) this.track(dial, onRing);
    const mode = this.hooks.agentMode(agentName);
    const timeoutS = Number(v.get('originate_timeout') ?? 60);
    switch (mode.mode) {
      case 'answer':
      case 'no-bridge':
        this.core.timers.after(mode.afterMs ?? this.hooks.ringMs, () => {
          if (a.gone) return;
          this.answer(a);
          done(`+OK ${a.uuid}\n`);
          this.run(dial, apps);
        });
        break;
      case 'reject':
        this.core.timers.after(mode.afterMs ?? 0, () => {
          if (a.gone) return;
          this.legs.hangup(a, mode.cause ?? 'CALL_REJECTED');
          done(`-ERR ${mode.cause ?? 'CALL_REJECTED'}\n`);
        });
        break;
      case 'no-answer':
        this.core.timers.after(mode.afterMs ?? timeoutS * 1000, () => {
          if (a.gone) return;
          this.legs.hangup(a, mode.cause ?? 'NO_ANSWER');
          done(`-ERR ${mode.cause ?? 'NO_ANSWER'}\n`);
        });
        break;
    }
    return null;
  }

  private channel(uuid: string, name: string, p: { cidName: string; cidNumber: string; destination: string; direction: 'inbound' | 'outbound' }, vars: ReadonlyArray<readonly [string, string]>): Channel {
    const profile = newProfile({ ...p, calleeName: 'Outbound Call', calleeNumber: p.destination, uuid, context: 'default', channelName: name, source: 'src/switch_ivr_originate.c', nowUs: this.core.nowUs() });
    const ch = new Channel(uuid, name, 'parked', profile, this.core.nextSessionId());
    this.core.addChannel(ch);
    Channel.baseVars(ch, 'outbound');
    ch.setAll(vars);
    return ch;
  }

  private answer(ch: Channel): void {
    ch.profile.answeredUs = this.core.nowUs();
    ch.answered = true;
    this.legs.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, ch, ST.answerOutbound);
  }

  /** The inline applications, in order, on the answered agent leg. */
  private run(dial: Dial, apps: Array<{ app: string; data: string }>): void {
    for (const { app, data } of apps) {
      if (dial.a.gone) return;
      if (app === 'callcenter_track') {
        const name = trackedAgent(data, dial.tracked);
        if (name) this.track(dial, name);
      }
      else if (app === 'bridge') return this.bridge(dial, data);
    }
    // Nothing left to run: the channel hangs up.
    this.legs.hangup(dial.a, 'NORMAL_CLEARING');
  }

  private track(dial: Dial, agentName: string): void {
    const agent = this.core.model.agents.get(agentName);
    if (!agent) return;
    agent.externalCallsCount++;
    dial.tracked = true;
    this.core.fire(this.core.events.callcenter(SITES.agentGet, [['CC-Agent', agentName], ['CC-Action', 'agent-status-get'], ['CC-Agent-Status', agent.status]]));
  }

  private untrack(dial: Dial): void {
    if (!dial.tracked || !dial.agentName) return;
    dial.tracked = false;
    const agent = this.core.model.agents.get(dial.agentName);
    if (agent && agent.externalCallsCount > 0) agent.externalCallsCount--;
    this.hooks.changed();
  }

  private bridge(dial: Dial, data: string): void {
    const { vars, rest } = splitVars(data.trim());
    const target = parseContact(rest);
    const v = new Map(vars);
    const uuid = v.get('origination_uuid') ?? randomUUID();
    const number = target.loopback ? target.loopback.ext : rest.slice(rest.lastIndexOf('/') + 1).replace(/@.*$/, '');
    const name = target.loopback ? `loopback/${target.loopback.ext}-a` : channelNameFor(rest);
    const c = this.channel(uuid, name, { cidName: v.get('origination_caller_id_name') ?? dial.a.profile.cidName, cidNumber: v.get('origination_caller_id_number') ?? dial.a.profile.cidNumber, destination: number, direction: 'outbound' }, vars);
    dial.customer = c;
    this.byLeg.set(c.uuid, dial);
    this.legs.fireChannel('CHANNEL_CREATE', SITES.channelCreate, c, ST.init);
    if (target.errorCause) {
      this.core.timers.after(0, () => this.legs.hangup(c, target.errorCause ?? 'NONE'));
      return;
    }
    const mode = this.hooks.customerMode(number);
    switch (mode.mode) {
      case 'answer':
      case 'no-bridge':
        this.core.timers.after(mode.afterMs ?? this.hooks.ringMs, () => {
          if (c.gone || dial.a.gone) return;
          this.answer(c);
          this.bridged(dial, c, target.loopback !== null);
        });
        break;
      case 'reject':
        this.core.timers.after(mode.afterMs ?? 0, () => this.legs.hangup(c, mode.cause ?? 'CALL_REJECTED'));
        break;
      case 'no-answer':
        this.core.timers.after(mode.afterMs ?? 60_000, () => this.legs.hangup(c, mode.cause ?? 'NO_ANSWER'));
        break;
    }
  }

  private bridged(dial: Dial, c: Channel, loopback: boolean): void {
    const a = dial.a;
    const now = this.core.nowUs();
    a.profile.bridgedUs = now;
    c.profile.bridgedUs = now;
    a.bridged = true;
    c.bridged = true;
    a.other = { type: 'originatee', profile: { ...c.profile }, zeroTimes: false };
    c.other = { type: 'originator', profile: { ...a.profile }, zeroTimes: false };
    this.legs.fireChannel('CHANNEL_BRIDGE', SITES.channelBridge, a, ST.exchangeMedia, [
      ['Bridge-A-Unique-ID', a.uuid],
      ['Bridge-B-Unique-ID', c.uuid],
    ]);
    if (!loopback) return;
    // loopback_bowout: the far leg takes the loopback pair's place; it has none of our variables.
    const far = this.channel(randomUUID(), channelNameFor(`user/${c.profile.destination}`), { cidName: c.profile.cidName, cidNumber: c.profile.cidNumber, destination: c.profile.destination, direction: 'outbound' }, []);
    far.answered = true;
    far.bridged = true;
    dial.far = far;
    this.byLeg.set(far.uuid, dial);
    this.legs.fireChannel('CHANNEL_CREATE', SITES.channelCreate, far, ST.init);
    this.byLeg.delete(c.uuid);
    this.legs.hangup(c, 'NORMAL_CLEARING');
  }

  /** A leg of a click-to-dial ended (uuid_kill, hupall, a phone hanging up): the rest follows. */
  private gone(ch: Channel): void {
    const dial = this.byLeg.get(ch.uuid);
    if (!dial) return;
    this.byLeg.delete(ch.uuid);
    if (ch === dial.a) {
      if (dial.done) return;
      dial.done = true;
      this.untrack(dial);
      for (const other of [dial.customer, dial.far]) if (other && !other.gone) this.legs.hangup(other, 'NORMAL_CLEARING');
      return;
    }
    // The customer side ended: the bridge returns, the inline list is done, the agent leg hangs up.
    if (!dial.a.gone) this.core.timers.after(0, () => this.legs.hangup(dial.a, 'NORMAL_CLEARING'));
  }

  /** The customer's side of the call whose agent leg is `agentLeg` (for tests: the customer hangs up). */
  customerLegOf(agentLeg: string): string | null {
    const d = this.byLeg.get(agentLeg);
    if (!d) return null;
    const c = d.far ?? d.customer;
    return c && !c.gone ? c.uuid : null;
  }
}
