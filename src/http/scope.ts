import type { FastifyRequest } from 'fastify';
import { CallcenterError } from '../callcenter/replies.js';
import type { CallCenter } from '../callcenter/service.js';
import { EVERY_QUEUE, queueInScope, scopeOf, type QueueScope } from '../supervisor/scope.js';
import { actorOf } from './deps.js';
import { ApiError } from './errors.js';

/**
 * The REST edge's use of a token's queue scope (TOKEN_QUEUES; the rule itself is
 * src/supervisor/scope.ts, shared with the supervisor socket):
 * - lists are filtered to the scope;
 * - one object outside the scope answers the same 404 as a missing one, so a
 *   scoped token cannot tell another queue's object and a missing one apart;
 * - an explicit `queue` filter outside the scope is a 403 OUT_OF_SCOPE, whether the
 *   queue exists or not: the token's queues are its own configuration (the console's
 *   `hello` names them), so the refusal says nothing about other queues.
 */
export function scopeOfRequest(req: FastifyRequest): QueueScope {
  return req.principal ? scopeOf(req.principal) : EVERY_QUEUE;
}

/** The scope's queues as a list, or null for every queue. */
export function scopeQueues(scope: QueueScope): string[] | null {
  return scope.queues === null ? null : [...scope.queues].sort();
}

/** Refuses an explicit queue filter outside the scope (403 OUT_OF_SCOPE). */
export function checkQueueFilter(scope: QueueScope, queue: string | undefined): void {
  if (queue !== undefined && !queueInScope(scope, queue)) throw new ApiError(403, 'OUT_OF_SCOPE', 'that queue is not in this token\'s queues (TOKEN_QUEUES)');
}

/** Throws the 404 a missing object gets when the object is outside the scope. */
export function hideOutside(inScope: boolean, notFound: () => Error): void {
  if (!inScope) throw notFound();
}

/**
 * Which agents a scoped token sees: those with a tier in a queue of its scope,
 * read live from the switch's `tier list` (tier changes made elsewhere fire no
 * event, so the view may lag; the switch is the truth). One command per request,
 * and none at all for an unscoped token.
 */
export async function agentsInScope(callCenter: Pick<CallCenter, 'listTiers'>, req: FastifyRequest, scope: QueueScope): Promise<((agent: string) => boolean) | null> {
  const agents = await agentSetInScope(callCenter, req, scope);
  return agents ? (agent) => agents.has(agent) : null;
}

/** The same agents as a set (null: every agent), for lists that filter in the database. */
export async function agentSetInScope(callCenter: Pick<CallCenter, 'listTiers'>, req: FastifyRequest, scope: QueueScope): Promise<ReadonlySet<string> | null> {
  if (scope.queues === null) return null;
  const queues = scope.queues;
  const tiers = await callCenter.listTiers(actorOf(req));
  return new Set(tiers.filter((t) => queues.has(t.queue)).map((t) => t.agent));
}

// The very errors the switch's own refusals become (same code, same message), for objects outside the scope.
export const agentNotFound = (): Error => new CallcenterError('AGENT_NOT_FOUND', '-ERR Agent not found!');
export const queueNotFound = (): Error => new CallcenterError('QUEUE_NOT_FOUND', '-ERR Queue not found!');
export const tierNotFound = (): Error => new CallcenterError('TIER_NOT_FOUND', '-ERR Tier not found!');
