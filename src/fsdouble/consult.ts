import { randomUUID } from 'node:crypto';
import type { SwitchCore } from './core.js';
import type { Routing } from './routing.js';
import type { CallerCall, Offer } from './calls.js';
import { Channel, ST, linkOther, newProfile, type ChannelState } from './channel.js';
import { SITES as CORE_SITES, type CallSite } from './event-builder.js';
import { channelNameFor, type Legs } from './legs.js';
import { separateString } from './separate.js';
import type { Header } from './fs-event.js';

/** Where these events come from on FreeSWITCH 1.10.12 (the consult real-switch run, CONSULT_TRACE). */
const SITES = {
  channelUnbridge: { file: 'switch_ivr_bridge.c', func: 'switch_ivr_multi_threaded_bridge', line: 1879 },
  channelPark: { file: 'switch_ivr.c', func: 'switch_ivr_park', line: 1002 },
  channelUnpark: { file: 'switch_ivr.c', func: 'switch_ivr_park', line: 1213 },
} as const satisfies Record<string, CallSite>;

interface Conference {
  next: number;
  readonly members: Array<{ readonly id: number; readonly ch: Channel }>;
}

type QueueCall = { readonly call: CallerCall; readonly offer: Offer };

/**
 * Consult (attended) transfer and three-way conference, as the gateway drives
 * them (src/calls/controls/consult.ts) and as the real switch answered them
 * (test/switch/consult-real.ts with CONSULT_TRACE; DIFFERENCES.md):
 *
 * - `originate {origination_uuid=K,…}user/<ext> &park`: the consulted party's
 *   leg (`sofia/internal/<ext>`, no cc_side) rings, answers after ringMs and
 *   parks: CHANNEL_CREATE, CHANNEL_ANSWER, CHANNEL_PARK; bgapi's
 *   BACKGROUND_JOB says `+OK K` once it answered.
 * - `uuid_bridge <agent leg> K` (the member has `park_after_bridge=true`):
 *   K's CHANNEL_UNPARK, then the agent's CHANNEL_BRIDGE (A agent, B K). When
 *   the member was the A side of the queue bridge (mod_callcenter's own) it
 *   fires nothing more (its side of that bridge stays open); when the agent
 *   was (after a cancel) the member parks first: its CHANNEL_PARK, then the
 *   agent's CHANNEL_UNBRIDGE. mod_callcenter keeps the agent `In a queue call`.
 * - cancel, `uuid_bridge <agent leg> <member>`: the switch hangs K up
 *   (NORMAL_CLEARING), the agent's and the member's CHANNEL_UNBRIDGE (or the
 *   member's CHANNEL_UNPARK), the agent's CHANNEL_BRIDGE (A agent, B member).
 * - complete, `uuid_bridge <member> K`: the member's CHANNEL_UNPARK (or
 *   UNBRIDGE), the agent's CHANNEL_UNBRIDGE, the switch hangs the agent leg up
 *   and mod_callcenter ends the queue call (bridge-agent-end, member-queue-end
 *   Terminated, agent Waiting), then the member's CHANNEL_BRIDGE (A member, B K).
 * - the consulted party hangs up while bridged to the agent: the agent's
 *   CHANNEL_UNBRIDGE, the agent leg hangs up, the queue call ends; the member
 *   stays parked (the gateway sends it back into its queue).
 * - `uuid_transfer <agent leg> -both conference:<name>@<profile> inline`, then
 *   `uuid_transfer <member> conference:…`: the agent's CHANNEL_UNBRIDGE, the
 *   member's CHANNEL_UNBRIDGE (or UNPARK); the three are members of the
 *   conference (`conference <name> list`); the agent may hang up (the queue
 *   call ends) and the other two stay.
 */
export class ConsultLegs {
  /** Bridges made here (not mod_callcenter's queue bridge): uuid → partner. */
  private readonly partners = new Map<string, string>();
  /** Member legs whose queue bridge now has the agent as A side (after a cancel). */
  private readonly agentIsA = new Set<string>();
  /** Member legs parked by a consult. */
  private readonly parked = new Set<string>();
  private readonly conferences = new Map<string, Conference>();
  private readonly conferenceOf = new Map<string, string>();

  constructor(
    private readonly core: SwitchCore,
    private readonly routing: Routing,
    private readonly legs: Legs,
    private readonly ringMs: number,
  ) {
    const previous = core.onChannelGone;
    core.onChannelGone = (ch) => {
      previous?.(ch);
      this.gone(ch);
    };
  }

  /** `originate {vars}user/<ext> &park` (a consulted party): its uuid, a refusal, or null when it is not one. */
  originateParty(dialString: string, app: string, done: (body: string) => void): { uuid: string } | { refused: string } | null {
    if (app !== '&park') return null;
    const m = /^\{([^{}]*)\}(user\/[^\s{}[\]]+)$/.exec(dialString);
    if (!m) return null;
    const vars = m[1]!.split(',').filter(Boolean).map((kv): [string, string] => {
      const eq = kv.indexOf('=');
      return eq === -1 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
    });
    const v = new Map(vars);
    const uuid = v.get('origination_uuid') ?? randomUUID();
    if (this.core.channels.has(uuid)) return { refused: '-ERR INVALID_PROFILE\n' };
    const endpoint = m[2]!;
    const ext = endpoint.slice('user/'.length).split('@')[0]!;
    const name = channelNameFor(endpoint);
    const profile = newProfile({
      direction: 'outbound',
      cidName: v.get('origination_caller_id_name') ?? 'FreeSWITCH',
      cidNumber: v.get('origination_caller_id_number') ?? '0000000000',
      calleeName: 'Outbound Call',
      calleeNumber: ext,
      destination: ext,
      uuid,
      context: 'default',
      channelName: name,
      source: 'src/switch_ivr_originate.c',
      nowUs: this.core.nowUs(),
    });
    const ch = new Channel(uuid, name, 'parked', profile, this.core.nextSessionId());
    this.core.addChannel(ch);
    Channel.baseVars(ch, 'outbound');
    ch.setAll(vars);
    this.legs.fireChannel('CHANNEL_CREATE', CORE_SITES.channelCreate, ch, ST.init);
    this.core.timers.after(this.ringMs, () => {
      if (ch.gone) return done('-ERR ORIGINATOR_CANCEL\n');
      ch.profile.answeredUs = this.core.nowUs();
      ch.answered = true;
      this.legs.fireChannel('CHANNEL_ANSWER', CORE_SITES.channelAnswer, ch, ST.answerOutbound);
      this.legs.fireChannel('CHANNEL_PARK', SITES.channelPark, ch, ST.execute);
      done(`+OK ${uuid}\n`);
    });
    return { uuid };
  }

  /** mod_commands' uuid_bridge: `+OK <b>` or `-ERR Invalid uuid`. */
  uuidBridge(arg: string | null): string {
    const argv = arg ? separateString(arg, 4) : [];
    if (argv.length < 2) return '-USAGE: <uuid> <other_uuid>\n';
    const a = this.live(argv[0]);
    const b = this.live(argv[1]);
    if (!a || !b || a === b) return '-ERR Invalid uuid\n';
    const qa = this.queueCall(a.uuid);
    const qb = this.queueCall(b.uuid);
    let ok = false;
    if (qa && qa.offer.agentChannel === a && qb && qb.call.b === b) ok = this.cancel(qa, a, b);
    else if (qa && qa.offer.agentChannel === a && !qb) ok = this.consult(qa, a, b);
    else if (qa && qa.call.b === a && !qb) ok = this.complete(qa, a, b);
    return ok ? `+OK ${b.uuid}\n` : '-ERR not simulated by the double\n';
  }

  /** mod_commands' uuid_break: `+OK`; the double plays nothing, so there is nothing to stop. */
  uuidBreak(arg: string | null): string {
    const argv = arg ? separateString(arg, 2) : [];
    if (argv.length < 1) return '-USAGE: <uuid> [all]\n';
    return this.live(argv[0]) ? '+OK\n' : '-ERR No such channel!\n';
  }

  /**
   * `uuid_transfer <uuid> [-both] conference:<name>[@<profile>] inline`: null when it is not
   * such a transfer (call-controls.ts handles the others).
   */
  transferToConference(arg: string | null): string | null {
    const argv = arg ? separateString(arg, 5) : [];
    const both = argv[1] === '-both';
    const dest = both ? argv[2] : argv[1];
    const dialplan = both ? argv[3] : argv[2];
    if (!dest?.startsWith('conference:') || dialplan !== 'inline') return null;
    const name = dest.slice('conference:'.length).split('@')[0]!;
    const ch = this.live(argv[0]);
    if (!ch) return '-ERR No such channel!\n';
    const q = this.queueCall(ch.uuid);
    if (both) {
      // The agent leg and its partner (the consulted party).
      const partner = this.live(this.partners.get(ch.uuid));
      if (!q || q.offer.agentChannel !== ch || !partner) return '-ERR not simulated by the double\n';
      this.unbridge(ch, partner, null);
      this.unpair(ch.uuid);
      this.join(name, ch);
      this.join(name, partner);
      return '+OK\n';
    }
    if (!q || q.call.b !== ch) return '-ERR not simulated by the double\n';
    const agent = q.offer.agentChannel!;
    if (this.parked.delete(ch.uuid)) this.fire('CHANNEL_UNPARK', SITES.channelUnpark, ch, ST.softExecute);
    else if (ch.bridged) this.unbridge(ch, agent, null);
    ch.bridged = false;
    q.call.detached = true;
    this.join(name, ch);
    return '+OK\n';
  }

  /** mod_conference's `conference <name> list` (the members, newest first), else null for other conference commands. */
  conferenceApi(arg: string | null): string | null {
    const argv = arg ? separateString(arg, 3) : [];
    if (argv[1] !== 'list') return null;
    const conf = this.conferences.get(argv[0] ?? '');
    if (!conf) return `-ERR Conference ${argv[0] ?? ''} not found\n`;
    return [...conf.members]
      .reverse()
      .map(({ id, ch }) => `${id};${ch.name};${ch.uuid};${ch.profile.cidName};${ch.profile.cidNumber};hear|speak;0;0;100\n`)
      .join('');
  }

  // ---- the moves --------------------------------------------------------------

  private consult(q: QueueCall, agent: Channel, party: Channel): boolean {
    const member = q.call.b;
    // Without park_after_bridge the caller's leg would run on and hang up (fixture 14b): not simulated.
    if (member.get('park_after_bridge') !== 'true' || this.partners.has(party.uuid) || !party.answered) return false;
    this.fire('CHANNEL_UNPARK', SITES.channelUnpark, party, ST.execute);
    if (this.agentIsA.delete(member.uuid)) {
      this.parked.add(member.uuid);
      member.bridged = false;
      this.fire('CHANNEL_PARK', SITES.channelPark, member, ST.execute);
      this.unbridge(agent, member, party);
    }
    q.call.detached = true;
    this.bridge(agent, party);
    return true;
  }

  private cancel(q: QueueCall, agent: Channel, member: Channel): boolean {
    const party = this.live(this.partners.get(agent.uuid));
    if (!party || !q.call.detached) return false;
    this.unpair(agent.uuid);
    // The consulted party loses its partner and hangs up; the agent's old bridge ends.
    this.legs.hangup(party, 'NORMAL_CLEARING');
    this.unbridge(agent, party, member);
    if (this.parked.delete(member.uuid)) this.fire('CHANNEL_UNPARK', SITES.channelUnpark, member, ST.softExecute);
    else this.unbridge(member, agent, agent);
    q.call.detached = false;
    this.agentIsA.add(member.uuid);
    member.bridged = true;
    agent.bridged = true;
    // The agent is the A side now (show calls pairs the leg whose partner is its originatee).
    linkOther(agent, 'originatee', member);
    linkOther(member, 'originator', agent);
    this.legs.fireChannel('CHANNEL_BRIDGE', CORE_SITES.channelBridge, agent, ST.exchangeMedia, [
      ['Bridge-A-Unique-ID', agent.uuid],
      ['Bridge-B-Unique-ID', member.uuid],
    ]);
    return true;
  }

  private complete(q: QueueCall, member: Channel, party: Channel): boolean {
    const agent = q.offer.agentChannel!;
    if (!q.call.detached || this.partners.get(party.uuid) !== agent.uuid) return false;
    const wasParked = this.parked.delete(member.uuid);
    if (wasParked) this.fire('CHANNEL_UNPARK', SITES.channelUnpark, member, ST.softExecute);
    this.unpair(agent.uuid);
    this.unbridge(agent, party, party);
    // The agent leg lost its partner: the switch hangs it up, mod_callcenter ends the queue call.
    this.routing.endDetached(q.offer, 'NORMAL_CLEARING');
    if (!wasParked) this.unbridge(member, agent, agent);
    this.agentIsA.delete(member.uuid);
    this.bridge(member, party);
    return true;
  }

  // ---- plumbing ---------------------------------------------------------------

  private live(uuid: string | undefined): Channel | null {
    const ch = uuid ? this.core.channels.get(uuid) : undefined;
    return ch && !ch.gone ? ch : null;
  }

  private queueCall(uuid: string): QueueCall | null {
    const q = this.routing.queueCallOf(uuid);
    return q && q.offer && q.offer.phase === 'bridged' ? { call: q.call, offer: q.offer } : null;
  }

  private fire(name: string, site: CallSite, ch: Channel, st: ChannelState, extra: readonly Header[] = []): void {
    this.legs.fireChannel(name, site, ch, st, extra);
  }

  /** CHANNEL_BRIDGE on the A side (a takes b as its partner). */
  private bridge(a: Channel, b: Channel): void {
    this.partners.set(a.uuid, b.uuid);
    this.partners.set(b.uuid, a.uuid);
    a.bridged = true;
    b.bridged = true;
    linkOther(a, 'originatee', b);
    linkOther(b, 'originator', a);
    this.fire('CHANNEL_BRIDGE', CORE_SITES.channelBridge, a, a.kind === 'member' ? ST.softExecute : ST.exchangeMedia, [
      ['Bridge-A-Unique-ID', a.uuid],
      ['Bridge-B-Unique-ID', b.uuid],
    ]);
  }

  /** CHANNEL_UNBRIDGE on a (its bridge with b ended); `next` is the leg it now points at (Other-Leg). */
  private unbridge(a: Channel, b: Channel, next: Channel | null): void {
    if (next) linkOther(a, 'originator', next);
    else a.other = null;
    this.fire('CHANNEL_UNBRIDGE', SITES.channelUnbridge, a, a.kind === 'member' ? ST.softExecute : ST.exchangeMedia, [
      ['Bridge-A-Unique-ID', a.uuid],
      ['Bridge-B-Unique-ID', b.uuid],
    ]);
  }

  private unpair(uuid: string): void {
    const other = this.partners.get(uuid);
    this.partners.delete(uuid);
    if (other) this.partners.delete(other);
  }

  private join(name: string, ch: Channel): void {
    let conf = this.conferences.get(name);
    if (!conf) {
      conf = { next: 1, members: [] };
      this.conferences.set(name, conf);
    }
    conf.members.push({ id: conf.next++, ch });
    this.conferenceOf.set(ch.uuid, name);
  }

  /**
   * A session ended. Its conference forgets it (and ends when empty); a partner made here
   * follows it: the consulted party's hang-up ends the agent leg (and with it the queue call,
   * the parked caller stays), the caller's or the party's hang-up after a complete ends the other.
   * Deferred: this runs inside the hang-up that removed the channel.
   */
  private gone(ch: Channel): void {
    this.parked.delete(ch.uuid);
    this.agentIsA.delete(ch.uuid);
    const name = this.conferenceOf.get(ch.uuid);
    if (name) {
      this.conferenceOf.delete(ch.uuid);
      const conf = this.conferences.get(name);
      if (conf) {
        const at = conf.members.findIndex((m) => m.ch === ch);
        if (at >= 0) conf.members.splice(at, 1);
        if (conf.members.length === 0) this.conferences.delete(name);
      }
    }
    const partnerUuid = this.partners.get(ch.uuid);
    if (!partnerUuid) return;
    this.unpair(ch.uuid);
    this.core.timers.after(0, () => {
      const partner = this.live(partnerUuid);
      if (!partner) return;
      const q = this.queueCall(partner.uuid);
      if (q && q.offer.agentChannel === partner) {
        const member = q.call.b;
        this.unbridge(partner, ch, null);
        this.routing.endDetached(q.offer, 'NORMAL_CLEARING');
        // The member's side of the queue bridge ends with the agent leg: it parks (park_after_bridge).
        if (!member.gone && !this.parked.has(member.uuid) && !this.agentIsA.has(member.uuid)) {
          member.bridged = false;
          this.unbridge(member, partner, partner);
          this.parked.add(member.uuid);
          this.fire('CHANNEL_PARK', SITES.channelPark, member, ST.execute);
        }
        return;
      }
      // hangup_after_bridge (the member's dialplan sets it; an originated party hangs up anyway).
      this.routing.kill(partner.uuid, 'NORMAL_CLEARING');
    });
  }
}
