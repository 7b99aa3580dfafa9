/**
 * What a queue call looks like while it lasts (LiveCall, astercrm's curcdr)
 * and once it has ended (CallRecord, astercrm's mycdr). Times are epoch
 * milliseconds; durations whole seconds.
 */

/** How an offer to one agent ended. `ringing` while it still rings. */
export type OfferOutcome = 'ringing' | 'answered' | 'missed' | 'rejected' | 'cancelled' | 'failed';

export interface Offer {
  readonly agent: string;
  readonly offeredAt: number;
  endedAt: number | null;
  outcome: OfferOutcome;
  hangupCause: string | null;
  /** Not seen happen: inferred from member-queue-end or a member list (whole-second times). */
  inferred?: boolean;
}

export type LiveState = 'waiting' | 'offering' | 'answered';

export interface LiveCall {
  readonly memberUuid: string;
  sessionUuid: string;
  readonly queue: string;
  callerNumber: string;
  callerName: string;
  destination: string;
  /** The dialplan's exported variables (cc_export_vars), as screen pops show them. */
  variables: Record<string, string>;
  state: LiveState;
  agent: string | null;
  agentUuid: string | null;
  joinedAt: number;
  offeredAt: number | null;
  answeredAt: number | null;
  offers: Offer[];
}

/**
 * answered: an agent took it; abandoned: the caller hung up while waiting
 * (Cancel, BREAK_OUT); timeout: the queue's max-wait-time (TIMEOUT);
 * no-agent: no agent logged in for too long (NO_AGENT_TIMEOUT); exited: the
 * caller pressed the exit key (EXIT_WITH_KEY); cancelled: any other Cancel.
 */
export const OUTCOMES = ['answered', 'abandoned', 'timeout', 'no-agent', 'exited', 'cancelled'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface CallRecord {
  readonly memberUuid: string;
  readonly sessionUuid: string;
  readonly queue: string;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly destination: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly joinedAt: number;
  readonly offeredAt: number | null;
  readonly answeredAt: number | null;
  readonly endedAt: number;
  /** Joined to answered, or to the end when never answered. */
  readonly waitS: number;
  /** Offered to answered, for the offer that was answered. */
  readonly ringS: number | null;
  /** Answered to the end. */
  readonly talkS: number | null;
  readonly offers: readonly Offer[];
  readonly agent: string | null;
  readonly agentUuid: string | null;
  readonly outcome: Outcome;
  /** CC-Cause as the switch sent it (Terminated, Cancel). */
  readonly cause: string;
  readonly cancelReason: string | null;
  readonly hangupCause: string | null;
}

export function outcomeOf(cause: string, cancelReason: string | null): Outcome {
  if (cause === 'Terminated') return 'answered';
  switch (cancelReason) {
    case 'BREAK_OUT':
      return 'abandoned';
    case 'TIMEOUT':
      return 'timeout';
    case 'NO_AGENT_TIMEOUT':
      return 'no-agent';
    case 'EXIT_WITH_KEY':
      return 'exited';
    default:
      return 'cancelled';
  }
}

/** bridge-agent-fail's CC-Hangup-Cause, as an offer outcome. */
export function offerOutcomeOf(hangupCause: string): OfferOutcome {
  switch (hangupCause) {
    case 'NO_ANSWER':
    case 'NO_USER_RESPONSE':
    case 'ALLOTTED_TIMEOUT':
    case 'RECOVERY_ON_TIMER_EXPIRE':
      return 'missed';
    case 'CALL_REJECTED':
    case 'USER_BUSY':
      return 'rejected';
    case 'ORIGINATOR_CANCEL':
    case 'LOSE_RACE':
      return 'cancelled';
    default:
      return 'failed';
  }
}

const seconds = (fromMs: number, toMs: number) => Math.max(0, Math.round((toMs - fromMs) / 1000));

/** Everything known of a call when its member-queue-end arrives, folded into its record. */
export function finishCall(call: LiveCall, end: { endedAt: number; cause: string; cancelReason: string | null; hangupCause: string | null; agent: string | null; answeredAt: number | null }): CallRecord {
  const outcome = outcomeOf(end.cause, end.cancelReason);
  const answeredAt = outcome === 'answered' ? (call.answeredAt ?? end.answeredAt) : null;
  const agent = outcome === 'answered' ? (end.agent ?? call.agent) : null;
  const answeredOffer = agent ? [...call.offers].reverse().find((o) => o.agent === agent && o.outcome === 'answered') : undefined;
  const offers = call.offers.map((o) =>
    o.outcome === 'ringing' ? { ...o, outcome: 'cancelled' as const, endedAt: end.endedAt } : o.outcome === 'answered' && o.endedAt === null ? { ...o, endedAt: end.endedAt } : o,
  );
  return {
    memberUuid: call.memberUuid,
    sessionUuid: call.sessionUuid,
    queue: call.queue,
    callerNumber: call.callerNumber,
    callerName: call.callerName,
    destination: call.destination,
    variables: call.variables,
    joinedAt: call.joinedAt,
    offeredAt: call.offeredAt,
    answeredAt,
    endedAt: end.endedAt,
    waitS: seconds(call.joinedAt, answeredAt ?? end.endedAt),
    ringS: answeredOffer && answeredAt !== null ? seconds(answeredOffer.offeredAt, answeredAt) : null,
    talkS: answeredAt !== null ? seconds(answeredAt, end.endedAt) : null,
    offers,
    agent,
    agentUuid: agent ? call.agentUuid : null,
    outcome,
    cause: end.cause,
    cancelReason: end.cancelReason,
    hangupCause: end.hangupCause,
  };
}

/**
 * Of two readings of one moment, ours unless the other is the same second
 * with milliseconds (seen in an event rather than read from a whole-second
 * header or list column).
 */
function finer(ours: number | null, other: number | null): number | null {
  if (ours === null || other === null) return ours ?? other;
  return Math.floor(ours / 1000) === Math.floor(other / 1000) && ours % 1000 === 0 ? other : ours;
}

/**
 * Folds what another writer (an earlier gateway, a second instance) stored of
 * the call into what this one saw: the union of offers, the earliest times,
 * variables this one missed. The stored row is older, ours is fresher.
 */
export function mergeLive(ours: LiveCall, stored: LiveCall): LiveCall {
  const key = (o: Offer) => `${o.agent}\u0000${o.offeredAt}`;
  // An offer we only inferred gives way to the one the other writer saw happen.
  const mine = ours.offers.filter((o) => !(o.inferred && stored.offers.some((s) => s.agent === o.agent && !s.inferred)));
  const seen = new Set(mine.map(key));
  const offers = [...mine];
  for (const o of stored.offers) if (!seen.has(key(o))) offers.push(o);
  offers.sort((a, b) => a.offeredAt - b.offeredAt);
  const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
  return {
    ...ours,
    sessionUuid: ours.sessionUuid || stored.sessionUuid,
    callerNumber: ours.callerNumber || stored.callerNumber,
    callerName: ours.callerName || stored.callerName,
    destination: ours.destination || stored.destination,
    variables: { ...stored.variables, ...ours.variables },
    agent: ours.agent ?? stored.agent,
    agentUuid: ours.agentUuid ?? stored.agentUuid,
    joinedAt: Math.min(ours.joinedAt, stored.joinedAt),
    offeredAt: min(ours.offeredAt, stored.offeredAt),
    answeredAt: finer(ours.answeredAt, stored.answeredAt),
    offers,
  };
}
