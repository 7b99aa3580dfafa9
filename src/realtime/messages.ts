import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { NAME_PATTERN } from '../callcenter/grammar.js';
import type { ClientMessage } from './protocol.js';
import { AFTERCALL_SCHEMAS } from './ws-aftercall.js';
import { callControlValidators } from './messages-calls.js';
import { parseTypedMessage } from './parse-message.js';

/** Schemas of client → server messages; anything else is refused with an error code. */
const Id = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]));
const Login = Type.Object(
  {
    type: Type.Literal('login'),
    id: Id,
    agent: Type.String({ pattern: NAME_PATTERN, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
    contact: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    ready: Type.Optional(Type.Boolean()),
    /** Asks for the directory feed (directory.ts): the transfer dialog's agents and queues. */
    directory: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const Resume = Type.Object(
  { type: Type.Literal('resume'), id: Id, agent: Type.String({ pattern: NAME_PATTERN, maxLength: 128 }), token: Type.String({ maxLength: 64 }), lastSeq: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), directory: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const Ready = Type.Object({ type: Type.Literal('ready'), id: Id }, { additionalProperties: false });
const Busy = Type.Object({ type: Type.Literal('busy'), id: Id, reason: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
const Logout = Type.Object({ type: Type.Literal('logout'), id: Id }, { additionalProperties: false });

// The number's own grammar (src/outbound/policy.ts) is checked by the dialer, so a bad one gets NUMBER_INVALID.
const Dial = Type.Object(
  { type: Type.Literal('dial'), id: Id, number: Type.String({ maxLength: 64 }), idempotencyKey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' })) },
  { additionalProperties: false },
);

const validators = {
  login: Compile(Login),
  resume: Compile(Resume),
  ready: Compile(Ready),
  busy: Compile(Busy),
  logout: Compile(Logout),
  dial: Compile(Dial),
  'call.disposition': Compile(AFTERCALL_SCHEMAS['call.disposition']),
  'acw.end': Compile(AFTERCALL_SCHEMAS['acw.end']),
  'next-status': Compile(AFTERCALL_SCHEMAS['next-status']),
  ...callControlValidators,
} as const;

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: 'BAD_JSON' | 'BAD_MESSAGE' | 'UNKNOWN_TYPE'; message: string; id: string | number | null };

export function parseClientMessage(text: string): ParseResult {
  return parseTypedMessage<ClientMessage>(text, validators);
}
