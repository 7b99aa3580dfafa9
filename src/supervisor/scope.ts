/**
 * A token's queue scope (TOKEN_QUEUES): what a supervisor may see and act on.
 * The one place that decides it, for the supervisor socket, its actions, and any
 * REST route that wants the same rule. Outside the scope is treated exactly like
 * "does not exist" by callers, so a scoped token learns nothing about other queues.
 *
 * - a queue is in scope when the token names it (or the token is unscoped);
 * - an agent is in scope when it has a tier in a queue in scope (an unscoped token
 *   also sees agents without any tier);
 * - a call is in scope when its queue is.
 */
export interface QueueScope {
  /** null: every queue (the token has no TOKEN_QUEUES entry). */
  readonly queues: ReadonlySet<string> | null;
}

export const EVERY_QUEUE: QueueScope = { queues: null };

/** The scope of a principal (or token) from its optional queue list. */
export function scopeOf(who: { readonly queues?: readonly string[] | undefined }): QueueScope {
  return who.queues ? { queues: new Set(who.queues) } : EVERY_QUEUE;
}

export function queueInScope(scope: QueueScope, queue: string): boolean {
  return scope.queues === null || scope.queues.has(queue);
}

/** `agentQueues`: the queues the agent has a tier in. */
export function agentInScope(scope: QueueScope, agentQueues: Iterable<string>): boolean {
  if (scope.queues === null) return true;
  for (const q of agentQueues) if (scope.queues.has(q)) return true;
  return false;
}

export function callInScope(scope: QueueScope, call: { readonly queue: string }): boolean {
  return queueInScope(scope, call.queue);
}


/** A narrower scope: `filter` within `scope` (null filter: the whole scope). Returns null when the filter leaves the scope. */
export function narrow(scope: QueueScope, filter: readonly string[] | null): QueueScope | null {
  if (filter === null) return scope;
  if (!filter.every((q) => queueInScope(scope, q))) return null;
  return { queues: new Set(filter) };
}
