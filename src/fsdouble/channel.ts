import type { Header } from './fs-event.js';
import { localStamp } from './event-builder.js';
import { q850 } from './causes.js';

/** switch_caller_profile_t as far as switch_caller_profile_event_set_data() prints it. */
export interface Profile {
  direction: 'inbound' | 'outbound';
  logicalDirection: 'inbound' | 'outbound';
  cidName: string;
  cidNumber: string;
  origCidName: string;
  origCidNumber: string;
  calleeName: string;
  calleeNumber: string;
  ani: string;
  destination: string;
  uuid: string;
  source: string;
  transferSource: string | null;
  context: string;
  channelName: string;
  index: number;
  createdUs: number;
  channelCreatedUs: number;
  answeredUs: number;
  progressUs: number;
  progressMediaUs: number;
  hangupUs: number;
  transferUs: number;
  resurrectUs: number;
  bridgedUs: number;
  lastHoldUs: number;
  holdAccumUs: number;
}

export type OtherType = 'originator' | 'originatee';

/** Channel-State / Channel-Call-State / Channel-State-Number / Answer-State of one event. */
export interface ChannelState {
  readonly state: string;
  readonly callState: string;
  readonly stateNumber: number;
  readonly answerState: string;
}

export const ST = {
  init: { state: 'CS_INIT', callState: 'DOWN', stateNumber: 2, answerState: 'ringing' },
  answerOutbound: { state: 'CS_CONSUME_MEDIA', callState: 'DOWN', stateNumber: 7, answerState: 'answered' },
  answerOutboundEarly: { state: 'CS_CONSUME_MEDIA', callState: 'EARLY', stateNumber: 7, answerState: 'answered' },
  answerInbound: { state: 'CS_EXECUTE', callState: 'RINGING', stateNumber: 4, answerState: 'answered' },
  answerInboundEarly: { state: 'CS_EXECUTE', callState: 'EARLY', stateNumber: 4, answerState: 'answered' },
  execute: { state: 'CS_EXECUTE', callState: 'ACTIVE', stateNumber: 4, answerState: 'answered' },
  softExecute: { state: 'CS_SOFT_EXECUTE', callState: 'ACTIVE', stateNumber: 3, answerState: 'answered' },
  exchangeMedia: { state: 'CS_EXCHANGE_MEDIA', callState: 'ACTIVE', stateNumber: 5, answerState: 'answered' },
  cancelled: { state: 'CS_EXECUTE', callState: 'ACTIVE', stateNumber: 10, answerState: 'hangup' },
  reporting: { state: 'CS_REPORTING', callState: 'HANGUP', stateNumber: 11, answerState: 'hangup' },
  reported: { state: 'CS_REPORTING', callState: 'HANGUP', stateNumber: 12, answerState: 'hangup' },
} as const satisfies Record<string, ChannelState>;

export function newProfile(init: {
  direction: 'inbound' | 'outbound';
  cidName: string;
  cidNumber: string;
  calleeName: string;
  calleeNumber: string;
  destination: string;
  uuid: string;
  context: string;
  channelName: string;
  source: string;
  nowUs: number;
}): Profile {
  return {
    direction: init.direction,
    logicalDirection: init.direction,
    cidName: init.cidName,
    cidNumber: init.cidNumber,
    origCidName: init.cidName,
    origCidNumber: init.cidNumber,
    calleeName: init.calleeName,
    calleeNumber: init.calleeNumber,
    ani: init.cidNumber,
    destination: init.destination,
    uuid: init.uuid,
    source: init.source,
    transferSource: null,
    context: init.context,
    channelName: init.channelName,
    index: 1,
    createdUs: init.nowUs,
    channelCreatedUs: init.nowUs,
    answeredUs: 0,
    progressUs: 0,
    progressMediaUs: 0,
    hangupUs: 0,
    transferUs: 0,
    resurrectUs: 0,
    bridgedUs: 0,
    lastHoldUs: 0,
    holdAccumUs: 0,
  };
}

function profileHeaders(out: Header[], prefix: string, p: Profile, asOther: OtherType | null, zeroTimes: boolean): void {
  const t = (v: number): string => (zeroTimes ? '0' : String(v));
  out.push(
    [prefix + 'Direction', p.direction],
    // The originatee's profile copy is marked as the inbound side of the bridge (recorded).
    [prefix + 'Logical-Direction', asOther === 'originatee' ? 'inbound' : p.logicalDirection],
    [prefix + 'Dialplan', 'xml'],
    [prefix + 'Caller-ID-Name', p.cidName],
    [prefix + 'Caller-ID-Number', p.cidNumber],
    [prefix + 'Orig-Caller-ID-Name', p.origCidName],
    [prefix + 'Orig-Caller-ID-Number', p.origCidNumber],
    [prefix + 'Callee-ID-Name', p.calleeName],
    [prefix + 'Callee-ID-Number', p.calleeNumber],
    [prefix + 'ANI', p.ani],
    [prefix + 'Destination-Number', p.destination],
    [prefix + 'Unique-ID', p.uuid],
    [prefix + 'Source', p.source],
  );
  if (p.transferSource && !asOther) out.push([prefix + 'Transfer-Source', p.transferSource]);
  out.push([prefix + 'Context', p.context], [prefix + 'Channel-Name', p.channelName]);
  if (!asOther) out.push([prefix + 'Profile-Index', String(p.index)]);
  out.push(
    [prefix + 'Profile-Created-Time', t(p.createdUs)],
    [prefix + 'Channel-Created-Time', t(p.channelCreatedUs)],
    [prefix + 'Channel-Answered-Time', t(p.answeredUs)],
    [prefix + 'Channel-Progress-Time', t(p.progressUs)],
    [prefix + 'Channel-Progress-Media-Time', t(p.progressMediaUs)],
    [prefix + 'Channel-Hangup-Time', t(p.hangupUs)],
    [prefix + 'Channel-Transfer-Time', t(p.transferUs)],
    [prefix + 'Channel-Resurrect-Time', t(p.resurrectUs)],
    [prefix + 'Channel-Bridged-Time', t(p.bridgedUs)],
    [prefix + 'Channel-Last-Hold', t(p.lastHoldUs)],
    [prefix + 'Channel-Hold-Accum', t(p.holdAccumUs)],
    [prefix + 'Screen-Bit', 'true'],
    [prefix + 'Privacy-Hide-Name', 'false'],
    [prefix + 'Privacy-Hide-Number', 'false'],
  );
}

export type ChannelKind = 'caller-a' | 'member' | 'agent-loop-a' | 'agent-loop-b' | 'agent' | 'parked';

/**
 * One FreeSWITCH session as seen in events: the channel-state block, the
 * caller profile, the other leg's profile and the channel variables.
 * Variables behave like switch_channel_set_variable(): setting an existing
 * one moves it to the end, which is why the fixtures' orders shift over time.
 */
export class Channel {
  readonly vars = new Map<string, string>();
  hitDialplan: boolean;
  other: { type: OtherType; profile: Profile; zeroTimes: boolean } | null = null;
  hangupCause: string | null = null;
  /** Set once CHANNEL_HANGUP_COMPLETE was fired; the session is gone. */
  gone = false;
  answered = false;
  bridged = false;
  /** uuid_hold: the leg is held (CHANNEL_HOLD fired). */
  held = false;
  /** SIP legs only: the call state is HELD (loopback/null legs stay ACTIVE: fixture 10b). */
  callStateHeld = false;

  constructor(
    readonly uuid: string,
    readonly name: string,
    readonly kind: ChannelKind,
    public profile: Profile,
    readonly sessionId: number,
  ) {
    this.hitDialplan = profile.direction === 'inbound';
  }

  get isLoopback(): boolean {
    return this.name.startsWith('loopback/');
  }

  set(name: string, value: string): void {
    this.vars.delete(name);
    this.vars.set(name, value);
  }

  /** Sets only when not present, keeping the position. */
  ensure(name: string, value: string): void {
    if (!this.vars.has(name)) this.vars.set(name, value);
  }

  unset(name: string): void {
    this.vars.delete(name);
  }

  get(name: string): string | undefined {
    return this.vars.get(name);
  }

  setAll(pairs: Iterable<readonly [string, string]>): void {
    for (const [k, v] of pairs) this.set(k, v);
  }

  /** switch_channel_event_set_data(): everything after the event prelude. */
  headers(st: ChannelState): Header[] {
    const h: Header[] = [
      ['Channel-State', st.state],
      ['Channel-Call-State', st.callState],
      ['Channel-State-Number', String(st.stateNumber)],
      ['Channel-Name', this.name],
      ['Unique-ID', this.uuid],
      ['Call-Direction', this.profile.direction],
      ['Presence-Call-Direction', this.profile.direction],
      ['Channel-HIT-Dialplan', this.hitDialplan ? 'true' : 'false'],
      ['Channel-Call-UUID', this.vars.get('call_uuid') ?? this.uuid],
      ['Answer-State', st.answerState],
    ];
    if (this.hangupCause) h.push(['Hangup-Cause', this.hangupCause]);
    h.push(
      ['Channel-Read-Codec-Name', 'L16'],
      ['Channel-Read-Codec-Rate', '8000'],
      ['Channel-Read-Codec-Bit-Rate', '128000'],
      ['Channel-Write-Codec-Name', 'L16'],
      ['Channel-Write-Codec-Rate', '8000'],
      ['Channel-Write-Codec-Bit-Rate', '128000'],
    );
    profileHeaders(h, 'Caller-', this.profile, null, false);
    if (this.other) {
      h.push(['Other-Type', this.other.type]);
      profileHeaders(h, 'Other-Leg-', this.other.profile, this.other.type, this.other.zeroTimes);
    }
    for (const [k, v] of this.vars) h.push(['variable_' + k, v]);
    return h;
  }

  /** The standard first variables of a new session (switch_core_session_request + codec setup). */
  static baseVars(ch: Channel, order: 'outbound-a' | 'inbound' | 'outbound'): void {
    const codec: Array<[string, string]> = [
      ['read_codec', 'L16'],
      ['read_rate', '8000'],
      ['write_codec', 'L16'],
      ['write_rate', '8000'],
    ];
    if (order === 'outbound-a') {
      ch.set('direction', 'outbound');
      ch.set('is_outbound', 'true');
      ch.set('session_id', String(ch.sessionId));
      ch.setAll(codec);
      ch.set('channel_name', ch.name);
      ch.set('uuid', ch.uuid);
      ch.set('call_uuid', ch.uuid);
    } else if (order === 'inbound') {
      ch.set('direction', 'inbound');
      ch.set('uuid', ch.uuid);
      ch.set('call_uuid', ch.uuid);
      ch.set('session_id', String(ch.sessionId));
      ch.set('channel_name', ch.name);
      ch.setAll(codec);
    } else {
      ch.set('direction', 'outbound');
      ch.set('is_outbound', 'true');
      ch.set('uuid', ch.uuid);
      ch.set('call_uuid', ch.uuid);
      ch.set('session_id', String(ch.sessionId));
      ch.setAll(codec);
      ch.set('channel_name', ch.name);
    }
  }
}

/** Marks a bridge between two channels: both profiles record it, each sees the other leg. */
export function linkOther(ch: Channel, type: OtherType, other: Channel, zeroTimes = false): void {
  ch.other = { type, profile: other.profile, zeroTimes };
}

/**
 * The variables switch_channel_set_timestamps()/switch_core_session_hangup_state()
 * add when a session ends, in the order the fixtures show.
 */
export function applyHangupVars(ch: Channel, cause: string, nowUs: number, app: { last?: string; arg?: string } = {}): void {
  const p = ch.profile;
  p.hangupUs = nowUs;
  ch.hangupCause = cause;
  ch.set('hangup_cause', cause);
  ch.set('hangup_cause_q850', String(q850(cause)));
  ch.set('digits_dialed', 'none');
  const stamp = (us: number): string => localStamp(us / 1000);
  const start = p.channelCreatedUs;
  ch.set('start_stamp', stamp(start));
  ch.set('profile_start_stamp', stamp(p.createdUs));
  if (p.answeredUs) ch.set('answer_stamp', stamp(p.answeredUs));
  if (p.bridgedUs) ch.set('bridge_stamp', stamp(p.bridgedUs));
  if (p.progressMediaUs) ch.set('progress_media_stamp', stamp(p.progressMediaUs));
  ch.set('end_stamp', stamp(nowUs));
  const epoch = (name: string, us: number): void => {
    ch.set(name + '_epoch', String(Math.floor(us / 1e6)));
    ch.set(name + '_uepoch', String(us));
  };
  epoch('start', start);
  epoch('profile_start', p.createdUs);
  epoch('answer', p.answeredUs);
  epoch('bridge', p.bridgedUs);
  epoch('last_hold', 0);
  ch.set('hold_accum_seconds', '0');
  ch.set('hold_accum_usec', '0');
  ch.set('hold_accum_ms', '0');
  epoch('resurrect', 0);
  epoch('progress', p.progressUs);
  epoch('progress_media', p.progressMediaUs);
  epoch('end', nowUs);
  if (app.last) ch.set('last_app', app.last);
  if (app.arg) ch.set('last_arg', app.arg);
  ch.set('caller_id', `"${p.cidName}" <${p.cidNumber}>`);
  const dur = (from: number, to: number): number => (from && to ? Math.max(0, to - from) : 0);
  const total = dur(start, nowUs);
  const bill = dur(p.answeredUs, nowUs);
  const answer = dur(start, p.answeredUs);
  const progressMedia = dur(start, p.progressMediaUs);
  const progress = dur(start, p.progressUs);
  const secs = (us: number): string => String(Math.floor(us / 1e6));
  const msecs = (us: number): string => String(Math.floor(us / 1e3));
  ch.set('duration', secs(total));
  ch.set('billsec', secs(bill));
  ch.set('progresssec', secs(progress));
  ch.set('answersec', secs(answer));
  ch.set('waitsec', secs(answer));
  ch.set('progress_mediasec', secs(progressMedia));
  ch.set('flow_billsec', secs(total));
  ch.set('mduration', msecs(total));
  ch.set('billmsec', msecs(bill));
  ch.set('progressmsec', msecs(progress));
  ch.set('answermsec', msecs(answer));
  ch.set('waitmsec', msecs(answer));
  ch.set('progress_mediamsec', msecs(progressMedia));
  ch.set('flow_billmsec', msecs(total));
  ch.set('uduration', String(total));
  ch.set('billusec', String(bill));
  ch.set('progressusec', String(progress));
  ch.set('answerusec', String(answer));
  ch.set('waitusec', String(answer));
  ch.set('progress_mediausec', String(progressMedia));
  ch.set('flow_billusec', String(total));
  if (ch.isLoopback) ch.set('is_loopback', '1');
}
