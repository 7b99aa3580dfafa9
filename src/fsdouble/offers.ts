import type { SwitchCore } from './core.js';
import type { CallCenter } from './callcenter.js';
import { atoi, eq } from './callcenter.js';
import { SITES } from './event-builder.js';
import { ST, type Channel, type ChannelState } from './channel.js';
import { parseContact, type Legs, type ParsedContact } from './legs.js';
import type { Dispatcher } from './dispatch.js';
import { cancelMaxWait, fireCc, type CallRegistry, type CallerCall, type Offer, type RoutingOptions } from './calls.js';
import type { Agent, Member, Queue, SwitchModel, Tier } from './switch-model.js';

/**
 * outbound_agent_thread_run(): one agent offered one member. The agent leg
 * is originated, then either answers (bridge-agent-start, the member is
 * bridged, later bridge-agent-end and member-queue-end) or fails
 * (bridge-agent-fail with the no-answer/reject/busy bookkeeping); either way
 * the `done:` block puts tiers and the agent state back.
 */
export class Offers {
  constructor(
    private readonly core: SwitchCore,
    private readonly cc: CallCenter,
    private readonly legs: Legs,
    private readonly reg: CallRegistry,
    private readonly options: RoutingOptions,
    private readonly dispatcher: Dispatcher,
  ) {}

  private get model(): SwitchModel {
    return this.core.model;
  }

  /** agents_callback(): assign the member, agent to Receiving, tiers to Offering/Standby, start the offer. */
  offer(member: Member, agent: Agent, tier: Tier, q: Queue): void {
    const call = this.callOfMember(member);
    member.servingAgent = agent.name;
    member.servingSystem = 'single_box';
    member.state = 'Trying';
    this.reg.waiting.delete(member);
    const offer: Offer = {
      call: call!,
      member,
      queue: q.name,
      agentName: agent.name,
      agentType: agent.type,
      agentStatus: agent.status,
      noAnswerCount: agent.noAnswerCount,
      maxNoAnswer: agent.maxNoAnswer,
      rejectDelay: agent.rejectDelayTime,
      busyDelay: agent.busyDelayTime,
      noAnswerDelay: agent.noAnswerDelayTime,
      noAnswerStatus: q.agentNoAnswerStatus,
      contact: null,
      target: '',
      legs: null,
      agentChannel: null,
      calledS: 0,
      answeredS: 0,
      phase: 'ringing',
      timer: null,
    };
    this.reg.offers.set(agent.name, offer);
    this.cc.agentUpdate('state', 'Receiving', agent.name);
    tier.state = 'Offering';
    for (const t of this.model.tiersOfAgent(agent.name)) if (t.queue !== q.name && t.state === 'Ready') t.state = 'Standby';
    if (!call || call.phase !== 'waiting') {
      // "member is gone before we could process it"
      this.finish(offer, false, 'Ready');
      return;
    }
    call.offer = offer;
    this.startOffer(offer);
  }

  private callOfMember(m: Member): CallerCall | undefined {
    const owner = this.reg.owners.get(m.sessionUuid);
    return owner && 'call' in owner ? owner.call : undefined;
  }

  private startOffer(offer: Offer): void {
    const b = offer.call.b;
    fireCc(this.core, SITES.offering, [], [
      ['CC-Queue', offer.queue],
      ['CC-Action', 'agent-offering'],
      ['CC-Agent', offer.agentName],
      ['CC-Agent-Type', offer.agentType],
      ['CC-Agent-System', 'single_box'],
      ['CC-Member-UUID', offer.member.uuid],
      ['CC-Member-Session-UUID', b.uuid],
      ['CC-Member-CID-Name', offer.member.cidName],
      ['CC-Member-CID-Number', offer.member.cidNumber],
      ...memberDnis(offer),
    ]);
    offer.calledS = this.core.nowS();
    if (eq(offer.agentType, 'uuid-standby')) {
      const agent = this.model.agents.get(offer.agentName);
      const standby = agent ? this.core.channels.get(agent.uuid) : undefined;
      if (standby && !standby.gone) {
        offer.agentChannel = standby;
        this.answered(offer);
      } else {
        this.cc.agentUpdate('status', 'Logged Out', offer.agentName);
        this.cc.agentUpdate('uuid', '', offer.agentName);
        this.failed(offer, 'NONE');
      }
      return;
    }
    const agent = this.model.agents.get(offer.agentName);
    const contact = parseContact(expand(agent?.contact ?? '', b));
    offer.contact = contact;
    if (contact.errorCause) {
      const cause = contact.errorCause;
      offer.timer = this.core.timers.after(0, () => this.failed(offer, cause));
      return;
    }
    offer.target = contact.loopback ? this.options.loopbackTarget(contact.loopback.ext) : contact.endpoint;
    const legs = this.legs.originateAgent(contact, { queue: offer.queue, memberUuid: offer.member.uuid, joinedEpoch: offer.member.joinedEpoch, agentName: offer.agentName, agentType: offer.agentType }, b);
    offer.legs = legs;
    for (const ch of [legs.a, legs.b, legs.real]) if (ch) this.reg.owners.set(ch.uuid, { offer });
    const mode = this.reg.answerModes.get(offer.agentName) ?? { mode: 'answer' };
    const ring = this.options.ringMs;
    switch (mode.mode) {
      case 'answer':
        offer.timer = this.core.timers.after(mode.afterMs ?? ring, () => this.answered(offer));
        break;
      case 'reject':
        offer.timer = this.core.timers.after(mode.afterMs ?? 0, () => this.unanswered(offer, mode.cause ?? 'CALL_REJECTED', { app: 'hangup', arg: mode.cause ?? 'CALL_REJECTED' }));
        break;
      case 'no-answer': {
        const legTimeout = varOf(contact, 'leg_timeout') ?? varOf(contact, 'originate_timeout');
        const ms = mode.afterMs ?? (legTimeout ? atoi(legTimeout) * 1000 : this.options.agentOriginateTimeoutS * 1000);
        // Recorded: a loopback contact with leg_timeout ends ALLOTTED_TIMEOUT (fixture 04); a SIP
        // phone (user/, sofia/) that rings out ends NO_ANSWER, leg_timeout or not (real-switch tier).
        const cause = mode.cause ?? (contact.loopback && varOf(contact, 'leg_timeout') ? 'ALLOTTED_TIMEOUT' : 'NO_ANSWER');
        offer.timer = this.core.timers.after(ms, () => this.unanswered(offer, cause, { app: 'sleep', arg: '60000' }));
        break;
      }
      case 'no-bridge':
        offer.timer = this.core.timers.after(mode.afterMs ?? ring, () => {
          if (offer.phase !== 'ringing') return;
          offer.phase = 'no-bridge';
          this.legs.answeredNoBridge(legs);
          offer.timer = this.core.timers.after(mode.giveUpAfterMs ?? this.options.noBridgeGiveUpMs, () => this.noBridgeGiveUp(offer));
        });
        break;
    }
  }

  /** The originate ended without an answer: its sessions hang up, then the failure path. */
  private unanswered(offer: Offer, cause: string, dialplan: { app: string; arg: string } | null): void {
    if (offer.phase !== 'ringing') return;
    if (offer.legs) this.legs.hangupUnanswered(offer.legs, cause, dialplan);
    this.failed(offer, cause);
  }

  private noBridgeGiveUp(offer: Offer): void {
    if (offer.phase !== 'no-bridge') return;
    const startedMs = this.core.nowMs();
    this.legs.noBridgeGiveUp(offer.legs!);
    this.failed(offer, 'SUCCESS');
    this.legs.noBridgeReleaseB(offer.legs!, this.options.noBridgeGiveUpMs + (this.core.nowMs() - startedMs));
  }

  /** The agent answered: bridge-agent-start, counters, In a queue call, and the member is bridged. */
  private answered(offer: Offer): void {
    if (offer.phase !== 'ringing') return;
    const call = offer.call;
    const b = call.b;
    const info = { queue: offer.queue, memberUuid: offer.member.uuid, joinedEpoch: offer.member.joinedEpoch, agentName: offer.agentName, agentType: offer.agentType };
    const agentChannel = offer.legs ? this.legs.agentAnswered(offer.legs, offer.target, info, b) : offer.agentChannel!;
    offer.agentChannel = agentChannel;
    this.reg.owners.set(agentChannel.uuid, { offer });
    offer.answeredS = this.core.nowS();
    offer.phase = 'bridged';
    call.phase = 'bridged';
    cancelMaxWait(this.core, call);
    fireCc(this.core, SITES.bridgeStart, this.legs.agentChannelHeaders(agentChannel), [
      ['CC-Queue', offer.queue],
      ['CC-Action', 'bridge-agent-start'],
      ['CC-Agent', offer.agentName],
      ['CC-Agent-System', 'single_box'],
      ['CC-Agent-UUID', agentChannel.uuid],
      ['CC-Agent-Called-Time', String(offer.calledS)],
      ['CC-Agent-Answered-Time', String(offer.answeredS)],
      ['CC-Member-Joined-Time', offer.member.joinedEpoch + ''],
      ['CC-Member-UUID', offer.member.uuid],
      ['CC-Member-Session-UUID', b.uuid],
      ['CC-Member-CID-Name', offer.member.cidName],
      ['CC-Member-CID-Number', offer.member.cidNumber],
      ...memberDnis(offer),
    ]);
    const now = this.core.nowS();
    offer.member.state = 'Answered';
    offer.member.bridgeEpoch = now;
    const agent = this.model.agents.get(offer.agentName);
    if (agent) {
      agent.uuid = agentChannel.uuid;
      agent.lastBridgeStart = now;
      agent.callsAnswered++;
      agent.noAnswerCount = 0;
    }
    const tier = this.model.getTier(offer.queue, offer.agentName);
    if (tier && agent) tier.state = 'Active Inbound';
    this.cc.agentUpdate('state', 'In a queue call', offer.agentName);
    const q = this.cc.getQueue(offer.queue);
    if (q) q.callsAnswered++;
    this.cc.queueCount(offer.queue);
    if (offer.legs) this.legs.releaseLoopback(offer.legs, offer.target);
    this.legs.bridgeMember(b, agentChannel, { agentName: offer.agentName, waitedMs: this.core.nowMs() - call.joinedMs });
    this.reg.owners.set(agentChannel.uuid, { offer });
  }

  /** The bridged call is over: hangups, bridge-agent-end, member-queue-end (Terminated), agent back. */
  endBridged(offer: Offer, by: 'caller' | 'agent', cause: string, opts: { keepLegs?: boolean } = {}): void {
    const call = offer.call;
    const agentChannel = offer.agentChannel!;
    offer.phase = 'done';
    call.phase = 'done';
    // callcenter_break: mod_callcenter stops watching; the legs stay as they are.
    if (!opts.keepLegs) this.legs.hangupBridged(by, call.a, call.b, agentChannel, cause);
    this.reg.forgetCall(call);
    this.reg.owners.delete(agentChannel.uuid);
    this.bridgeEnded(offer, ST.reported);
  }

  /**
   * uuid_transfer of the bridged caller (fixtures 11, 12): the switch hangs the agent leg up, the
   * member leg unbridges and runs its new destination (`then`), and mod_callcenter ends the agent's
   * call as usual (bridge-agent-end, member-queue-end Terminated with the caller still up).
   */
  endByTransfer(offer: Offer, unbridged: (member: Channel) => void, then: () => void): void {
    const call = offer.call;
    const agentChannel = offer.agentChannel!;
    offer.phase = 'done';
    call.offer = null;
    call.phase = 'parked';
    this.legs.hangup(agentChannel, 'NORMAL_CLEARING');
    call.b.bridged = false;
    unbridged(call.b);
    this.reg.owners.delete(agentChannel.uuid);
    then();
    this.bridgeEnded(offer, ST.execute);
  }

  /** bridge-agent-end, member-queue-end (Terminated), the agent's counters and state. */
  private bridgeEnded(offer: Offer, memberState: ChannelState): void {
    const call = offer.call;
    const agentChannel = offer.agentChannel!;
    const now = this.core.nowS();
    fireCc(this.core, SITES.bridgeEnd, agentChannel.headers(ST.reported), [
      ['CC-Queue', offer.queue],
      ['CC-Action', 'bridge-agent-end'],
      ['CC-Hangup-Cause', 'SUCCESS'],
      ['CC-Agent', offer.agentName],
      ['CC-Agent-System', 'single_box'],
      ['CC-Agent-UUID', agentChannel.uuid],
      ['CC-Agent-Bridged', 'true'],
      ['CC-Agent-Called-Time', String(offer.calledS)],
      ['CC-Agent-Answered-Time', String(offer.answeredS)],
      ['CC-Member-Joined-Time', String(offer.member.joinedEpoch)],
      ['CC-Bridge-Terminated-Time', String(now)],
      ['CC-Member-UUID', offer.member.uuid],
      ['CC-Member-Session-UUID', call.b.uuid],
      ['CC-Member-CID-Name', offer.member.cidName],
      ['CC-Member-CID-Number', offer.member.cidNumber],
    ]);
    const agent = this.model.agents.get(offer.agentName);
    if (agent) {
      agent.lastBridgeEnd = now;
      agent.lastBridgeEndMs = this.core.nowMs();
      agent.talkTime += now - agent.lastBridgeStart;
      if (!eq(offer.agentType, 'uuid-standby')) agent.uuid = '';
    }
    this.model.deleteMember(offer.member.uuid);
    call.b.set('cc_queue_terminated_epoch', String(now));
    fireCc(this.core, SITES.memberEnd, call.b.headers(memberState), [
      ['CC-Queue', offer.queue],
      ['CC-Action', 'member-queue-end'],
      ['CC-Hangup-Cause', 'SUCCESS'],
      ['CC-Cause', 'Terminated'],
      ['CC-Agent', offer.agentName],
      ['CC-Agent-System', 'single_box'],
      ['CC-Agent-UUID', agentChannel.uuid],
      ['CC-Agent-Called-Time', String(offer.calledS)],
      ['CC-Agent-Answered-Time', String(offer.answeredS)],
      ['CC-Member-Leaving-Time', String(now)],
      ['CC-Member-Joined-Time', String(offer.member.joinedEpoch)],
      ['CC-Member-UUID', offer.member.uuid],
      ['CC-Member-Session-UUID', call.b.uuid],
      ['CC-Member-CID-Name', offer.member.cidName],
      ['CC-Member-CID-Number', offer.member.cidNumber],
    ]);
    this.finish(offer, true, 'Ready');
    if (agent && agent.wrapUpTime > 0) this.dispatcher.wakeAt(agent.lastBridgeEndMs + agent.wrapUpTime * 1000);
  }

  /** "Agent didn't answer or originate/bridge failed": counters, delays, bridge-agent-fail. */
  private failed(offer: Offer, cause: string): void {
    if (offer.phase === 'done') return;
    this.core.timers.cancel(offer.timer);
    offer.phase = 'done';
    const member = offer.member;
    if (member.servingAgent === offer.agentName && member.servingSystem === 'single_box') {
      if (member.state === 'Trying') {
        member.state = 'Waiting';
        this.reg.waiting.add(member);
      }
      member.servingAgent = '';
      member.servingSystem = '';
    }
    if (offer.call.offer === offer) offer.call.offer = null;
    let delay = 0;
    let tierState = 'Ready';
    switch (cause) {
      case 'LOSE_RACE':
      case 'ORIGINATOR_CANCEL':
        break;
      case 'NORMAL_CIRCUIT_CONGESTION':
      case 'USER_BUSY':
        delay = offer.busyDelay;
        break;
      case 'CALL_REJECTED':
        delay = offer.rejectDelay;
        break;
      case 'USER_NOT_REGISTERED':
        delay = 5;
        break;
      default: {
        delay = offer.noAnswerDelay;
        tierState = 'No Answer';
        const agent = this.model.agents.get(offer.agentName);
        if (agent) agent.noAnswerCount++;
        if (offer.maxNoAnswer > 0 && offer.noAnswerCount + 1 >= offer.maxNoAnswer) {
          fireCc(this.core, SITES.maxNoAnswer, [], [
            ['CC-Agent', offer.agentName],
            ['CC-Action', 'agent-max-no-answer'],
            ['CC-Agent-No-Answer-Count', String(offer.maxNoAnswer)],
            ['CC-Agent-No-Answer-Status', offer.noAnswerStatus],
            ['CC-Member-UUID', member.uuid],
            ['CC-Member-Session-UUID', offer.call.b.uuid],
          ]);
          this.cc.agentUpdate('status', offer.noAnswerStatus, offer.agentName);
        }
      }
    }
    const now = this.core.nowS();
    if (delay > 0) this.cc.agentUpdate('ready_time', String(now + delay), offer.agentName);
    fireCc(this.core, SITES.bridgeFail, [], [
      ['CC-Queue', offer.queue],
      ['CC-Action', 'bridge-agent-fail'],
      ['CC-Hangup-Cause', cause],
      ['CC-Agent', offer.agentName],
      ['CC-Agent-System', 'single_box'],
      ['CC-Agent-Called-Time', String(offer.calledS)],
      ['CC-Agent-Aborted-Time', String(now)],
      ['CC-Member-UUID', member.uuid],
      ['CC-Member-Session-UUID', offer.call.b.uuid],
      ['CC-Member-CID-Name', member.cidName],
      ['CC-Member-CID-Number', member.cidNumber],
      ['CC-Member-Joined-Time', String(member.joinedEpoch)],
    ]);
    this.finish(offer, false, tierState);
  }

  /** The `done:` block: tiers back, agent Waiting (or Idle after an On Demand call). */
  private finish(offer: Offer, bridged: boolean, tierState: string): void {
    offer.phase = 'done';
    this.core.timers.cancel(offer.timer);
    if (this.reg.offers.get(offer.agentName) === offer) this.reg.offers.delete(offer.agentName);
    const t = this.model.getTier(offer.queue, offer.agentName);
    if (t && (t.state === 'Active Inbound' || t.state === 'Standby' || t.state === 'Offering')) t.state = tierState;
    for (const other of this.model.tiersOfAgent(offer.agentName)) if (other.queue !== offer.queue && other.state === 'Standby') other.state = 'Ready';
    const idle = bridged && eq(offer.agentStatus, 'Available (On Demand)');
    this.cc.agentUpdate('state', idle ? 'Idle' : 'Waiting', offer.agentName);
    this.dispatcher.soon();
  }

  /** cc_agent_update(status != Available): hupall of the agent's ringing originate (ORIGINATOR_CANCEL). */
  cancelRingingOffer(agentName: string): void {
    const offer = this.reg.offers.get(agentName);
    if (!offer || offer.phase !== 'ringing' || offer.member.state === 'Answered') return;
    // Deferred: the status change finishes (and fires its event) before the originate returns.
    this.core.timers.after(0, () => this.unanswered(offer, 'ORIGINATOR_CANCEL', null));
  }

  /** A hangup of one of the agent's sessions. */
  /**
   * The agent leg of a detached queue call (consult, conference) hangs up: mod_callcenter ends the
   * queue call (bridge-agent-end, member-queue-end Terminated, agent back), the caller's legs stay
   * up and the call stays known (parked), so it can be transferred back into a queue.
   */
  endDetached(offer: Offer, cause: string): void {
    const call = offer.call;
    const agentChannel = offer.agentChannel!;
    offer.phase = 'done';
    call.offer = null;
    call.phase = 'parked';
    call.detached = false;
    this.legs.hangup(agentChannel, cause);
    this.reg.owners.delete(agentChannel.uuid);
    this.bridgeEnded(offer, ST.execute);
  }

  hangupAgentChannel(offer: Offer, cause: string): boolean {
    switch (offer.phase) {
      case 'bridged':
        if (offer.call.detached) this.endDetached(offer, cause);
        else this.endBridged(offer, 'agent', cause);
        return true;
      case 'ringing':
        this.unanswered(offer, cause, null);
        return true;
      case 'no-bridge':
        this.noBridgeGiveUp(offer);
        return true;
      default:
        return false;
    }
  }

  /**
   * The caller left while this offer was in progress (callcenter_function's hupall of the
   * agent legs with ORIGINATOR_CANCEL, or the loopback bridge wait giving up). Returns the
   * release of the agent's -b leg, which the recording shows after the member's own hangup.
   */
  cancelForCaller(offer: Offer): (() => void) | null {
    if (offer.phase === 'ringing') {
      const legs = offer.legs;
      let release: (() => void) | null = null;
      if (legs?.kind === 'loopback') {
        this.legs.hangup(legs.a!, 'ORIGINATOR_CANCEL');
        release = () => this.legs.hangup(legs.b!, 'ORIGINATOR_CANCEL');
      } else if (legs?.real) {
        this.legs.hangup(legs.real, 'ORIGINATOR_CANCEL');
      }
      this.failed(offer, 'ORIGINATOR_CANCEL');
      return release;
    }
    if (offer.phase === 'no-bridge') {
      const legs = offer.legs!;
      const startedMs = this.core.nowMs();
      this.legs.noBridgeGiveUp(legs);
      this.failed(offer, 'SUCCESS');
      return () => this.legs.noBridgeReleaseB(legs, this.core.nowMs() - startedMs);
    }
    return null;
  }

  /** max-wait-time while an agent rings: the agent legs go with ORIGINATOR_CANCEL. */
  cancelForTimeout(offer: Offer): void {
    const legs = offer.legs;
    if (legs?.kind === 'loopback') {
      this.legs.hangup(legs.a!, 'ORIGINATOR_CANCEL');
      this.legs.hangup(legs.b!, 'ORIGINATOR_CANCEL');
    } else if (legs?.real) this.legs.hangup(legs.real, 'ORIGINATOR_CANCEL');
    this.failed(offer, 'ORIGINATOR_CANCEL');
  }
}

function varOf(c: ParsedContact, name: string): string | undefined {
  for (let i = c.vars.length - 1; i >= 0; i--) if (c.vars[i]![0] === name) return c.vars[i]![1];
  return undefined;
}

/** switch_channel_expand_variables() for the plain `${var}` form. */
function expand(text: string, ch: Channel): string {
  return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => ch.get(name) ?? '');
}

/** CC-Member-DNIS is the member profile's rdnis: absent unless the caller was transferred to the queue. */
function memberDnis(offer: Offer): Array<[string, string]> {
  return offer.call.rdnis ? [['CC-Member-DNIS', offer.call.rdnis]] : [];
}
