import { EventEmitter } from 'node:events';
import type { EslEvent } from '../esl/event.js';
import { EventHeaders } from '../esl/event-headers.js';
import type { CallPhase, CallView, CallsReader, LegRole, LegState, LegView } from './types.js';
import type { ChannelRow } from './snapshot.js';

/** The channel events the model reads (see subscription.ts for why these). */
export const CHANNEL_EVENTS = [
  'CHANNEL_CREATE',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_ANSWER',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
] as const;

/** What became of one channel event. */
export type ChannelOutcome = 'applied' | 'dropped';

interface Leg {
  uuid: string;
  role: LegRole;
  channelName: string;
  state: LegState;
  callState: string | null;
  bridgedTo: string | null;
  held: boolean;
  parked: boolean;
  hangupCause: string | null;
  gone: boolean;
  /** The call it belongs to. */
  call: string;
}

interface Call {
  memberSessionUuid: string;
  memberUuid: string;
  queue: string;
  callerNumber: string;
  callerName: string;
  agent: string | null;
  agentLegUuid: string | null;
  phase: CallPhase;
  /** Legs of this call by uuid (member, agent, offer legs). */
  legs: Set<string>;
  /** CC-Member-UUIDs of the call's earlier queue episodes: their late events are not about the current one. */
  earlier: Set<string>;
  /** CC-Member-UUIDs whose member-queue-end came: the switch has no row for them any more. */
  ended: Set<string>;
}

/** A member row and the agent leg serving it, as the callcenter view lists them. */
export interface ListedMember {
  readonly queue: string;
  readonly uuid: string;
  readonly sessionUuid: string;
  readonly cidNumber: string;
  readonly cidName: string;
  readonly state: string;
  readonly servingAgent: string;
  /** The serving agent's `uuid` column (its leg), '' when none. */
  readonly agentUuid: string;
}

/** One header without decoding the others when the event still has its raw lines. */
function peek(h: ReadonlyMap<string, string>, name: string): string | undefined {
  return h instanceof EventHeaders ? h.peek(name) : h.get(name);
}

function legState(answerState: string | undefined, fallback: LegState): LegState {
  switch (answerState) {
    case 'ringing':
      return 'ringing';
    case 'early':
      return 'early';
    case 'answered':
      return 'answered';
    case 'hangup':
      return 'hangup';
    default:
      return fallback;
  }
}

/**
 * A live model of every call the gateway is concerned with: the caller's
 * (member) leg, the agent's leg and the legs mod_callcenter originates for an
 * offer, each with what the switch last reported (answered, bridged to whom,
 * held, parked, hung up with which cause). Fed in wire order with the
 * callcenter events and the channel events of those legs; rebuilt from the
 * switch's lists after a reconnect.
 *
 * Channel events of legs that are none of ours are dropped after reading one
 * or two headers (`Unique-ID`, `variable_cc_side`) off the raw lines: their
 * 150+ headers are never decoded.
 */
export class CallModel extends EventEmitter<{ call: [call: CallView]; removed: [call: CallView] }> implements CallsReader {
  private readonly calls = new Map<string, Call>();
  private readonly legs = new Map<string, Leg>();
  /** Channel events by outcome since start (the gateway exports them as a metric). */
  readonly counts = { applied: 0, dropped: 0 };
  private rebuilt = 0;

  get rebuilds(): number {
    return this.rebuilt;
  }

  get size(): number {
    return this.calls.size;
  }

  list(): CallView[] {
    return [...this.calls.values()].map((c) => this.viewOf(c));
  }

  get(memberSessionUuid: string): CallView | undefined {
    const c = this.calls.get(memberSessionUuid);
    return c ? this.viewOf(c) : undefined;
  }

  ofAgent(agent: string): CallView | undefined {
    for (const c of this.calls.values()) if (c.agent === agent && c.phase !== 'ended') return this.viewOf(c);
    return undefined;
  }

  /** A leg's view, for tests and the REST edge. */
  leg(uuid: string): LegView | undefined {
    const l = this.legs.get(uuid);
    return l ? legView(l) : undefined;
  }

  /** Reads one event off the link. Returns what it did with a channel event, null for other events. */
  ingest(e: EslEvent): ChannelOutcome | null {
    if (e.name === 'CUSTOM') {
      if (peek(e.headers, 'Event-Subclass') === 'callcenter::info') this.callcenter(e.headers);
      return null;
    }
    if (!e.name.startsWith('CHANNEL_')) return null;
    const outcome = this.channel(e.name, e.headers);
    this.counts[outcome]++;
    return outcome;
  }

  // ---- callcenter events ------------------------------------------------------

  private callcenter(h: ReadonlyMap<string, string>): void {
    const action = h.get('CC-Action');
    const session = h.get('CC-Member-Session-UUID') ?? '';
    const memberUuid = h.get('CC-Member-UUID') ?? '';
    switch (action) {
      case 'member-queue-start':
      case 'member-queue-resume': {
        let call = this.calls.get(session);
        if (!call) {
          call = newCall(session);
          this.calls.set(session, call);
        }
        // A new episode (also a transfer into another queue: same session, new member uuid).
        // Its offer can come first on the wire (the agent's thread races the member's: seen on
        // the real switch when a caller re-enters a queue whose agent is free): then keep it.
        const early = call.memberUuid === memberUuid && call.phase !== 'waiting';
        if (call.memberUuid && call.memberUuid !== memberUuid) call.earlier.add(call.memberUuid);
        call.memberUuid = memberUuid;
        call.queue = h.get('CC-Queue') ?? call.queue;
        call.callerNumber = h.get('CC-Member-CID-Number') ?? call.callerNumber;
        call.callerName = h.get('CC-Member-CID-Name') ?? call.callerName;
        if (!early) {
          call.agent = null;
          call.agentLegUuid = null;
          call.phase = 'waiting';
        }
        // The event carries the member channel's data: the member leg as it is now.
        this.seedLeg(call, session, 'member', h);
        return this.changed(call);
      }
      case 'agent-offering': {
        const call = this.current(session, memberUuid);
        if (!call) return;
        call.agent = h.get('CC-Agent') ?? null;
        call.phase = 'offering';
        return this.changed(call);
      }
      case 'bridge-agent-start': {
        const call = this.current(session, memberUuid, true);
        if (!call) return;
        const agentUuid = h.get('CC-Agent-UUID') ?? '';
        call.agent = h.get('CC-Agent') ?? call.agent;
        call.agentLegUuid = agentUuid || null;
        call.phase = 'bridged';
        // The event carries the agent channel's data (Unique-ID = CC-Agent-UUID).
        if (agentUuid && h.get('Unique-ID') === agentUuid) this.seedLeg(call, agentUuid, 'agent', h);
        else if (agentUuid) this.adopt(call, agentUuid, 'agent');
        return this.changed(call);
      }
      case 'bridge-agent-fail': {
        const call = this.current(session, memberUuid);
        if (!call) return;
        call.agent = null;
        call.phase = 'waiting';
        return this.changed(call);
      }
      case 'bridge-agent-end': {
        const call = this.current(session, memberUuid);
        if (!call) return;
        // The end of a bridge with another agent leg (an earlier offer of this episode) is not about this one.
        const agentUuid = h.get('CC-Agent-UUID');
        if (agentUuid && call.agentLegUuid && agentUuid !== call.agentLegUuid) return;
        call.phase = 'ended';
        return this.changed(call);
      }
      case 'member-queue-end': {
        this.calls.get(session)?.ended.add(memberUuid);
        const call = this.current(session, memberUuid);
        if (!call) return;
        call.phase = 'ended';
        this.changed(call);
        this.removeIfDone(call);
        return;
      }
      default:
        return;
    }
  }

  /**
   * The call of this session, when the event is about its current episode (12: a late end for the
   * old queue is not). An offer for an episode not seen yet starts it (its member-queue-start trails).
   */
  private current(session: string, memberUuid: string, bridge = false): Call | undefined {
    const call = this.calls.get(session);
    if (!call) return undefined;
    if (memberUuid && call.memberUuid && call.memberUuid !== memberUuid) {
      if (call.earlier.has(memberUuid)) {
        // Seen on the real switch after repeated transfers of a caller into its own queue: the old
        // episode's row outlives the new member-queue-start (no member-queue-end for it) and the
        // switch offers and bridges the same channel to an agent under the OLD member uuid. A bridge
        // is the switch's fact about the channel: that episode is current again.
        if (!bridge || call.ended.has(memberUuid)) return undefined;
        call.earlier.delete(memberUuid);
      }
      call.earlier.add(call.memberUuid);
      call.memberUuid = memberUuid;
    }
    return call;
  }

  // ---- channel events ---------------------------------------------------------

  private channel(name: string, h: ReadonlyMap<string, string>): ChannelOutcome {
    const uuid = peek(h, 'Unique-ID') ?? '';
    let leg = this.legs.get(uuid);
    if (!leg) {
      // Not known yet: one of ours only if mod_callcenter marked the channel.
      const side = peek(h, 'variable_cc_side');
      if (side !== 'member' && side !== 'agent') return 'dropped';
      if (name === 'CHANNEL_HANGUP_COMPLETE' || name === 'CHANNEL_HANGUP') {
        // A leg we never saw alive (an offer leg that failed at once, or one that ended
        // while the link was down): nothing to show.
        return 'dropped';
      }
      const found = this.legFromVariables(uuid, side, h);
      if (!found) return 'dropped';
      leg = found;
    }
    const call = this.calls.get(leg.call);
    this.apply(leg, name, h);
    if (call) {
      if (leg.gone && leg.role === 'offer') {
        call.legs.delete(leg.uuid);
        this.legs.delete(leg.uuid);
      }
      this.changed(call);
      this.removeIfDone(call);
    }
    return 'applied';
  }

  /** A leg first seen in a channel event: the member leg itself, or a leg originated for its offer. */
  private legFromVariables(uuid: string, side: 'member' | 'agent', h: ReadonlyMap<string, string>): Leg | null {
    if (side === 'member') {
      let call = this.calls.get(uuid);
      if (!call) {
        call = newCall(uuid);
        call.queue = h.get('variable_cc_queue') ?? '';
        call.memberUuid = h.get('variable_cc_member_uuid') ?? '';
        call.callerNumber = h.get('Caller-Caller-ID-Number') ?? '';
        call.callerName = h.get('Caller-Caller-ID-Name') ?? '';
        this.calls.set(uuid, call);
      }
      return this.adopt(call, uuid, 'member');
    }
    const session = h.get('variable_cc_member_session_uuid') ?? '';
    const call = this.calls.get(session);
    if (!call) return null;
    return this.adopt(call, uuid, call.agentLegUuid === uuid ? 'agent' : 'offer');
  }

  private apply(leg: Leg, name: string, h: ReadonlyMap<string, string>): void {
    const callState = h.get('Channel-Call-State');
    if (callState) leg.callState = callState;
    leg.channelName = h.get('Channel-Name') ?? leg.channelName;
    leg.state = legState(h.get('Answer-State'), leg.state);
    switch (name) {
      case 'CHANNEL_BRIDGE': {
        const other = partner(leg.uuid, h);
        leg.bridgedTo = other;
        leg.parked = false;
        const o = other ? this.legs.get(other) : undefined;
        if (o) {
          o.bridgedTo = leg.uuid;
          o.parked = false;
        }
        return;
      }
      case 'CHANNEL_UNBRIDGE': {
        const other = partner(leg.uuid, h) ?? leg.bridgedTo;
        // uuid_bridge to a new partner (a consult) can fire the old bridge's UNBRIDGE after the new BRIDGE: keep the new one.
        if (other && leg.bridgedTo && leg.bridgedTo !== other) return;
        leg.bridgedTo = null;
        const o = other ? this.legs.get(other) : undefined;
        if (o && o.bridgedTo === leg.uuid) o.bridgedTo = null;
        return;
      }
      case 'CHANNEL_HOLD':
        leg.held = true;
        return;
      case 'CHANNEL_UNHOLD':
        leg.held = false;
        return;
      case 'CHANNEL_PARK':
        leg.parked = true;
        return;
      case 'CHANNEL_UNPARK':
        leg.parked = false;
        return;
      case 'CHANNEL_HANGUP':
        leg.state = 'hangup';
        leg.hangupCause = h.get('Hangup-Cause') ?? leg.hangupCause;
        return;
      case 'CHANNEL_HANGUP_COMPLETE': {
        leg.state = 'hangup';
        leg.hangupCause = h.get('Hangup-Cause') ?? leg.hangupCause;
        leg.gone = true;
        const o = leg.bridgedTo ? this.legs.get(leg.bridgedTo) : undefined;
        if (o && o.bridgedTo === leg.uuid) o.bridgedTo = null;
        leg.bridgedTo = null;
        return;
      }
      default:
        return;
    }
  }

  // ---- legs and calls ---------------------------------------------------------

  /** Creates or re-roles a leg of `call` and fills it from an event's channel data. */
  private seedLeg(call: Call, uuid: string, role: LegRole, h: ReadonlyMap<string, string>): void {
    const leg = this.adopt(call, uuid, role);
    const callState = h.get('Channel-Call-State');
    if (callState) leg.callState = callState;
    leg.channelName = h.get('Channel-Name') ?? leg.channelName;
    leg.state = legState(h.get('Answer-State'), leg.state);
  }

  private adopt(call: Call, uuid: string, role: LegRole): Leg {
    let leg = this.legs.get(uuid);
    if (!leg) {
      leg = { uuid, role, channelName: '', state: 'ringing', callState: null, bridgedTo: null, held: false, parked: false, hangupCause: null, gone: false, call: call.memberSessionUuid };
      this.legs.set(uuid, leg);
    } else if (leg.call !== call.memberSessionUuid) {
      this.calls.get(leg.call)?.legs.delete(uuid);
      leg.call = call.memberSessionUuid;
    }
    leg.role = role;
    call.legs.add(uuid);
    return leg;
  }

  /** Ends a call the model need not show any more: out of the queue, no leg of it alive. */
  private removeIfDone(call: Call): void {
    if (call.phase !== 'ended') return;
    for (const uuid of call.legs) {
      const leg = this.legs.get(uuid);
      if (leg && !leg.gone) return;
    }
    const last = this.viewOf(call);
    for (const uuid of call.legs) this.legs.delete(uuid);
    this.calls.delete(call.memberSessionUuid);
    this.emit('removed', last);
  }

  private changed(call: Call): void {
    if (this.listenerCount('call') > 0) this.emit('call', this.viewOf(call));
  }

  private viewOf(c: Call, legs: ReadonlyMap<string, Leg> = this.legs): CallView {
    const member = legs.get(c.memberSessionUuid);
    const agentLeg = c.agentLegUuid ? legs.get(c.agentLegUuid) : undefined;
    const offerLegs: LegView[] = [];
    for (const uuid of c.legs) {
      const l = legs.get(uuid);
      if (l && l.role === 'offer') offerLegs.push(legView(l));
    }
    return {
      memberSessionUuid: c.memberSessionUuid,
      memberUuid: c.memberUuid,
      queue: c.queue,
      callerNumber: c.callerNumber,
      callerName: c.callerName,
      agent: c.agent,
      agentLegUuid: c.agentLegUuid,
      phase: c.phase,
      held: Boolean((member && !member.gone && member.held) || (agentLeg && !agentLeg.gone && agentLeg.held)),
      member: member ? legView(member) : null,
      agentLeg: agentLeg ? legView(agentLeg) : null,
      offerLegs,
    };
  }

  // ---- rebuild ----------------------------------------------------------------

  /**
   * Replaces the model with what the switch lists after a (re)connect: the
   * queue members with their serving agent's leg, and every channel with its
   * call state and bridge partner (`show calls as json`). Legs that are not
   * listed are gone; calls out of the queues stay while one of their legs is
   * up (a transferred caller, a parked agent leg). What the lists cannot say
   * (hold on a loopback leg, parked) reads as not held, not parked.
   */
  rebuild(members: Iterable<ListedMember>, channels: ReadonlyMap<string, ChannelRow>): void {
    const before = new Map(this.calls);
    const oldLegs = this.legs;
    this.calls.clear();
    this.legs.clear();
    const live = (call: Call, uuid: string, role: LegRole): void => {
      const row = channels.get(uuid);
      const leg = this.adopt(call, uuid, role);
      const old = oldLegs.get(uuid);
      leg.channelName = row?.name ?? old?.channelName ?? '';
      if (!row) {
        leg.state = 'hangup';
        leg.gone = true;
        leg.hangupCause = old?.hangupCause ?? null;
        return;
      }
      leg.callState = row.callState || null;
      leg.state = row.callState === 'RINGING' || row.callState === 'DOWN' ? 'ringing' : row.callState === 'EARLY' ? 'early' : row.callState === 'HANGUP' ? 'hangup' : 'answered';
      leg.held = row.callState === 'HELD';
      leg.bridgedTo = row.bridgedTo;
    };
    for (const m of members) {
      if (!m.sessionUuid || (m.state !== 'Waiting' && m.state !== 'Trying' && m.state !== 'Answered')) continue;
      const call = newCall(m.sessionUuid);
      call.memberUuid = m.uuid;
      call.queue = m.queue;
      call.callerNumber = m.cidNumber;
      call.callerName = m.cidName;
      call.agent = m.servingAgent || null;
      call.phase = m.state === 'Waiting' ? 'waiting' : m.state === 'Trying' ? 'offering' : 'bridged';
      if (m.state === 'Answered' && m.agentUuid) call.agentLegUuid = m.agentUuid;
      this.calls.set(call.memberSessionUuid, call);
      live(call, m.sessionUuid, 'member');
      if (call.agentLegUuid) live(call, call.agentLegUuid, 'agent');
      before.delete(call.memberSessionUuid);
    }
    // Calls no longer in a queue: kept while a member or agent leg of theirs is still up.
    for (const old of before.values()) {
      const up = [...old.legs].filter((u) => channels.has(u) && oldLegs.get(u)?.role !== 'offer');
      if (up.length === 0) {
        this.emit('removed', { ...this.viewOfRemoved(old, oldLegs) });
        continue;
      }
      const call: Call = { ...old, phase: 'ended', legs: new Set(), earlier: new Set(old.earlier), ended: new Set(old.ended) };
      this.calls.set(call.memberSessionUuid, call);
      for (const u of up) live(call, u, oldLegs.get(u)?.role ?? 'member');
    }
    this.rebuilt++;
    for (const call of this.calls.values()) this.changed(call);
  }

  /** A call gone from the switch: its last legs, all hung up. */
  private viewOfRemoved(c: Call, legs: ReadonlyMap<string, Leg>): CallView {
    const v = this.viewOf(c, legs);
    const hungUp = (l: LegView | null): LegView | null => (l ? { ...l, gone: true, state: 'hangup' } : null);
    return { ...v, phase: 'ended', held: false, member: hungUp(v.member), agentLeg: hungUp(v.agentLeg), offerLegs: [] };
  }
}

function newCall(session: string): Call {
  return { memberSessionUuid: session, memberUuid: '', queue: '', callerNumber: '', callerName: '', agent: null, agentLegUuid: null, phase: 'waiting', legs: new Set(), earlier: new Set(), ended: new Set() };
}

/** The other side of a CHANNEL_BRIDGE/UNBRIDGE (the A side fires it; `Other-Leg-Unique-ID` can be empty on UNBRIDGE: 11). */
function partner(uuid: string, h: ReadonlyMap<string, string>): string | null {
  const a = h.get('Bridge-A-Unique-ID');
  const b = h.get('Bridge-B-Unique-ID');
  if (a && b) return a === uuid ? b : a;
  return h.get('Other-Leg-Unique-ID') || null;
}

function legView(l: Leg): LegView {
  return {
    uuid: l.uuid,
    role: l.role,
    channelName: l.channelName,
    state: l.state,
    callState: l.callState,
    bridgedTo: l.bridgedTo,
    held: l.held,
    parked: l.parked,
    hangupCause: l.hangupCause,
    gone: l.gone,
  };
}
