import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { anyRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { errors } from '../schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Leg = Type.Object({
  uuid: Type.String(),
  role: Type.Union([Type.Literal('member'), Type.Literal('agent'), Type.Literal('offer')]),
  channelName: Type.String(),
  state: Type.Union([Type.Literal('ringing'), Type.Literal('early'), Type.Literal('answered'), Type.Literal('hangup')]),
  callState: Nullable(Type.String()),
  bridgedTo: Nullable(Type.String()),
  held: Type.Boolean(),
  parked: Type.Boolean(),
  hangupCause: Nullable(Type.String()),
  gone: Type.Boolean(),
});

const ActiveCall = Type.Object({
  memberSessionUuid: Type.String({ description: 'The caller leg (CC-Member-Session-UUID): the key of a call' }),
  memberUuid: Type.String({ description: 'CC-Member-UUID of the current queue episode' }),
  queue: Type.String(),
  callerNumber: Type.String(),
  callerName: Type.String(),
  agent: Nullable(Type.String()),
  agentLegUuid: Nullable(Type.String({ description: 'CC-Agent-UUID of bridge-agent-start' })),
  phase: Type.Union([Type.Literal('waiting'), Type.Literal('offering'), Type.Literal('bridged'), Type.Literal('ended')]),
  held: Type.Boolean({ description: 'The caller or agent leg is held, as the switch reported (CHANNEL_HOLD/UNHOLD)' }),
  member: Nullable(Leg),
  agentLeg: Nullable(Leg),
  offerLegs: Type.Array(Leg),
});

/**
 * `GET /api/calls/active`: the live call model (src/calls), i.e. what the
 * switch reported about each call in or through the queues. `/api/calls` and
 * `/api/calls/live` belong to the call records (PostgreSQL).
 */
export const activeCallRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/calls/active',
      {
        preValidation: anyRole,
        schema: {
          tags: ['calls'],
          summary: 'Calls in progress, leg by leg, from the switch’s channel and callcenter events',
          querystring: Type.Object({ agent: Type.Optional(Type.String({ maxLength: 256 })), queue: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false }),
          response: { 200: Type.Array(ActiveCall), ...errors(400, 401) },
        },
      },
      async (req) => {
        const { agent, queue } = req.query;
        return deps.calls
          .list()
          .filter((c) => (agent === undefined || c.agent === agent) && (queue === undefined || c.queue === queue))
          .map((c) => ({ ...c, offerLegs: [...c.offerLegs] }));
      },
    );
  };
