import { randomUUID } from 'node:crypto';
import type { SwitchCore } from './core.js';
import type { CallCenter } from './callcenter.js';
import { atoi, eq } from './callcenter.js';
import { SITES } from './event-builder.js';
import { ST, type Channel } from './channel.js';
import { Legs } from './legs.js';
import { Dispatcher } from './dispatch.js';
import { Offers } from './offers.js';
import { CallRegistry, cancelMaxWait, fireCc, type AnswerMode, type CallerCall, type CallerIds, type CallerSpec, type DialplanExtension, type RoutingOptions } from './calls.js';
import type { Member, SwitchModel } from './switch-model.js';

export type { AnswerMode, CallerIds, CallerSpec, DialplanExtension, RoutingOptions } from './calls.js';

/**
 * mod_callcenter's caller side (callcenter_function: a caller joins, waits,
 * is bridged or abandons; abandoned members are discarded later) and the
 * wiring of the dispatcher and the agent offers. Single-threaded: every step
 * runs to its end before the next, in the order the recorded switch fires
 * its events.
 */
export class Routing {
  readonly legs: Legs;
  private readonly reg = new CallRegistry();
  private readonly dispatcher: Dispatcher;
  private readonly offers: Offers;
  private readonly discardTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly core: SwitchCore,
    private readonly cc: CallCenter,
    readonly options: RoutingOptions,
  ) {
    this.legs = new Legs(core);
    this.dispatcher = new Dispatcher(core, cc, this.reg, (m, a, t, q) => this.offers.offer(m, a, t, q));
    this.offers = new Offers(core, cc, this.legs, this.reg, options, this.dispatcher);
    // A session that is gone can no longer be killed; a caller's pair is forgotten with the call.
    core.onChannelGone = (ch) => {
      const owner = this.reg.owners.get(ch.uuid);
      if (owner && 'offer' in owner) this.reg.owners.delete(ch.uuid);
    };
    cc.hooks = {
      cancelOffersOf: (agent) => this.offers.cancelRingingOffer(agent),
      changed: () => this.dispatcher.soon(),
      wakeAt: (ms) => this.dispatcher.wakeAt(ms),
    };
  }

  private get model(): SwitchModel {
    return this.core.model;
  }

  stop(): void {
    this.dispatcher.stop();
  }

  setAnswerMode(agent: string, mode: AnswerMode | null): void {
    if (mode) this.reg.answerModes.set(agent, mode);
    else this.reg.answerModes.delete(agent);
  }

  /** Members loaded from a previous run (restart with state): discard timers for the abandoned ones. */
  adoptMembers(): void {
    for (const m of this.model.members.values()) {
      // Another box's callers (a shared database) are that box's to offer.
      if (m.instanceId !== this.model.instanceId) continue;
      if (m.state === 'Waiting') this.reg.waiting.add(m);
      if (m.state === 'Abandoned') this.scheduleDiscard(m);
    }
    this.dispatcher.soon();
  }

  /** A caller dials a loopback extension: it joins the extension's queue, or parks when there is none. */
  injectCaller(spec: CallerSpec): CallerIds {
    const { destination, ext } = this.resolveDestination(spec);
    const context = spec.context ?? 'default';
    const aUuid = spec.uuid ?? randomUUID();
    if (this.core.channels.has(aUuid)) throw new Error(`uuid ${aUuid} already in use`);
    const queueName = spec.queue ?? ext?.queue ?? null;
    if (queueName && !this.cc.getQueue(queueName)) throw new Error(`queue ${queueName} not found`);
    const { a, b } = this.legs.callerLegs({ aUuid, bUuid: randomUUID(), cidName: spec.name, cidNumber: spec.number, destination, context });
    const call: CallerCall = { a, b, queue: queueName, rdnis: spec.rdnis ?? null, member: null, joinedMs: this.core.nowMs(), offer: null, phase: 'parked', maxWaitTimer: null };
    this.reg.calls.set(a.uuid, call);
    this.reg.owners.set(a.uuid, { call });
    this.reg.owners.set(b.uuid, { call });
    if (!queueName) return { callerUuid: a.uuid, memberSessionUuid: b.uuid, memberUuid: '' };
    const vars: Array<readonly [string, string]> = [...(ext?.variables ?? [])];
    for (const [k, v] of Object.entries(spec.variables ?? {})) {
      const at = vars.findIndex(([n]) => n === k);
      if (at >= 0) vars.splice(at, 1);
      vars.push([k, v]);
    }
    const member = this.join(call, queueName, vars);
    return { callerUuid: a.uuid, memberSessionUuid: b.uuid, memberUuid: member.uuid };
  }

  private resolveDestination(spec: CallerSpec): { destination: string; ext: DialplanExtension | undefined } {
    const plan = this.options.dialplan;
    if (spec.destination) return { destination: spec.destination, ext: plan[spec.destination] };
    for (const [d, ext] of Object.entries(plan)) {
      if (!spec.queue || ext.queue === spec.queue) return { destination: d, ext };
    }
    return { destination: '7000', ext: undefined };
  }

  /** callcenter_function(): the member row, member-queue-start, members-count. */
  private join(call: CallerCall, queueName: string, vars: ReadonlyArray<readonly [string, string]>): Member {
    const q = this.cc.getQueue(queueName)!;
    const b = call.b;
    const now = this.core.nowS();
    const startEpoch = Math.floor(b.profile.answeredUs / 1e6);
    let memberUuid: string = randomUUID();
    let resumed: Member | null = null;
    if (q.abandonedResumeAllowed) {
      let best: Member | null = null;
      for (const m of this.model.membersOfQueue(queueName)) {
        if (m.state === 'Abandoned' && m.cidNumber === b.profile.cidNumber && (!best || m.abandonedEpoch > best.abandonedEpoch)) best = m;
      }
      if (best) {
        resumed = best;
        memberUuid = best.uuid;
      }
    }
    let baseScore = atoi(vars.find(([k]) => k === 'cc_base_score')?.[1]);
    if (eq(q.timeBaseScore, 'system')) baseScore += now - startEpoch;
    this.legs.memberJoined(b, queueName, memberUuid, now, vars);
    let member: Member;
    if (resumed) {
      this.cancelDiscard(resumed.uuid);
      resumed.sessionUuid = b.uuid;
      resumed.state = 'Waiting';
      resumed.rejoinedEpoch = now;
      member = resumed;
    } else {
      member = this.model.addMember({
        queue: queueName,
        instanceId: this.model.instanceId,
        uuid: memberUuid,
        sessionUuid: b.uuid,
        cidNumber: b.profile.cidNumber,
        cidName: b.profile.cidName,
        systemEpoch: startEpoch,
        joinedEpoch: now,
        rejoinedEpoch: 0,
        bridgeEpoch: 0,
        abandonedEpoch: 0,
        baseScore,
        skillScore: 0,
        servingAgent: eq(q.strategy, 'ring-all') ? 'ring-all' : eq(q.strategy, 'ring-progressively') ? 'ring-progressively' : '',
        servingSystem: '',
        state: 'Waiting',
      });
    }
    call.member = member;
    call.phase = 'waiting';
    fireCc(this.core, SITES.memberStart, b.headers(ST.execute), [
      ['CC-Queue', queueName],
      ['CC-Action', resumed ? 'member-queue-resume' : 'member-queue-start'],
      ['CC-Member-UUID', memberUuid],
      ['CC-Member-Session-UUID', b.uuid],
      ['CC-Member-CID-Name', b.profile.cidName],
      ['CC-Member-CID-Number', b.profile.cidNumber],
    ]);
    this.reg.waiting.add(member);
    this.cc.queueCount(queueName);
    if (q.maxWaitTime > 0) call.maxWaitTimer = this.core.timers.after(q.maxWaitTime * 1000, () => this.memberTimeout(call));
    this.dispatcher.soon();
    return member;
  }

  /** The caller (either loopback leg) hangs up. */
  hangupCaller(uuid: string, cause = 'NORMAL_CLEARING'): boolean {
    const owner = this.reg.owners.get(uuid);
    if (!owner) return false;
    if ('offer' in owner) return this.offers.hangupAgentChannel(owner.offer, cause);
    const call = owner.call;
    switch (call.phase) {
      case 'bridged':
        this.offers.endBridged(call.offer!, 'caller', cause);
        return true;
      case 'waiting':
        this.abandon(call, cause);
        return true;
      case 'parked':
        call.phase = 'done';
        this.legs.hangupCallerA(call.a, call.b, cause);
        this.legs.hangup(call.b, cause);
        this.reg.forgetCall(call);
        return true;
      default:
        return false;
    }
  }

  /** The agent hangs up (or declines the ringing call). */
  hangupAgent(agentName: string, cause = 'NORMAL_CLEARING'): boolean {
    const offer = this.reg.offers.get(agentName);
    return offer ? this.offers.hangupAgentChannel(offer, cause) : false;
  }

  /** callcenter_function() sees the member channel go: Abandoned, member-queue-end Cancel/BREAK_OUT. */
  private abandon(call: CallerCall, cause: string): void {
    const member = call.member!;
    call.phase = 'done';
    cancelMaxWait(this.core, call);
    this.legs.hangupCallerA(call.a, call.b, cause);
    const releaseAgentB = call.offer ? this.offers.cancelForCaller(call.offer) : null;
    this.memberCancelled(call, member, 'BREAK_OUT', cause);
    this.legs.hangupCancelledMember(call.b, cause, 'BREAK_OUT');
    this.reg.forgetCall(call);
    releaseAgentB?.();
  }

  /** The member row goes Abandoned and member-queue-end (Cancel) with members-count. */
  private memberCancelled(call: CallerCall, member: Member, reason: string, hangupCause: string | null): void {
    const now = this.core.nowS();
    this.reg.waiting.delete(member);
    member.state = 'Abandoned';
    member.sessionUuid = '';
    member.abandonedEpoch = now;
    this.legs.mohStopped(call.b, this.core.nowMs() - call.joinedMs);
    call.b.hangupCause = hangupCause;
    fireCc(this.core, SITES.memberCancel, call.b.headers(hangupCause ? ST.cancelled : ST.execute), [
      ['CC-Queue', member.queue],
      ['CC-Action', 'member-queue-end'],
      ['CC-Member-Leaving-Time', String(now)],
      ['CC-Member-Joined-Time', String(member.joinedEpoch)],
      ['CC-Cause', 'Cancel'],
      ['CC-Cancel-Reason', reason],
      ['CC-Member-UUID', member.uuid],
      ['CC-Member-Session-UUID', call.b.uuid],
      ['CC-Member-CID-Name', member.cidName],
      ['CC-Member-CID-Number', member.cidNumber],
    ]);
    const q = this.cc.getQueue(member.queue);
    if (q) q.callsAbandoned++;
    this.cc.queueCount(member.queue);
    this.scheduleDiscard(member);
  }

  /** max-wait-time reached: Cancel/TIMEOUT; the dialplan then ends and the caller hangs up. */
  private memberTimeout(call: CallerCall): void {
    call.maxWaitTimer = null;
    if (call.phase !== 'waiting' || !call.member) return;
    const offer = call.offer;
    if (offer && offer.phase !== 'ringing') return;
    if (offer) this.offers.cancelForTimeout(offer);
    call.phase = 'done';
    this.memberCancelled(call, call.member, 'TIMEOUT', null);
    this.legs.hangupCancelledMember(call.b, 'NORMAL_CLEARING', 'TIMEOUT');
    this.legs.hangupCallerA(call.a, call.b, 'NORMAL_CLEARING');
    this.reg.forgetCall(call);
  }

  /** Members stay `Abandoned` until discard-abandoned-after has passed. */
  private scheduleDiscard(m: Member): void {
    const q = this.model.queues.get(m.queue) ?? (this.model.queueConfigs.has(m.queue) ? this.cc.getQueue(m.queue) : undefined);
    const after = q ? q.discardAbandonedAfter : 60;
    const since = (m.abandonedEpoch || m.joinedEpoch) * 1000;
    const dueMs = m.abandonedEpoch === this.core.nowS() ? this.core.nowMs() + after * 1000 : since + after * 1000;
    this.cancelDiscard(m.uuid);
    this.discardTimers.set(
      m.uuid,
      this.core.timers.after(dueMs - this.core.nowMs(), () => {
        this.discardTimers.delete(m.uuid);
        const cur = this.model.members.get(m.uuid);
        if (cur && cur.state === 'Abandoned') this.model.deleteMember(m.uuid);
      }),
    );
  }

  private cancelDiscard(uuid: string): void {
    this.core.timers.cancel(this.discardTimers.get(uuid));
    this.discardTimers.delete(uuid);
  }

  /**
   * `callcenter_break agent <uuid>`: the agent thread watching that session stops
   * (CC_APP_SHOULD_BREAK): bridge-agent-end, member-queue-end Terminated, agent back,
   * while the legs stay up. false: no such session.
   */
  breakAgent(uuid: string): boolean {
    if (!this.core.channels.has(uuid)) return false;
    const owner = this.reg.owners.get(uuid);
    if (owner && 'offer' in owner && owner.offer.phase === 'bridged' && owner.offer.agentChannel?.uuid === uuid) this.offers.endBridged(owner.offer, 'agent', 'NORMAL_CLEARING', { keepLegs: true });
    return true;
  }

  /** uuid_kill: any session the double knows. */
  kill(uuid: string, cause: string): boolean {
    if (this.reg.owners.has(uuid)) return this.hangupCaller(uuid, cause);
    const ch = this.core.channels.get(uuid);
    if (!ch) return false;
    this.legs.hangup(ch, cause);
    return true;
  }

  /**
   * uuid_transfer of a bridged caller's member leg (fixtures 11, 12): into a queue (inline
   * `callcenter:<queue>`, or an extension of the dialplan that runs one), else it parks.
   * false: not simulated (an agent leg, a caller that is not bridged).
   */
  transferCaller(uuid: string, to: { queue: string } | { extension: string; context: string }, unbridged: (member: Channel) => void, parked: (member: Channel) => void): boolean {
    const owner = this.reg.owners.get(uuid);
    if (!owner || !('call' in owner)) return false;
    const call = owner.call;
    if (call.b.uuid !== uuid || call.phase !== 'bridged' || !call.offer) return false;
    const queue = 'queue' in to ? to.queue : (this.options.dialplan[to.extension]?.queue ?? null);
    this.offers.endByTransfer(call.offer, unbridged, () => {
      if (queue && this.cc.getQueue(queue)) this.join(call, queue, []);
      else parked(call.b);
    });
    return true;
  }

  /** hupall: every call ends with `cause`. */
  hupall(cause: string): void {
    for (const call of [...this.reg.calls.values()]) if (call.phase !== 'done') this.hangupCaller(call.a.uuid, cause);
    for (const ch of [...this.core.channels.values()]) this.legs.hangup(ch, cause);
  }

}
