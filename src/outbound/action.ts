/**
 * An outbound action (click to dial) and its lifecycle, after Vicidial's
 * central action queue: stored as `new`, marked `sent` before the originate
 * leaves (so a restart never sends it twice), then moved on by the channel
 * events of its legs.
 */

export const ACTION_STATES = ['new', 'sent', 'agent-ringing', 'agent-answered', 'customer-ringing', 'bridged', 'ended', 'failed'] as const;
export type ActionState = (typeof ACTION_STATES)[number];

export const FINAL_STATES: readonly ActionState[] = ['ended', 'failed'];
export const isFinal = (s: ActionState): boolean => s === 'ended' || s === 'failed';

/** Order of the lifecycle: a state only ever moves forward (a late or replayed event never moves it back). */
export function rank(s: ActionState): number {
  return ACTION_STATES.indexOf(s);
}

/** The states an action may be in for a move to `to` (every earlier state that is not final). */
export function statesBefore(to: ActionState): ActionState[] {
  if (to === 'failed' || to === 'ended') return ACTION_STATES.filter((s) => !isFinal(s));
  return ACTION_STATES.filter((s) => rank(s) < rank(to));
}

export interface OutboundAction {
  readonly id: string;
  readonly agent: string;
  readonly idempotencyKey: string;
  readonly number: string;
  readonly callerIdNumber: string;
  readonly callerIdName: string;
  readonly queue: string;
  readonly requestedBy: string;
  readonly role: 'agent' | 'api';
  readonly state: ActionState;
  /** failed: why (the switch's hangup cause or the originate's -ERR); ended: the hangup cause. */
  readonly cause: string | null;
  readonly agentLegUuid: string;
  readonly customerLegUuid: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly sentAt: number | null;
  readonly agentAnsweredAt: number | null;
  readonly bridgedAt: number | null;
  readonly endedAt: number | null;
}

/** What the desk and REST show of an action. */
export interface OutboundActionView {
  id: string;
  agent: string;
  number: string;
  callerId: string;
  state: ActionState;
  cause: string | null;
  agentLegUuid: string;
  customerLegUuid: string;
  createdAt: string;
  updatedAt: string;
  answeredAt: string | null;
  bridgedAt: string | null;
  endedAt: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function actionView(a: OutboundAction): OutboundActionView {
  return {
    id: a.id,
    agent: a.agent,
    number: a.number,
    callerId: a.callerIdNumber,
    state: a.state,
    cause: a.cause,
    agentLegUuid: a.agentLegUuid,
    customerLegUuid: a.customerLegUuid,
    createdAt: new Date(a.createdAt).toISOString(),
    updatedAt: new Date(a.updatedAt).toISOString(),
    answeredAt: iso(a.agentAnsweredAt),
    bridgedAt: iso(a.bridgedAt),
    endedAt: iso(a.endedAt),
  };
}
