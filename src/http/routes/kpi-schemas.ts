import { Type } from 'typebox';

/** JSON schemas of the KPI figures, shared by /api/kpis and the wallboard feed. */

const Count = (description: string) => Type.Integer({ minimum: 0, description });
const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

export const KpiFiguresSchema = Type.Object({
  offered: Count('calls that ended in the window, every outcome'),
  answered: Count('answered by an agent'),
  abandoned: Count('the caller hung up while waiting, after the short-abandon threshold'),
  shortAbandoned: Count('the caller hung up within the short-abandon threshold (not in abandoned)'),
  otherUnanswered: Count('ended unanswered otherwise: timeout, no-agent, exited, cancelled'),
  answeredWithinSl: Count("answered with wait_s <= the queue's service-level threshold"),
  waitAnsweredS: Count('sum of wait_s over answered calls'),
  handleS: Count('sum of talk_s + hold_s + after_call_s over answered calls'),
  abandonRate: NullableNumber('abandoned / (offered - shortAbandoned); null when 0 / 0'),
  serviceLevel: NullableNumber('answeredWithinSl / (offered - shortAbandoned); null when 0 / 0'),
  asaS: NullableNumber('average speed of answer: waitAnsweredS / answered'),
  ahtS: NullableNumber('average handle time: handleS / answered'),
});

export const CountsByName = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));

export const LiveFloorSchema = Type.Object({
  waitingNow: Count('callers waiting for an agent now'),
  longestWaitS: Count('the longest current wait (seconds)'),
  agentsByStatus: CountsByName,
  agentsByState: CountsByName,
  agents: Type.Object({
    available: Type.Integer({ minimum: 0, description: 'status Available or Available (On Demand) and state Waiting' }),
    onCall: Type.Integer({ minimum: 0, description: 'state Receiving or In a queue call' }),
    onBreak: Type.Integer({ minimum: 0, description: 'status On Break' }),
    loggedIn: Type.Integer({ minimum: 0, description: 'any status but Logged Out' }),
  }),
});

export const QueueKpisSchema = Type.Object({
  queue: Type.String({ description: "the queue, or '*' for every queue" }),
  slThresholdS: Type.Integer({ description: 'service-level threshold T (seconds)' }),
  current: KpiFiguresSchema,
  today: KpiFiguresSchema,
  waitingNow: Type.Integer({ minimum: 0 }),
  longestWaitS: Type.Integer({ minimum: 0 }),
  oldestJoinedAt: Type.Union([Type.Integer(), Type.Null()], { description: 'epoch ms of the longest-waiting caller’s join' }),
  agentsByStatus: CountsByName,
  agentsByState: CountsByName,
  agents: Type.Object({
    available: Type.Integer({ minimum: 0, description: 'status Available or Available (On Demand) and state Waiting' }),
    onCall: Type.Integer({ minimum: 0, description: 'state Receiving or In a queue call' }),
    onBreak: Type.Integer({ minimum: 0, description: 'status On Break' }),
    loggedIn: Type.Integer({ minimum: 0, description: 'any status but Logged Out' }),
  }),
});
