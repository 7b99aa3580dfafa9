/**
 * The live call model's read side: what the switch reported about each call
 * the gateway is concerned with, leg by leg. Written by CallModel alone.
 */

/** member: the caller's leg running `callcenter` (CC-Member-Session-UUID); agent: CC-Agent-UUID of bridge-agent-start; offer: a leg mod_callcenter originated for an offer (`cc_side=agent`) that is not (yet) the agent leg. */
export type LegRole = 'member' | 'agent' | 'offer';

/** From Answer-State: ringing (created, not answered), early (early media), answered, hangup. */
export type LegState = 'ringing' | 'early' | 'answered' | 'hangup';

export interface LegView {
  readonly uuid: string;
  readonly role: LegRole;
  readonly channelName: string;
  readonly state: LegState;
  /** The last `Channel-Call-State` seen (ACTIVE, HELD, EARLY, …); null before any. */
  readonly callState: string | null;
  /** The leg it is bridged to (CHANNEL_BRIDGE / CHANNEL_UNBRIDGE, or the snapshot's `b_uuid`). */
  readonly bridgedTo: string | null;
  /** CHANNEL_HOLD seen and no CHANNEL_UNHOLD since (loopback/null legs never unhold: 10b). */
  readonly held: boolean;
  /** CHANNEL_PARK seen and no CHANNEL_UNPARK/BRIDGE since. */
  readonly parked: boolean;
  /** `Hangup-Cause` of CHANNEL_HANGUP / CHANNEL_HANGUP_COMPLETE. */
  readonly hangupCause: string | null;
  /** CHANNEL_HANGUP_COMPLETE seen, or absent from the switch's channel list at a rebuild. */
  readonly gone: boolean;
}

/** Where mod_callcenter says the call is: from its events (or `queue list members` at a rebuild). */
export type CallPhase = 'waiting' | 'offering' | 'bridged' | 'ended';

export interface CallView {
  /** The key: the member leg's uuid (CC-Member-Session-UUID), stable across queue transfers. */
  readonly memberSessionUuid: string;
  /** CC-Member-UUID of the current queue episode (a transfer into another queue gets a new one). */
  readonly memberUuid: string;
  readonly queue: string;
  readonly callerNumber: string;
  readonly callerName: string;
  /** The agent offered or serving (CC-Agent), null while waiting. */
  readonly agent: string | null;
  /** CC-Agent-UUID of bridge-agent-start. */
  readonly agentLegUuid: string | null;
  readonly phase: CallPhase;
  /** The caller's or the agent's leg is held, as the switch reported it. */
  readonly held: boolean;
  readonly member: LegView | null;
  readonly agentLeg: LegView | null;
  /** Originate legs of the current offer (e.g. the loopback pair in front of the agent's phone). */
  readonly offerLegs: readonly LegView[];
}

/** What the desk and the REST edge may read. */
export interface CallsReader {
  readonly size: number;
  /** Rebuilds from the switch's lists so far (one per connect that got that far). */
  readonly rebuilds: number;
  list(): CallView[];
  get(memberSessionUuid: string): CallView | undefined;
  /** The call a given agent is offered or serving, if any. */
  ofAgent(agent: string): CallView | undefined;
  on(event: 'call', listener: (call: CallView) => void): this;
  on(event: 'removed', listener: (call: CallView) => void): this;
}
