import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACTION_STATES, actionView } from '../../outbound/action.js';
import type { ActionFilter, ActionKeyset } from '../../outbound/store.js';
import { DialRefusedError, type DialRefusal, type OutboundDialer } from '../../outbound/service.js';
import { anyRole } from '../auth.js';
import { actorOf, type HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { AgentName, errors } from '../schemas.js';
import { agentSetInScope, agentsInScope, scopeOfRequest } from '../scope.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const OutboundAction = Type.Object({
  id: Type.String({ description: 'The action id (GET /api/outbound/{id})' }),
  agent: Type.String(),
  number: Type.String({ description: 'The customer’s number as dialled' }),
  callerId: Type.String({ description: 'The caller ID presented to the customer (admin configuration)' }),
  state: Type.Union(
    [
      Type.Literal('new'),
      Type.Literal('sent'),
      Type.Literal('agent-ringing'),
      Type.Literal('agent-answered'),
      Type.Literal('customer-ringing'),
      Type.Literal('bridged'),
      Type.Literal('ended'),
      Type.Literal('failed'),
    ],
    { description: 'new → sent → agent-ringing → agent-answered → customer-ringing → bridged → ended, or failed' },
  ),
  cause: Nullable(Type.String({ description: 'failed/ended: the switch’s hangup cause or the originate’s error (LOST: the end happened while the gateway was not listening)' })),
  agentLegUuid: Type.String(),
  customerLegUuid: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  answeredAt: Nullable(Type.String({ format: 'date-time', description: 'The agent answered' })),
  bridgedAt: Nullable(Type.String({ format: 'date-time' })),
  endedAt: Nullable(Type.String({ format: 'date-time' })),
});

const DialBody = Type.Object(
  {
    agent: AgentName,
    // The number's grammar is the dialer's (src/outbound/policy.ts): a bad number is a NUMBER_INVALID refusal, audited.
    number: Type.String({ maxLength: 64, description: 'Digits with an optional leading +; checked against the REST role’s allowed ranges' }),
    idempotencyKey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'A retried request with the same key (for the same agent) returns the first action and dials nothing' })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    agent: Type.Optional(AgentName),
    state: Type.Optional(Type.Union(ACTION_STATES.map((st) => Type.Literal(st)), { description: 'only actions in this state now' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'only actions created at or after this time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 300, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page (same filters)' })),
  },
  { additionalProperties: false },
);
const ActionPage = Type.Object({ items: Type.Array(OutboundAction), nextCursor: Type.Union([Type.String(), Type.Null()]) });

function encodeCursor(k: ActionKeyset): string {
  return Buffer.from(JSON.stringify([k.createdAt, k.id])).toString('base64url');
}

function decodeCursor(s: string): ActionKeyset {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    // The time is PostgreSQL's own text of created_at (given out by this API); checked to be a time before it goes back as a parameter.
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && /^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]{8,15}[+-][0-9:]{2,5}$/.test(v[0]) && /^[0-9a-f-]{36}$/.test(v[1])) {
      return { createdAt: v[0], id: v[1] };
    }
  } catch {
    /* falls through */
  }
  throw new ApiError(400, 'INVALID_INPUT', 'querystring/cursor is not a cursor this API gave out');
}

const STATUS: Record<DialRefusal, number> = {
  NUMBER_INVALID: 400,
  NUMBER_NOT_ALLOWED: 403,
  DIAL_RATE_LIMITED: 429,
  AGENT_BUSY: 409,
  AGENT_NOT_FOUND: 404,
  NO_CONTACT: 409,
  NO_CALLER_ID: 409,
  IDEMPOTENCY_CONFLICT: 409,
  OUTBOUND_UNAVAILABLE: 503,
  SWITCH_DOWN: 503,
};

function dialer(deps: HttpDeps): OutboundDialer {
  if (!deps.outbound) throw new ApiError(503, 'OUTBOUND_UNAVAILABLE', 'outbound calls are not available (call records are turned off)');
  return deps.outbound;
}

/**
 * Outbound calls over REST (a CRM's click to dial): `POST /api/outbound`
 * places one for an agent, `GET /api/outbound/{id}` reads an action. The
 * domain (src/outbound) checks the number, the rate limit and the agent, and
 * builds the originate; this edge only maps its answers to HTTP.
 */
export const outboundRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/outbound',
      {
        preValidation: anyRole,
        schema: {
          tags: ['outbound'],
          summary: 'Click to dial: ring the agent’s phone, then the customer',
          description:
            '201 with the new action; 200 with the existing one when the idempotency key was seen before (nothing is dialled again). ' +
            'Refusals change nothing and are audited: NUMBER_INVALID 400, NUMBER_NOT_ALLOWED 403, AGENT_NOT_FOUND 404, AGENT_BUSY / NO_CONTACT / NO_CALLER_ID / IDEMPOTENCY_CONFLICT 409, DIAL_RATE_LIMITED 429, OUTBOUND_UNAVAILABLE / SWITCH_DOWN 503.',
          body: DialBody,
          response: { 200: OutboundAction, 201: OutboundAction, ...errors(400, 401, 403, 404, 409, 429, 503) },
        },
      },
      async (req, reply) => {
        const { agent, number, idempotencyKey } = req.body;
        // A token limited to queues dials for its agents only (a tier in one of its queues); another reads as missing.
        const visible = await agentsInScope(deps.callCenter, req, scopeOfRequest(req));
        if (visible && !visible(agent)) throw new ApiError(404, 'AGENT_NOT_FOUND', `agent ${agent} is not on the switch`);
        try {
          const { action, created } = await dialer(deps).dial({ agent, number, idempotencyKey, role: 'api', actor: actorOf(req, agent) });
          reply.code(created ? 201 : 200);
          return actionView(action);
        } catch (err) {
          if (err instanceof DialRefusedError) throw new ApiError(STATUS[err.code], err.code, err.message);
          throw err;
        }
      },
    );

    app.get(
      '/outbound/actions',
      {
        preValidation: anyRole,
        schema: {
          tags: ['outbound'],
          summary: 'Outbound actions, newest first, in keyset pages',
          description:
            'Filters: agent, state (now), since (created at or after). Each page has nextCursor, to pass as cursor with the same filters ' +
            '(keyset on the creation time and id: actions created meanwhile do not shift the pages). A token with a queue scope (TOKEN_QUEUES) sees ' +
            'the actions of the agents with a tier in its queues only; another agent reads as having none.',
          querystring: ListQuery,
          response: { 200: ActionPage, ...errors(400, 401, 403, 503) },
        },
      },
      async (req) => {
        const q = req.query;
        let since: Date | undefined;
        if (q.since !== undefined) {
          since = new Date(q.since);
          if (Number.isNaN(since.getTime())) throw new ApiError(400, 'INVALID_INPUT', 'querystring/since is not a date-time');
        }
        const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
        const filter: ActionFilter = { ...(q.agent !== undefined ? { agent: q.agent } : {}), ...(q.state !== undefined ? { state: q.state } : {}), ...(since ? { since } : {}) };
        // Agents in scope: a tier in one of the token's queues, read from the switch (as every scoped REST read).
        // Outside the scope reads as "no actions": a scoped token learns nothing of other queues' agents.
        const agents = await agentSetInScope(deps.callCenter, req, scopeOfRequest(req));
        let scoped = filter;
        if (agents) {
          if (q.agent !== undefined && !agents.has(q.agent)) return { items: [], nextCursor: null };
          scoped = { ...filter, agents: [...agents] };
        }
        try {
          const page = await dialer(deps).list(scoped, after, q.limit ?? 100);
          return { items: page.items.map(actionView), nextCursor: page.next ? encodeCursor(page.next) : null };
        } catch (err) {
          if (err instanceof DialRefusedError) throw new ApiError(STATUS[err.code], err.code, err.message);
          if (err instanceof ApiError) throw err;
          throw new ApiError(503, 'DATABASE_DOWN', 'the outbound actions database did not answer');
        }
      },
    );

    app.get(
      '/outbound/:id',
      {
        preValidation: anyRole,
        schema: {
          tags: ['outbound'],
          summary: 'One outbound action and where its call stands',
          params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }),
          response: { 200: OutboundAction, ...errors(400, 401, 404, 503) },
        },
      },
      async (req) => {
        let action;
        try {
          action = await dialer(deps).get(req.params.id);
        } catch (err) {
          if (err instanceof DialRefusedError) throw new ApiError(STATUS[err.code], err.code, err.message);
          throw err;
        }
        // A scoped token reads another queues' agent's action as absent (as the list does).
        const visible = action ? await agentsInScope(deps.callCenter, req, scopeOfRequest(req)) : null;
        if (!action || (visible && !visible(action.agent))) throw new ApiError(404, 'NOT_FOUND', 'no such outbound action');
        return actionView(action);
      },
    );
  };
