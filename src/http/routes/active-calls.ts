import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { anyRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errors } from '../schemas.js';
import { LiveCallSchema, liveOut } from '../call-schemas.js';
import { callInScope } from '../../supervisor/scope.js';
import { checkQueueFilter, scopeOfRequest } from '../scope.js';
import type { LiveCall } from '../../records/model.js';

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
  record: Type.Union([LiveCallSchema, Type.Null()], {
    description: 'The call record in the making (records tracker): DNIS, the exported dialplan variables, joined/offered/answered times, every offer so far. null when call records are off or the tracker does not follow this queue episode',
  }),
});

const Query = Type.Object({ agent: Type.Optional(Type.String({ maxLength: 256 })), queue: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false });

/**
 * `GET /api/calls/active`, the one list of calls in progress: the live call
 * model (src/calls: what the switch reported, leg by leg) with, per call, the
 * records tracker's view of it (`record`). `GET /api/calls/live` is its
 * deprecated alias: the `record` parts alone, in their old shape. A token with a
 * queue scope sees the calls of its queues only; `?queue=` outside it is 403.
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
          summary: 'Calls in progress: leg by leg from the switch’s channel and callcenter events, with the call record in the making',
          querystring: Query,
          response: { 200: Type.Array(ActiveCall), ...errors(400, 401, 403) },
        },
      },
      async (req) => {
        const { agent, queue } = req.query;
        const scope = scopeOfRequest(req);
        checkQueueFilter(scope, queue);
        const tracked = new Map<string, LiveCall>((deps.records?.live() ?? []).map((c) => [c.memberUuid, c]));
        return deps.calls
          .list()
          .filter((c) => callInScope(scope, c) && (agent === undefined || c.agent === agent) && (queue === undefined || c.queue === queue))
          .map((c) => {
            const record = tracked.get(c.memberUuid);
            return { ...c, offerLegs: [...c.offerLegs], record: record ? liveOut(record) : null };
          });
      },
    );

    app.get(
      '/calls/live',
      {
        preValidation: anyRole,
        schema: {
          tags: ['calls'],
          deprecated: true,
          summary: 'Deprecated alias of GET /api/calls/active: each call’s `record` part alone (oldest first)',
          description: 'Kept for existing clients. Same data as the `record` of each call of GET /api/calls/active; 503 RECORDS_OFF when call records are off.',
          response: { 200: Type.Array(LiveCallSchema), ...errors(401, 503) },
        },
      },
      async (req) => {
        if (!deps.records) throw new ApiError(503, 'RECORDS_OFF', 'call records are turned off (CALL_RECORDS=off)');
        const scope = scopeOfRequest(req);
        return deps.records
          .live()
          .filter((c) => callInScope(scope, c))
          .map(liveOut);
      },
    );
  };
