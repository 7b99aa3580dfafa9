import { Type } from 'typebox';
import { AftercallError, type AfterCallWork } from '../aftercall/after-call.js';
import { DISPOSITION_CODE, MAX_NOTES } from '../aftercall/config.js';
import type { AgentChannel } from './desk.js';
import type { ClientMessage } from './protocol.js';
import { ClientError, type Connection, type DeskContext } from './ws-connection.js';

const Id = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]));
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Schemas of the after-call messages (messages.ts compiles them with the others). */
export const AFTERCALL_SCHEMAS = {
  'call.disposition': Type.Object(
    {
      type: Type.Literal('call.disposition'),
      id: Id,
      memberUuid: Type.String({ pattern: UUID, maxLength: 36 }),
      code: Type.String({ pattern: DISPOSITION_CODE.source, maxLength: 32 }),
      notes: Type.Optional(Type.String({ maxLength: MAX_NOTES })),
    },
    { additionalProperties: false },
  ),
  'acw.end': Type.Object({ type: Type.Literal('acw.end'), id: Id }, { additionalProperties: false }),
  'next-status': Type.Object(
    {
      type: Type.Literal('next-status'),
      id: Id,
      status: Type.Union([Type.Literal('On Break'), Type.Literal('Logged Out'), Type.Null()]),
      reason: Type.Optional(Type.String({ maxLength: 64 })),
    },
    { additionalProperties: false },
  ),
} as const;

type AftercallMessage = Extract<ClientMessage, { type: keyof typeof AFTERCALL_SCHEMAS }>;

/**
 * `call.disposition`, `acw.end` and `next-status` of a logged-in socket (src/aftercall
 * does the work). Run one at a time per agent with its status commands.
 */
export async function aftercallCommand(ctx: DeskContext, aftercall: AfterCallWork | undefined, c: Connection, ch: AgentChannel, m: AftercallMessage, id: string | number | null): Promise<void> {
  if (!aftercall) throw new ClientError('UNKNOWN_TYPE', 'after-call work is not enabled');
  const actor = { source: 'agent-desk' as const, id: ch.agent, agent: ch.agent };
  await ctx.desk.serialize(ch, async () => {
    c.check();
    try {
      switch (m.type) {
        case 'call.disposition':
          await aftercall.fileDisposition(ch.agent, m.memberUuid.toLowerCase(), m.code, m.notes ?? '');
          break;
        case 'acw.end':
          await aftercall.endEarly(ch.agent, actor);
          break;
        case 'next-status': {
          let reason: string | null = null;
          if (m.status === 'On Break') {
            reason = m.reason ?? ctx.desk.breakReasons[0] ?? 'break';
            if (!ctx.desk.breakReasons.includes(reason)) throw new ClientError('BAD_REASON', `reason must be one of: ${ctx.desk.breakReasons.join(', ')}`);
          }
          await aftercall.setNextStatus(ch.agent, m.status === null ? null : { status: m.status, reason }, actor);
          break;
        }
      }
    } catch (err) {
      if (err instanceof AftercallError) throw new ClientError(err.code, err.message);
      throw err;
    }
    c.reply({ type: 'ack', id, seq: ch.seq });
  });
}
