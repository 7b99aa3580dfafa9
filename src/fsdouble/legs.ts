import { randomUUID } from 'node:crypto';
import type { SwitchCore } from './core.js';
import { SITES, type CallSite } from './event-builder.js';
import type { Header } from './fs-event.js';
import { Channel, ST, applyHangupVars, newProfile, type ChannelState, type ChannelKind } from './channel.js';

/**
 * The sessions a call creates and the CHANNEL_* events they fire, step by
 * step, with the variables each step sets in the order the recorded switch
 * sets them (fixtures 02, 03, 04, 07). Routing decides which step happens
 * when; this module only knows what each step looks like on the wire.
 */

const CALLEE_NAME = 'Outbound Call';

export interface ParsedContact {
  /** `{a=b}` / `[a=b]` variables in front of the dial string, in order. */
  readonly vars: ReadonlyArray<readonly [string, string]>;
  readonly endpoint: string;
  /** loopback/<ext>/<context> */
  readonly loopback: { readonly ext: string; readonly context: string } | null;
  /** error/<cause>: the originate fails at once with that cause. */
  readonly errorCause: string | null;
}

/** Splits `[leg_timeout=5]{x=y}loopback/9000/default` into its variables and dial string. */
export function parseContact(contact: string): ParsedContact {
  let rest = contact.trim();
  const vars: Array<[string, string]> = [];
  while (rest.startsWith('{') || rest.startsWith('[') || rest.startsWith('<')) {
    const close = rest[0] === '{' ? '}' : rest[0] === '[' ? ']' : '>';
    const end = rest.indexOf(close);
    if (end === -1) break;
    for (const pair of rest.slice(1, end).split(',')) {
      const eqAt = pair.indexOf('=');
      if (eqAt > 0) vars.push([pair.slice(0, eqAt).trim(), pair.slice(eqAt + 1).trim()]);
    }
    rest = rest.slice(end + 1);
  }
  // Several targets (`,` = simultaneous, `|` = sequential): the first one is dialled.
  const first = rest.split(/[|,]/)[0]!.trim();
  const parts = first.split('/');
  let loopback: ParsedContact['loopback'] = null;
  if (parts[0] === 'loopback' && parts[1]) loopback = { ext: parts[1], context: parts[2] || 'default' };
  const errorCause = parts[0] === 'error' ? (parts[1] ?? 'NONE').toUpperCase() : null;
  return { vars, endpoint: first, loopback, errorCause };
}

/** The channel name a direct (non-loopback) originate produces. */
export function channelNameFor(endpoint: string): string {
  const m = /^user\/(.+)$/.exec(endpoint);
  if (m) return `sofia/internal/${m[1]}`;
  return endpoint;
}

/** What a callcenter member session carries for the agent side of an offer. */
export interface OfferInfo {
  readonly queue: string;
  readonly memberUuid: string;
  readonly joinedEpoch: number;
  readonly agentName: string;
  readonly agentType: string;
}

export class Legs {
  constructor(private readonly core: SwitchCore) {}

  private newChannel(uuid: string, name: string, kind: ChannelKind, profile: Parameters<typeof newProfile>[0]): Channel {
    const ch = new Channel(uuid, name, kind, newProfile(profile), this.core.nextSessionId());
    this.core.addChannel(ch);
    return ch;
  }

  fireChannel(eventName: string, site: CallSite, ch: Channel, st: ChannelState, extra: readonly Header[] = []): void {
    const headers: Header[] = [...extra, ...ch.headers(st)];
    this.core.fire(this.core.events.event(eventName, site, headers));
  }

  /** CHANNEL_HANGUP_COMPLETE: adds the hangup variables, fires, and ends the session. */
  hangup(ch: Channel, cause: string, app: { last?: string; arg?: string } = {}): void {
    if (ch.gone) return;
    applyHangupVars(ch, cause, this.core.nowUs(), app);
    this.fireChannel('CHANNEL_HANGUP_COMPLETE', SITES.channelHangupComplete, ch, ST.reporting, [['Hangup-Cause', cause]]);
    this.core.removeChannel(ch);
  }

  // --- caller side --------------------------------------------------------

  /**
   * `originate {origination_uuid=..,origination_caller_id_*=..}loopback/<dest>/<ctx> &park`:
   * the -a leg (originated, parks) and the -b leg (runs the dialplan), both answered.
   */
  callerLegs(o: { aUuid: string; bUuid: string; cidName: string; cidNumber: string; destination: string; context: string }): { a: Channel; b: Channel } {
    const now = this.core.nowUs();
    const base = {
      cidName: o.cidName,
      cidNumber: o.cidNumber,
      calleeName: CALLEE_NAME,
      calleeNumber: o.context,
      destination: o.destination,
      context: o.context,
      source: 'mod_loopback',
      nowUs: now,
    };
    const a = this.newChannel(o.aUuid, `loopback/${o.destination}-a`, 'caller-a', { ...base, direction: 'outbound', uuid: o.aUuid, channelName: `loopback/${o.destination}-a` });
    const b = this.newChannel(o.bUuid, `loopback/${o.destination}-b`, 'member', { ...base, direction: 'inbound', uuid: o.bUuid, channelName: `loopback/${o.destination}-b` });
    Channel.baseVars(a, 'outbound-a');
    a.setAll([
      ['origination_uuid', o.aUuid],
      ['origination_caller_id_number', o.cidNumber],
      ['origination_caller_id_name', o.cidName],
      ['originate_early_media', 'true'],
      ['originate_endpoint', 'loopback'],
      ['other_loopback_leg_uuid', o.bUuid],
      ['loopback_leg', 'A'],
    ]);
    Channel.baseVars(b, 'inbound');
    b.setAll([
      ['origination_uuid', o.aUuid],
      ['origination_caller_id_number', o.cidNumber],
      ['origination_caller_id_name', o.cidName],
      ['other_loopback_leg_uuid', o.aUuid],
      ['loopback_leg', 'B'],
    ]);
    this.fireChannel('CHANNEL_CREATE', SITES.channelCreate, a, ST.init);
    this.fireChannel('CHANNEL_CREATE', SITES.channelCreate, b, ST.init);
    const answered = this.core.nowUs();
    a.profile.answeredUs = answered;
    a.answered = true;
    this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, a, ST.answerOutbound);
    b.set('call_uuid', b.uuid);
    b.set('current_application', 'answer');
    b.profile.answeredUs = answered;
    b.answered = true;
    this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, b, ST.answerInbound);
    // The -a leg runs `park` once answered (seen only in its hangup event).
    a.setAll([
      ['endpoint_disposition', 'ANSWER'],
      ['pre_transfer_caller_id_name', o.cidName],
      ['pre_transfer_caller_id_number', o.cidNumber],
      ['channel_cid_flipped', 'yes'],
      ['call_uuid', a.uuid],
      ['current_application', 'park'],
    ]);
    a.hitDialplan = true;
    return { a, b };
  }

  /** Dialplan `set`s and the callcenter app's own variables on the member (-b) leg. */
  memberJoined(b: Channel, queue: string, memberUuid: string, joinedEpoch: number, vars: ReadonlyArray<readonly [string, string]>): void {
    b.set('endpoint_disposition', 'ANSWER');
    b.setAll(vars);
    b.setAll([
      ['current_application_data', queue],
      ['current_application', 'callcenter'],
      ['cc_side', 'member'],
      ['cc_member_uuid', memberUuid],
      ['cc_queue_joined_epoch', String(joinedEpoch)],
      ['cc_queue', queue],
    ]);
  }

  /** Music on hold stopped: the playback_* variables the callcenter app leaves behind. */
  mohStopped(b: Channel, waitedMs: number): void {
    const ms = Math.max(0, Math.round(waitedMs));
    const samples = ms * 8;
    b.setAll([
      ['playback_last_offset_pos', String(Math.max(0, samples - 1040))],
      ['playback_seconds', String(Math.floor(ms / 1000))],
      ['playback_ms', String(ms)],
      ['playback_samples', String(samples)],
    ]);
  }

  /** The parked -a leg hangs up: its caller id shows the flipped (callee) side. */
  hangupCallerA(a: Channel, b: Channel | null, cause: string): void {
    const p = a.profile;
    const origName = p.cidName;
    const origNumber = p.cidNumber;
    p.cidName = b ? b.profile.calleeName : CALLEE_NAME;
    p.cidNumber = b ? b.profile.calleeNumber : p.context;
    p.calleeName = origName;
    p.calleeNumber = origNumber;
    this.hangup(a, cause, { last: 'park' });
  }

  // --- agent side ---------------------------------------------------------

  /** The REQUEST_PARAMS event mod_callcenter passes as originate variables (it uses a sequence number). */
  private ovars(info: OfferInfo, member: Channel): Array<[string, string]> {
    const e = this.core.events.event('REQUEST_PARAMS', SITES.ovars, []);
    const out: Array<[string, string]> = e.headers.map(([k, v]) => [k, v]);
    out.push(
      ['cc_queue', info.queue],
      ['cc_queue_joined_epoch', String(info.joinedEpoch)],
      ['cc_member_uuid', info.memberUuid],
      ['cc_member_session_uuid', member.uuid],
      ['cc_member_pre_answer_uuid', info.memberUuid],
      ['cc_agent', info.agentName],
      ['cc_agent_type', info.agentType],
      ['cc_side', 'agent'],
      ['loopback_bowout', 'false'],
      ['loopback_bowout_on_execute', 'false'],
      ['ignore_early_media', 'true'],
    );
    out.push(...exportVars(member));
    return out;
  }

  /** switch_ivr_originate() of the agent contact: the sessions it creates (CHANNEL_CREATE). */
  originateAgent(contact: ParsedContact, info: OfferInfo, member: Channel): AgentLegs {
    const ovars = this.ovars(info, member);
    const cidName = member.profile.cidName;
    const cidNumber = member.profile.cidNumber;
    const now = this.core.nowUs();
    if (contact.loopback) {
      const { ext, context } = contact.loopback;
      const aUuid = randomUUID();
      const bUuid = randomUUID();
      const base = { cidName, cidNumber, calleeName: CALLEE_NAME, calleeNumber: context, destination: ext, context, source: 'mod_loopback', nowUs: now };
      const a = this.newChannel(aUuid, `loopback/${ext}-a`, 'agent-loop-a', { ...base, direction: 'outbound', uuid: aUuid, channelName: `loopback/${ext}-a` });
      const b = this.newChannel(bUuid, `loopback/${ext}-b`, 'agent-loop-b', { ...base, direction: 'inbound', uuid: bUuid, channelName: `loopback/${ext}-b` });
      Channel.baseVars(a, 'outbound');
      a.setAll(contact.vars);
      a.setAll(ovars);
      a.setAll([
        ['origination_caller_id_name', cidName],
        ['origination_caller_id_number', cidNumber],
        ['originate_early_media', 'false'],
        ['originate_endpoint', 'loopback'],
        ['other_loopback_leg_uuid', bUuid],
        ['loopback_leg', 'A'],
      ]);
      Channel.baseVars(b, 'inbound');
      b.setAll(ovars);
      b.setAll([
        ['origination_caller_id_name', cidName],
        ['origination_caller_id_number', cidNumber],
      ]);
      b.setAll(contact.vars);
      b.setAll([
        ['other_loopback_leg_uuid', aUuid],
        ['loopback_leg', 'B'],
      ]);
      this.fireChannel('CHANNEL_CREATE', SITES.channelCreate, a, ST.init);
      this.fireChannel('CHANNEL_CREATE', SITES.channelCreate, b, ST.init);
      return { kind: 'loopback', a, b, real: null, ext, context };
    }
    const uuid = randomUUID();
    const name = channelNameFor(contact.endpoint);
    const dest = contact.endpoint.slice(contact.endpoint.indexOf('/') + 1);
    const d = this.newChannel(uuid, name, 'agent', {
      cidName, cidNumber, calleeName: CALLEE_NAME, calleeNumber: dest, destination: dest, context: 'default',
      source: 'src/switch_ivr_originate.c', nowUs: now, direction: 'outbound', uuid, channelName: name,
    });
    Channel.baseVars(d, 'outbound');
    d.setAll(contact.vars);
    d.setAll(ovars);
    d.setAll([
      ['origination_caller_id_name', cidName],
      ['origination_caller_id_number', cidNumber],
      ['originate_early_media', 'false'],
      ['originate_endpoint', contact.endpoint.split('/')[0]!],
    ]);
    this.fireChannel('CHANNEL_CREATE', SITES.channelCreate, d, ST.init);
    return { kind: 'direct', a: null, b: null, real: d, ext: null, context: null };
  }

  /**
   * The agent answers. Loopback: the -b leg's dialplan bridges to the real
   * phone (`bridge <target>`), which answers; mod_callcenter then takes the
   * real channel as the agent channel. Direct: the channel answers.
   * Returns the agent channel (the one bridge-agent-start describes).
   */
  agentAnswered(legs: AgentLegs, target: string, info: OfferInfo, member: Channel): Channel {
    const now = this.core.nowUs();
    if (legs.kind === 'direct') {
      const d = legs.real!;
      d.profile.answeredUs = now;
      d.answered = true;
      d.set('endpoint_disposition', 'ANSWER');
      this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, d, ST.answerOutbound);
      d.unset('cc_member_pre_answer_uuid');
      d.setAll(agentSideVars(info, member));
      return d;
    }
    const a = legs.a!;
    const b = legs.b!;
    const endpoint = target.split('/')[0]!;
    const dest = target.slice(target.indexOf('/') + 1);
    const rUuid = randomUUID();
    const r = this.newChannel(rUuid, target, 'agent', {
      cidName: b.profile.cidName, cidNumber: b.profile.cidNumber, calleeName: CALLEE_NAME, calleeNumber: dest,
      destination: dest, context: b.profile.context, source: b.profile.source, nowUs: now, direction: 'outbound',
      uuid: rUuid, channelName: target,
    });
    r.hitDialplan = false;
    r.other = { type: 'originator', profile: { ...b.profile }, zeroTimes: true };
    r.setAll([
      ['direction', 'outbound'],
      ['is_outbound', 'true'],
      ['uuid', rUuid],
      ['session_id', String(r.sessionId)],
      ['read_codec', 'L16'],
      ['read_rate', '8000'],
      ['write_codec', 'L16'],
      ['write_rate', '8000'],
      ['channel_name', target],
      ['max_forwards', '70'],
      ['originator_codec', 'L16@8000h@20i'],
      ['originator', b.uuid],
      ['signal_bond', b.uuid],
      ['call_uuid', b.uuid],
      ['ignore_early_media', 'true'],
      ['originate_early_media', 'false'],
      ['originating_leg_uuid', b.uuid],
      ['originate_endpoint', endpoint],
    ]);
    b.profile.calleeName = CALLEE_NAME;
    b.profile.calleeNumber = dest;
    this.fireChannel('CHANNEL_CREATE', SITES.channelCreate, r, ST.init);
    r.profile.answeredUs = this.core.nowUs();
    r.answered = true;
    this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, r, ST.answerOutbound);
    a.set('endpoint_disposition', 'EARLY MEDIA');
    a.profile.answeredUs = now;
    a.profile.progressMediaUs = now;
    a.answered = true;
    this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, a, ST.answerOutboundEarly);
    b.setAll([
      ['call_uuid', b.uuid],
      ['current_application_data', target],
      ['current_application', 'bridge'],
      ['originate_disposition', 'failure'],
      ['DIALSTATUS', 'INVALIDARGS'],
      ['endpoint_disposition', 'EARLY MEDIA'],
      ['originate_signal_bond', rUuid],
      ['originated_legs', `${rUuid};${CALLEE_NAME};${dest}`],
    ]);
    b.profile.answeredUs = now;
    b.profile.progressMediaUs = now;
    b.answered = true;
    this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, b, ST.answerInboundEarly);
    b.unset('originate_signal_bond');
    b.setAll([
      ['originated_legs', `${rUuid};${CALLEE_NAME};${dest}`],
      ['endpoint_disposition', 'ANSWER'],
      ['originate_disposition', 'SUCCESS'],
      ['DIALSTATUS', 'SUCCESS'],
      ['originate_causes', `${rUuid};NONE`],
      ['signal_bond', rUuid],
    ]);
    b.profile.bridgedUs = this.core.nowUs();
    b.other = { type: 'originatee', profile: { ...r.profile }, zeroTimes: false };
    b.bridged = true;
    this.fireChannel('CHANNEL_BRIDGE', SITES.channelBridge, b, ST.execute, [
      ['Bridge-A-Unique-ID', b.uuid],
      ['Bridge-B-Unique-ID', rUuid],
    ]);
    r.profile.bridgedUs = b.profile.bridgedUs;
    r.bridged = true;
    r.setAll([
      ['endpoint_disposition', 'ANSWER'],
      ['call_uuid', b.uuid],
      ['bridge_to', b.uuid],
      ['last_bridge_to', b.uuid],
      ['bridge_channel', b.name],
      ['bridge_uuid', b.uuid],
      ['signal_bond', b.uuid],
    ]);
    r.setAll(agentSideVars(info, member));
    // "Mark loopback to not be hungup in case of ring-all"
    a.unset('cc_member_pre_answer_uuid');
    b.unset('cc_member_pre_answer_uuid');
    legs.real = r;
    return r;
  }

  /** Channel data of the agent channel in bridge-agent-start. */
  agentChannelHeaders(ch: Channel): Header[] {
    return ch.headers(ch.kind === 'agent' && ch.other ? ST.exchangeMedia : ST.answerOutbound);
  }

  /** After mod_callcenter took the real channel, the loopback pair goes away. */
  releaseLoopback(legs: AgentLegs, target: string): void {
    if (legs.kind !== 'loopback') return;
    const a = legs.a!;
    const b = legs.b!;
    const r = legs.real!;
    const dest = target.slice(target.indexOf('/') + 1);
    b.setAll([
      ['last_bridge_to', r.uuid],
      ['bridge_channel', r.name],
      ['bridge_uuid', r.uuid],
      ['signal_bond', r.uuid],
      ['last_sent_callee_id_name', CALLEE_NAME],
      ['last_sent_callee_id_number', dest],
    ]);
    this.hangup(b, 'NORMAL_CLEARING', { last: 'bridge', arg: target });
    a.set('endpoint_disposition', 'ANSWER');
    a.profile.cidName = b.profile.calleeName;
    a.profile.cidNumber = b.profile.calleeNumber;
    this.hangup(a, 'NORMAL_CLEARING');
  }

  /** uuid_bridge(member, agent): CHANNEL_BRIDGE on the member leg. */
  bridgeMember(member: Channel, agent: Channel, info: { agentName: string; waitedMs: number }): void {
    const now = this.core.nowUs();
    const nowS = Math.floor(now / 1e6);
    member.set('cc_agent_uuid', agent.uuid);
    member.setAll([
      ['bridge_channel', agent.name],
      ['bridge_uuid', agent.uuid],
      ['signal_bond', agent.uuid],
      ['original_destination_number', member.profile.destination],
      ['original_caller_id_name', member.profile.cidName],
      ['original_caller_id_number', member.profile.cidNumber],
    ]);
    const memberSource = `${nowS}:${randomUUID()}:uuid_br:${agent.uuid}`;
    member.setAll([
      ['transfer_history', memberSource],
      ['transfer_source', memberSource],
      ['cc_agent_bridged', 'true'],
      ['cc_agent', info.agentName],
      ['cc_queue_answered_epoch', String(nowS)],
    ]);
    this.mohStopped(member, info.waitedMs);
    member.set('cc_cause', 'answered');
    // uuid_bridge is a transfer: each leg gets a new caller profile (index 2).
    const memberBefore = { ...member.profile };
    member.profile = {
      ...member.profile,
      index: 2,
      transferSource: memberSource,
      createdUs: now,
      bridgedUs: 0,
      calleeName: agent.profile.calleeName,
      calleeNumber: agent.profile.calleeNumber,
    };
    const agentSource = `${nowS}:${randomUUID()}:uuid_br:${member.uuid}`;
    const agentWasBridged = agent.bridged;
    agent.profile = { ...agent.profile, index: 2, transferSource: agentSource, createdUs: now, bridgedUs: 0 };
    member.other = { type: 'originatee', profile: { ...agent.profile }, zeroTimes: false };
    agent.other = { type: 'originator', profile: memberBefore, zeroTimes: true };
    member.profile.bridgedUs = now;
    agent.profile.bridgedUs = now;
    member.bridged = true;
    agent.bridged = true;
    for (const k of ['call_uuid', 'bridge_to', 'last_bridge_to', 'bridge_channel', 'bridge_uuid', 'signal_bond']) agent.unset(k);
    agent.setAll([
      ['original_destination_number', agent.profile.destination],
      ['original_caller_id_name', agent.profile.cidName],
      ['original_caller_id_number', agent.profile.cidNumber],
      ['transfer_history', agentSource],
      ['transfer_source', agentSource],
      ['cc_agent_bridged', 'true'],
    ]);
    if (agentWasBridged) agent.set('last_bridge_hangup_cause', 'NORMAL_CLEARING');
    agent.setAll([
      ['call_uuid', member.uuid],
      ['last_bridge_to', member.uuid],
      ['bridge_channel', member.name],
      ['bridge_uuid', member.uuid],
      ['signal_bond', member.uuid],
    ]);
    this.fireChannel('CHANNEL_BRIDGE', SITES.channelBridge, member, ST.softExecute, [
      ['Bridge-A-Unique-ID', member.uuid],
      ['Bridge-B-Unique-ID', agent.uuid],
    ]);
  }

  /** The bridged call ends: agent channel, caller -a leg and member -b leg hang up. */
  hangupBridged(order: 'caller' | 'agent', a: Channel, member: Channel, agent: Channel, cause: string): void {
    const agentLeg = (): void => {
      agent.setAll([
        ['last_sent_callee_id_name', member.profile.cidName],
        ['last_sent_callee_id_number', member.profile.cidNumber],
      ]);
      this.hangup(agent, cause);
    };
    const memberLeg = (): void => {
      member.setAll([
        ['last_bridge_to', agent.uuid],
        ['bridge_channel', agent.name],
        ['bridge_uuid', agent.uuid],
        ['signal_bond', agent.uuid],
        ['last_sent_callee_id_name', agent.profile.calleeName],
        ['last_sent_callee_id_number', agent.profile.calleeNumber],
        ['last_bridge_hangup_cause', cause],
        ['last_bridge_role', 'originator'],
        ['bridge_hangup_cause', cause],
      ]);
      this.hangup(member, cause, { last: 'callcenter', arg: member.get('cc_queue') ?? '' });
    };
    agentLeg();
    if (order === 'caller') {
      this.hangupCallerA(a, member, cause);
      memberLeg();
    } else {
      memberLeg();
      this.hangupCallerA(a, member, cause);
    }
    agent.set('bridge_hangup_cause', cause);
    agent.set('call_uuid', agent.uuid);
  }

  /** The member leg leaves the queue without an agent (member-queue-end Cancel, then hangup). */
  hangupCancelledMember(member: Channel, cause: string, reason: string): void {
    member.setAll([
      ['cc_queue_canceled_epoch', String(this.core.nowS())],
      ['cc_cause', 'cancel'],
      ['cc_cancel_reason', reason],
    ]);
    this.hangup(member, cause, { last: 'callcenter', arg: member.get('cc_queue') ?? '' });
  }

  /** The agent's originate failed or was cancelled: its sessions hang up with `cause`. */
  hangupUnanswered(legs: AgentLegs, cause: string, dialplan: { app: string; arg: string } | null): void {
    if (legs.kind === 'direct') {
      if (legs.real) this.hangup(legs.real, cause);
      return;
    }
    this.hangup(legs.a!, cause);
    const b = legs.b!;
    if (b.gone) return;
    if (dialplan) {
      b.setAll([
        ['call_uuid', b.uuid],
        ['current_application_data', dialplan.arg],
        ['current_application', dialplan.app],
      ]);
      this.hangup(b, cause, { last: dialplan.app, arg: dialplan.arg });
    } else {
      this.hangup(b, cause);
    }
  }

  /** The agent leg answers but nothing gets bridged (fixture 07: `answer` + `playback`). */
  answeredNoBridge(legs: AgentLegs): void {
    const now = this.core.nowUs();
    if (legs.kind === 'direct') {
      const d = legs.real!;
      d.profile.answeredUs = now;
      d.answered = true;
      this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, d, ST.answerOutbound);
      return;
    }
    const a = legs.a!;
    const b = legs.b!;
    a.profile.answeredUs = now;
    a.answered = true;
    this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, a, ST.answerOutbound);
    b.set('call_uuid', b.uuid);
    b.set('current_application', 'answer');
    b.profile.answeredUs = now;
    b.answered = true;
    this.fireChannel('CHANNEL_ANSWER', SITES.channelAnswer, b, ST.answerInbound);
  }

  /** mod_callcenter gives up waiting for the loopback bridge: DESTINATION_OUT_OF_ORDER. */
  noBridgeGiveUp(legs: AgentLegs): void {
    const cause = 'DESTINATION_OUT_OF_ORDER';
    if (legs.kind === 'direct') {
      const d = legs.real!;
      d.set('endpoint_disposition', 'ANSWER');
      this.hangup(d, cause);
      return;
    }
    const a = legs.a!;
    a.set('endpoint_disposition', 'ANSWER');
    this.hangup(a, cause);
  }

  /** The -b leg of a not-bridged loopback agent follows (its playback ends). */
  noBridgeReleaseB(legs: AgentLegs, playedMs: number): void {
    if (legs.kind !== 'loopback') return;
    const b = legs.b!;
    if (b.gone) return;
    const stream = 'silence_stream://-1';
    b.setAll([
      ['endpoint_disposition', 'ANSWER'],
      ['current_application_data', stream],
      ['current_application', 'playback'],
    ]);
    this.mohStopped(b, playedMs);
    b.set('current_application_response', 'PLAYBACK ERROR');
    this.hangup(b, 'DESTINATION_OUT_OF_ORDER', { last: 'playback', arg: stream });
  }
}

export interface AgentLegs {
  readonly kind: 'loopback' | 'direct';
  readonly a: Channel | null;
  readonly b: Channel | null;
  /** The agent channel: the real phone behind a loopback, or the direct channel. */
  real: Channel | null;
  readonly ext: string | null;
  readonly context: string | null;
}

/** switch_channel_process_export(member, "cc_export_vars"): the list itself, then each set variable. */
export function exportVars(member: Channel): Array<[string, string]> {
  const list = member.get('cc_export_vars');
  if (!list) return [];
  const out: Array<[string, string]> = [['cc_export_vars', list]];
  for (const name of list.split(',')) {
    const v = member.get(name.trim());
    if (v !== undefined) out.push([name.trim(), v]);
  }
  return out;
}

/** What mod_callcenter sets on the agent channel once it answered. */
function agentSideVars(info: OfferInfo, member: Channel): Array<[string, string]> {
  return [
    ['cc_side', 'agent'],
    ['cc_queue', info.queue],
    ['cc_agent', info.agentName],
    ['cc_agent_type', info.agentType],
    ['cc_member_uuid', info.memberUuid],
    ['cc_member_session_uuid', member.uuid],
    ...exportVars(member),
  ];
}
