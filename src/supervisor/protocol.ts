import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { NAME_PATTERN } from '../callcenter/grammar.js';
import { AGENT_STATUSES } from '../callcenter/vocabulary.js';
import { parseTypedMessage } from '../realtime/parse-message.js';

/**
 * The supervisor console's WebSocket protocol (`/supervisor/ws`), both directions.
 * /work/briefs/proto-supervisor.md and the README describe it for page authors.
 */

export interface AgentCall {
  id: string;
  queue: string;
  callerNumber: string;
  callerName: string;
  phase: 'offering' | 'bridged';
  /** Epoch ms: offered or bridged since. */
  since: number;
  held: boolean;
  agentLegUuid: string | null;
}

export interface AgentRow {
  name: string;
  status: string;
  state: string;
  reason: string | null;
  statusSince: number | null;
  stateSince: number | null;
  /** The agent's queues, within the socket's scope. */
  queues: string[];
  call: AgentCall | null;
}

export interface WaitingRow {
  memberUuid: string;
  sessionUuid: string;
  callerNumber: string;
  callerName: string;
  state: string;
  joinedAt: number;
  pop: Record<string, string> | null;
  popUnavailable?: true;
}

export interface QueueRow {
  name: string;
  waiting: WaitingRow[];
  agents: { available: number; onCall: number; onBreak: number; loggedOut: number };
  kpis: Record<string, number | null> | null;
}

export interface CallRow {
  id: string;
  /** CC-Member-UUID of the current queue episode (the id stays across a transfer into another queue). */
  memberUuid: string;
  queue: string;
  callerNumber: string;
  callerName: string;
  agent: string | null;
  agentLegUuid: string | null;
  phase: 'waiting' | 'offering' | 'bridged' | 'ended';
  held: boolean;
  since: number;
}

export interface Changes<T> {
  upsert: T[];
  remove: string[];
}

export type SupervisorPush =
  | { type: 'snapshot'; seq: number; at: number; switchConnected: boolean; filter: string[] | null; agents: AgentRow[]; queues: QueueRow[]; calls: CallRow[] }
  | { type: 'diff'; seq: number; at: number; agents?: Changes<AgentRow>; queues?: Changes<QueueRow>; calls?: Changes<CallRow>; switchConnected?: boolean };

export type SupervisorErrorCode =
  | 'BAD_JSON'
  | 'BAD_MESSAGE'
  | 'UNKNOWN_TYPE'
  | 'TOO_LARGE'
  | 'NOT_LOGGED_IN'
  | 'ALREADY_LOGGED_IN'
  | 'AUTH_FAILED'
  | 'FORBIDDEN'
  | 'OUT_OF_SCOPE'
  | 'NOT_FOUND'
  | 'NO_CALL'
  | 'CALL_GONE'
  | 'CONTROL_BUSY'
  | 'SWITCH_REFUSED'
  | 'SWITCH_DOWN'
  | 'SWITCH_TIMEOUT'
  | 'RATE_LIMITED'
  | 'INTERNAL';

type Id = string | number | null;

export type SupervisorServerMessage =
  | SupervisorPush
  | { type: 'hello'; id: Id; name: string; role: 'admin' | 'supervisor'; queues: string[] | null }
  | { type: 'ack'; id: Id; leg?: string }
  | { type: 'error'; id: Id; code: SupervisorErrorCode; message: string };

const IdSchema = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]));
const Name = Type.String({ pattern: NAME_PATTERN, maxLength: 128 });
const Uuid = Type.String({ pattern: '^[0-9a-fA-F-]{8,64}$' });
const strict = { additionalProperties: false } as const;

const Auth = Type.Object({ type: Type.Literal('auth'), id: IdSchema, token: Type.String({ minLength: 1, maxLength: 512 }) }, strict);
const Filter = Type.Object({ type: Type.Literal('filter'), id: IdSchema, queues: Type.Union([Type.Null(), Type.Array(Name, { maxItems: 200 })]) }, strict);
const AgentStatus = Type.Object({ type: Type.Literal('agent.status'), id: IdSchema, agent: Name, status: Type.Union(AGENT_STATUSES.map((s) => Type.Literal(s))) }, strict);
const AgentRelease = Type.Object({ type: Type.Literal('agent.release'), id: IdSchema, agent: Name }, strict);
const CallHangup = Type.Object({ type: Type.Literal('call.hangup'), id: IdSchema, call: Uuid }, strict);
const Eavesdrop = Type.Object(
  {
    type: Type.Literal('call.eavesdrop'),
    id: IdSchema,
    agent: Name,
    mode: Type.Union([Type.Literal('listen'), Type.Literal('whisper'), Type.Literal('barge')]),
    phone: Type.String({ minLength: 1, maxLength: 200 }),
  },
  strict,
);
const EavesdropStop = Type.Object({ type: Type.Literal('eavesdrop.stop'), id: IdSchema, leg: Uuid }, strict);

export type SupervisorClientMessage =
  | Static<typeof Auth>
  | Static<typeof Filter>
  | Static<typeof AgentStatus>
  | Static<typeof AgentRelease>
  | Static<typeof CallHangup>
  | Static<typeof Eavesdrop>
  | Static<typeof EavesdropStop>;

export type EavesdropMode = Static<typeof Eavesdrop>['mode'];

const validators = {
  auth: Compile(Auth),
  filter: Compile(Filter),
  'agent.status': Compile(AgentStatus),
  'agent.release': Compile(AgentRelease),
  'call.hangup': Compile(CallHangup),
  'call.eavesdrop': Compile(Eavesdrop),
  'eavesdrop.stop': Compile(EavesdropStop),
} as const;

export type ParsedSupervisorMessage =
  | { ok: true; message: SupervisorClientMessage }
  | { ok: false; code: 'BAD_JSON' | 'BAD_MESSAGE' | 'UNKNOWN_TYPE'; message: string; id: Id };

export function parseSupervisorMessage(text: string): ParsedSupervisorMessage {
  return parseTypedMessage<SupervisorClientMessage>(text, validators);
}
