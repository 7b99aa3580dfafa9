import { Type } from 'typebox';
import { NAME_PATTERN } from '../callcenter/grammar.js';
import { AGENT_STATUSES, AGENT_TYPES, TIER_STATES } from '../callcenter/vocabulary.js';

/**
 * JSON schemas of the REST API. They are the first gate (shape, types,
 * lengths); the callcenter grammars are the second, right before a command is
 * built. The OpenAPI document at /docs/json is generated from these.
 */

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const Name = (description: string) => Type.String({ pattern: NAME_PATTERN, maxLength: 128, description });
export const AgentName = Name('Agent name as mod_callcenter knows it, name@domain (e.g. 1001@default)');
export const QueueName = Name('Queue name, name@domain (e.g. support@default)');
export const Contact = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'Dial string of the agent phone: one endpoint such as user/1001, sofia/gateway/GW/NUMBER or null/NAME, optionally prefixed by [leg_timeout=N] or {ignore_early_media=true,...} (allow-listed variables only)',
});
export const Status = Type.Union(AGENT_STATUSES.map((v) => Type.Literal(v)), { description: 'Agent status, spelled exactly as mod_callcenter does' });
const Seconds = (description: string) => Type.Integer({ minimum: 0, maximum: 86_400, description });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'Stable machine-readable code, e.g. AGENT_NOT_FOUND' }),
        message: Type.String({ description: 'Human-readable explanation' }),
      },
      { additionalProperties: true },
    ),
  },
  { description: 'Error' },
);

export const Agent = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'callback or uuid-standby' }),
  contact: Type.String(),
  status: Type.String({ description: 'As stored by the switch' }),
  state: Type.String({ description: 'Waiting, Receiving, In a queue call, Idle, ...' }),
  uuid: Type.String({ description: 'UUID of the agent leg while in a call' }),
  maxNoAnswer: Type.Integer(),
  wrapUpTime: Type.Integer({ description: 'seconds' }),
  rejectDelayTime: Type.Integer({ description: 'seconds' }),
  busyDelayTime: Type.Integer({ description: 'seconds' }),
  noAnswerDelayTime: Type.Integer({ description: 'seconds' }),
  lastBridgeStart: Type.Integer({ description: 'epoch seconds' }),
  lastBridgeEnd: Type.Integer({ description: 'epoch seconds' }),
  lastOfferedCall: Type.Integer({ description: 'epoch seconds' }),
  lastStatusChange: Type.Integer({ description: 'epoch seconds' }),
  noAnswerCount: Type.Integer(),
  callsAnswered: Type.Integer(),
  talkTime: Type.Integer({ description: 'seconds' }),
  readyTime: Type.Integer({ description: 'epoch seconds before which the agent is not offered calls' }),
});

const agentSettings = {
  contact: Type.Optional(Contact),
  type: Type.Optional(lit(AGENT_TYPES)),
  status: Type.Optional(Status),
  maxNoAnswer: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Missed offers before the switch sets the no-answer status (0 = never)' })),
  wrapUpTime: Type.Optional(Seconds('Seconds after a call before the next offer')),
  rejectDelayTime: Type.Optional(Seconds('Seconds to wait after the agent rejected a call')),
  busyDelayTime: Type.Optional(Seconds('Seconds to wait after the agent phone was busy')),
  noAnswerDelayTime: Type.Optional(Seconds('Seconds to wait after the agent did not answer')),
  password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, description: 'Agent desk password; stored only as a salted scrypt hash' })),
};

export const CreateAgent = Type.Object({ name: AgentName, ...agentSettings, contact: Contact }, { additionalProperties: false });
export const PatchAgent = Type.Object(agentSettings, { additionalProperties: false, minProperties: 1 });
export const SetStatus = Type.Object({ status: Status }, { additionalProperties: false });
export const AgentParams = Type.Object({ agent: AgentName });

export const Tier = Type.Object({
  queue: Type.String(),
  agent: Type.String(),
  state: Type.String({ description: 'Ready, No Answer, Offering, Active Inbound, Standby' }),
  level: Type.Integer(),
  position: Type.Integer(),
});
export const TierQuery = Type.Object({ queue: Type.Optional(QueueName), agent: Type.Optional(AgentName) }, { additionalProperties: false });
export const CreateTier = Type.Object(
  {
    queue: QueueName,
    agent: AgentName,
    level: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 1 })),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 1 })),
  },
  { additionalProperties: false },
);
export const PatchTier = Type.Object(
  {
    level: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    state: Type.Optional(Type.Union(TIER_STATES.filter((s) => s !== 'Unknown').map((v) => Type.Literal(v)))),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const TierParams = Type.Object({ queue: QueueName, agent: AgentName });
export const QueueParams = Type.Object({ queue: QueueName });

export const Member = Type.Object({
  uuid: Type.String(),
  sessionUuid: Type.String(),
  callerNumber: Type.String(),
  callerName: Type.String(),
  state: Type.String({ description: 'Waiting, Trying, Answered, Abandoned' }),
  servingAgent: Type.String(),
  joinedAt: Type.Integer({ description: 'epoch seconds' }),
  waitS: Type.Integer({ description: 'seconds waited so far (or until answered/abandoned)' }),
});

export const QueueSummary = Type.Object({
  name: Type.String(),
  config: Type.Record(Type.String(), Type.String(), { description: 'Every column of `callcenter_config queue list`' }),
  waiting: Type.Integer(),
  callsAnswered: Type.Integer(),
  callsAbandoned: Type.Integer(),
  agentsByStatus: Type.Record(Type.String(), Type.Integer()),
});

export const QueueDetail = Type.Object({
  ...QueueSummary.properties,
  members: Type.Array(Member),
  agentsByState: Type.Record(Type.String(), Type.Integer()),
  agents: Type.Array(Type.Object({ name: Type.String(), status: Type.String(), state: Type.String(), level: Type.Integer(), position: Type.Integer() })),
});

export const CallerParams = Type.Object({ number: Type.String({ minLength: 1, maxLength: 40, description: 'Phone number; see the number rule in the README' }) });
export const CallerRecord = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1024 }), {
  description: 'Flat record of string fields shown in the screen pop',
  maxProperties: 50,
});
/**
 * The PUT body: string fields only. The size limits are checked by the store
 * (src/store/callers.ts) so that a record that is too big answers 413, not 400.
 */
export const CallerRecordBody = Type.Record(Type.String(), Type.String(), {
  description: 'Flat record of string fields shown in the screen pop: at most 50 fields, names [A-Za-z0-9_.-]{1,64}, values up to 1024 characters, 16 KiB in all (413 beyond)',
});
export const CallerQuery = Type.Object({ ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'Expire the record after this many seconds' })) });

export const AuditQuery = Type.Object({
  agent: Type.Optional(AgentName),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'ISO time; only entries at or after it' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  source: Type.String({ description: 'rest, agent-desk, auto, resync, demo' }),
  actor: Type.String(),
  agent: Type.Union([Type.String(), Type.Null()]),
  command: Type.String(),
  ok: Type.Boolean(),
  reply: Type.String(),
  latencyMs: Type.Number(),
});

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorResponse]));
