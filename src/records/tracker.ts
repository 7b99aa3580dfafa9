import { EventEmitter } from 'node:events';
import type { CallcenterEvent, MemberRef } from '../callcenter/events.js';
import type { MemberView } from '../callcenter/state.js';
import { offerOutcomeOf, type LiveCall } from './model.js';

/** How a call ended, from its member-queue-end. */
export interface CallEnd {
  readonly endedAt: number;
  readonly cause: string;
  readonly cancelReason: string | null;
  readonly hangupCause: string | null;
  readonly agent: string | null;
  readonly answeredAt: number | null;
}

export interface CallTrackerEvents {
  /** A call started or changed: its current state (a copy). */
  live: [call: LiveCall];
  /** A call ended: all this instance knows of it, and how it ended. */
  ended: [call: LiveCall, end: CallEnd];
  /**
   * A call the switch no longer lists, whose end this instance did not see (it ended while the link was down).
   * An answered call whose bridge-agent-end was seen ends with `ended` instead (see bridgeEndOf).
   */
  vanished: [call: LiveCall];
}

const sec = (s: number) => s * 1000;
const usToMs = (us: number) => Math.round(us / 1000);
const copy = (c: LiveCall): LiveCall => ({ ...c, variables: { ...c.variables }, offers: c.offers.map((o) => ({ ...o })) });

/**
 * The end of an answered call whose member-queue-end never came, from its
 * bridge-agent-end. The real switch skips member-queue-end when the caller hangs
 * up at the very moment of the bridge (seen on 1.10.12: bridge-agent-end, then
 * nothing; hanging up a few seconds later gives member-queue-end as usual). The
 * switch did report the answer and the bridge's end, so the record is the one
 * member-queue-end would have given (CC-Cause Terminated), not a guess.
 */
function bridgeEndOf(c: LiveCall): CallEnd | null {
  if (c.state !== 'answered' || !c.agent) return null;
  const offer = [...c.offers].reverse().find((o) => o.agent === c.agent && o.outcome === 'answered');
  if (!offer || offer.endedAt === null) return null;
  return { endedAt: offer.endedAt, cause: 'Terminated', cancelReason: null, hangupCause: offer.hangupCause, agent: c.agent, answeredAt: c.answeredAt };
}

/**
 * Follows every queue call from the callcenter events (member-queue-start,
 * agent-offering, bridge-agent-start/fail/end, member-queue-end) and, after a
 * resync, from `queue list members` for calls that began before this gateway
 * was listening. Pure domain: no database, no timers.
 */
export class CallTracker extends EventEmitter<CallTrackerEvents> {
  private readonly calls = new Map<string, LiveCall>();
  /** Calls the last resync did not list: dropped if the next one does not list them either. */
  private readonly missing = new Set<string>();

  /** Every call in a queue or with an agent now, oldest first. */
  list(): LiveCall[] {
    return [...this.calls.values()].sort((a, b) => a.joinedAt - b.joinedAt).map(copy);
  }

  get size(): number {
    return this.calls.size;
  }

  apply(e: CallcenterEvent): void {
    switch (e.action) {
      case 'member-queue-start':
      case 'member-queue-resume': {
        const c = this.calls.get(e.member.uuid) ?? this.fresh(e.queue, e.member, sec(e.joinedEpoch));
        c.destination = e.destination || c.destination;
        c.variables = { ...c.variables, ...e.exported };
        c.joinedAt = Math.min(c.joinedAt, sec(e.joinedEpoch) || c.joinedAt);
        this.put(c);
        return;
      }
      case 'agent-offering': {
        const c = this.known(e.queue, e.member, usToMs(e.timestampUs));
        const at = usToMs(e.timestampUs) || Date.now();
        c.offers.push({ agent: e.agent, offeredAt: at, endedAt: null, outcome: 'ringing', hangupCause: null });
        c.offeredAt ??= at;
        if (c.state === 'waiting') c.state = 'offering';
        this.put(c);
        return;
      }
      case 'bridge-agent-start': {
        const c = this.known(e.queue, e.member, sec(e.memberJoinedTime));
        // The event's own microsecond time is the moment; the CC-*-Time headers are whole seconds (fallbacks).
        const answeredAt = usToMs(e.timestampUs) || sec(e.answeredTime);
        const offer = this.ringingOffer(c, e.agent);
        if (offer) {
          offer.outcome = 'answered';
          offer.endedAt = null;
        } else {
          c.offers.push({ agent: e.agent, offeredAt: sec(e.calledTime) || answeredAt, endedAt: null, outcome: 'answered', hangupCause: null });
        }
        c.offeredAt ??= sec(e.calledTime) || answeredAt;
        c.state = 'answered';
        c.agent = e.agent;
        c.agentUuid = e.agentUuid || null;
        c.answeredAt = answeredAt;
        this.put(c);
        return;
      }
      case 'bridge-agent-fail': {
        const c = this.known(e.queue, e.member, usToMs(e.timestampUs));
        const offer = this.ringingOffer(c, e.agent);
        const endedAt = usToMs(e.timestampUs) || sec(e.abortedTime);
        if (offer) {
          offer.outcome = offerOutcomeOf(e.hangupCause);
          offer.endedAt = endedAt;
          offer.hangupCause = e.hangupCause || null;
        } else {
          c.offers.push({ agent: e.agent, offeredAt: sec(e.calledTime) || endedAt, endedAt, outcome: offerOutcomeOf(e.hangupCause), hangupCause: e.hangupCause || null });
        }
        if (c.state === 'offering' && !c.offers.some((o) => o.outcome === 'ringing')) c.state = 'waiting';
        this.put(c);
        return;
      }
      case 'bridge-agent-end': {
        const c = this.calls.get(e.member.uuid);
        if (!c) return; // member-queue-end follows and carries what a record needs
        const offer = [...c.offers].reverse().find((o) => o.agent === e.agent && o.outcome === 'answered');
        if (offer) {
          offer.endedAt = usToMs(e.timestampUs) || sec(e.terminatedTime);
          offer.hangupCause = e.hangupCause || null;
        }
        this.put(c);
        return;
      }
      case 'member-queue-end': {
        const c = this.calls.get(e.member.uuid) ?? this.fresh(e.queue, e.member, sec(e.joinedTime) || usToMs(e.timestampUs));
        this.calls.delete(e.member.uuid);
        c.variables = { ...e.exported, ...c.variables };
        if (e.joinedTime) c.joinedAt = Math.min(c.joinedAt, sec(e.joinedTime));
        const answered = e.cause === 'Terminated';
        if (answered && e.agent && !c.offers.some((o) => o.agent === e.agent && o.outcome === 'answered')) {
          // The offer and the answer happened before this gateway listened.
          const at = sec(e.answeredTime) || c.joinedAt;
          c.offers.push({ agent: e.agent, offeredAt: at, endedAt: sec(e.leavingTime) || null, outcome: 'answered', hangupCause: null, inferred: true });
          c.offeredAt ??= at;
        }
        this.emit('ended', c, {
          endedAt: usToMs(e.timestampUs) || sec(e.leavingTime) || Date.now(),
          cause: e.cause,
          cancelReason: e.cancelReason,
          hangupCause: e.hangupCause,
          agent: e.agent,
          // Ours (the bridge event's exact time) when we saw it; else the header's second.
          answeredAt: answered ? (c.answeredAt ?? (e.answeredTime ? sec(e.answeredTime) : null)) : null,
        });
        return;
      }
      default:
        return;
    }
  }

  /**
   * After a resync (the view holds the switch's member lists plus the events
   * since): calls the switch lists that this instance has not seen begin (it
   * started, or reconnected, mid-call) are followed from now on, and calls it
   * no longer lists are dropped.
   */
  reconcile(members: ReadonlyMap<string, MemberView>): void {
    // A call is dropped only when two resyncs in a row miss it. The member lists come
    // on the bulk connection, and the switch hands events to a listener on a 20 ms poll:
    // a list can overtake the member-queue-end that ends a call normally, which then
    // builds the record from everything this tracker kept.
    for (const uuid of this.missing) if (!this.calls.has(uuid)) this.missing.delete(uuid);
    for (const [uuid, c] of this.calls) {
      const m = members.get(uuid);
      if (m && m.state !== 'Abandoned') {
        this.missing.delete(uuid);
        continue;
      }
      if (!this.missing.has(uuid)) {
        this.missing.add(uuid);
        continue;
      }
      this.missing.delete(uuid);
      this.calls.delete(uuid);
      const bridgeEnd = bridgeEndOf(c);
      if (bridgeEnd) this.emit('ended', c, bridgeEnd);
      else this.emit('vanished', copy(c));
    }
    for (const m of members.values()) {
      if (!m.uuid || this.calls.has(m.uuid)) continue;
      if (m.state !== 'Waiting' && m.state !== 'Trying' && m.state !== 'Answered') continue;
      const c = this.fresh(m.queue, { uuid: m.uuid, sessionUuid: m.sessionUuid, cidNumber: m.cidNumber, cidName: m.cidName }, sec(m.joinedEpoch) || Date.now());
      if (m.state === 'Answered') {
        c.state = 'answered';
        c.agent = m.servingAgent || null;
        c.answeredAt = m.bridgeEpoch ? sec(m.bridgeEpoch) : null;
      } else if (m.state === 'Trying') {
        c.state = 'offering';
      }
      this.put(c);
    }
  }

  private fresh(queue: string, m: MemberRef, joinedAt: number): LiveCall {
    return {
      memberUuid: m.uuid,
      sessionUuid: m.sessionUuid,
      queue,
      callerNumber: m.cidNumber,
      callerName: m.cidName,
      destination: '',
      variables: {},
      state: 'waiting',
      agent: null,
      agentUuid: null,
      joinedAt,
      offeredAt: null,
      answeredAt: null,
      offers: [],
    };
  }

  private known(queue: string, m: MemberRef, joinedAt: number): LiveCall {
    return this.calls.get(m.uuid) ?? this.fresh(queue, m, joinedAt || Date.now());
  }

  private ringingOffer(c: LiveCall, agent: string) {
    return [...c.offers].reverse().find((o) => o.agent === agent && o.outcome === 'ringing');
  }

  private put(c: LiveCall): void {
    this.calls.set(c.memberUuid, c);
    this.emit('live', copy(c));
  }
}
