import { Type } from 'typebox';
import type { LiveCall } from '../records/model.js';

/**
 * Shapes shared by the live-call and call-record routes: the records tracker's
 * view of a call in progress (DNIS, exported variables, times, offers).
 */
export const Iso = (description: string) => Type.String({ format: 'date-time', description });
export const NullableIso = (description: string) => Type.Union([Iso(description), Type.Null()]);
export const NullableString = (description: string) => Type.Union([Type.String({ description }), Type.Null()]);
export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const OfferSchema = Type.Object({
  agent: Type.String(),
  offeredAt: Iso('when the agent phone started ringing'),
  endedAt: NullableIso('when the offer (or, answered, the bridge) ended'),
  outcome: Type.String({ description: 'ringing, answered, missed (no answer), rejected (busy or declined), cancelled (caller gone, lost race), failed' }),
  hangupCause: NullableString('CC-Hangup-Cause of bridge-agent-fail / -end'),
});

export const LiveCallSchema = Type.Object({
  memberUuid: Type.String(),
  sessionUuid: Type.String({ description: 'the caller leg (CC-Member-Session-UUID)' }),
  queue: Type.String(),
  callerNumber: Type.String(),
  callerName: Type.String(),
  destination: Type.String({ description: 'DNIS' }),
  variables: Type.Record(Type.String(), Type.String(), { description: 'the dialplan variables named by cc_export_vars' }),
  state: Type.String({ description: 'waiting, offering (an agent phone rings), answered' }),
  agent: NullableString('the agent talking to the caller'),
  agentUuid: NullableString('the agent leg'),
  joinedAt: Iso('joined the queue'),
  offeredAt: NullableIso('first offered to an agent'),
  answeredAt: NullableIso('answered by an agent'),
  offers: Type.Array(OfferSchema),
});

/** A tracker's live call as the API shows it (ISO times). */
export function liveOut(c: LiveCall) {
  return {
    ...c,
    joinedAt: new Date(c.joinedAt).toISOString(),
    offeredAt: iso(c.offeredAt),
    answeredAt: iso(c.answeredAt),
    offers: c.offers.map((o) => ({ ...o, offeredAt: new Date(o.offeredAt).toISOString(), endedAt: iso(o.endedAt) })),
  };
}
