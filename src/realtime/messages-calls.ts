import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { AGENT_PATTERN, DIGITS_PATTERN, EXTENSION_PATTERN, NUMBER_PATTERN, QUEUE_PATTERN } from '../calls/controls/grammar.js';

/**
 * Schemas of the desk's call-control messages (protocol.ts CallControlMessage).
 * The grammar is enforced here already, so a hostile value is refused with
 * BAD_MESSAGE before any handler runs; the domain checks it again.
 */
const Id = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]));
const MemberUuid = Type.Optional(Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }));
const plain = <T extends string>(type: T) => Type.Object({ type: Type.Literal(type), id: Id, memberUuid: MemberUuid }, { additionalProperties: false });
const Dtmf = Type.Object({ type: Type.Literal('call.dtmf'), id: Id, memberUuid: MemberUuid, digits: Type.String({ pattern: DIGITS_PATTERN }) }, { additionalProperties: false });
const Transfer = Type.Union([
  Type.Object({ type: Type.Literal('call.transfer'), id: Id, memberUuid: MemberUuid, kind: Type.Literal('extension'), to: Type.String({ pattern: EXTENSION_PATTERN }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('call.transfer'), id: Id, memberUuid: MemberUuid, kind: Type.Literal('queue'), to: Type.String({ pattern: QUEUE_PATTERN, maxLength: 128 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('call.transfer'), id: Id, memberUuid: MemberUuid, kind: Type.Literal('number'), to: Type.String({ pattern: NUMBER_PATTERN }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('call.transfer'), id: Id, memberUuid: MemberUuid, kind: Type.Literal('agent'), to: Type.String({ pattern: AGENT_PATTERN, maxLength: 128 }) }, { additionalProperties: false }),
]);

const Consult = Type.Union([
  Type.Object({ type: Type.Literal('call.consult'), id: Id, memberUuid: MemberUuid, kind: Type.Literal('extension'), to: Type.String({ pattern: EXTENSION_PATTERN }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('call.consult'), id: Id, memberUuid: MemberUuid, kind: Type.Literal('number'), to: Type.String({ pattern: NUMBER_PATTERN }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('call.consult'), id: Id, memberUuid: MemberUuid, kind: Type.Literal('agent'), to: Type.String({ pattern: AGENT_PATTERN, maxLength: 128 }) }, { additionalProperties: false }),
]);

export const callControlValidators = {
  'call.hangup': Compile(plain('call.hangup')),
  'call.hold': Compile(plain('call.hold')),
  'call.unhold': Compile(plain('call.unhold')),
  'call.mute': Compile(plain('call.mute')),
  'call.unmute': Compile(plain('call.unmute')),
  'call.dtmf': Compile(Dtmf),
  'call.transfer': Compile(Transfer),
  'call.consult': Compile(Consult),
  'call.consult.complete': Compile(plain('call.consult.complete')),
  'call.consult.cancel': Compile(plain('call.consult.cancel')),
  'call.conference': Compile(plain('call.conference')),
} as const;
