import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiToken } from '../config.js';
import { ApiError } from './errors.js';

export type Role = ApiToken['role'];
export interface Principal {
  readonly name: string;
  readonly role: Role;
  /** The token's queue scope (TOKEN_QUEUES); absent: every queue. See src/supervisor/scope.ts. */
  readonly queues?: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Resolves `Authorization: Bearer <token>` against the configured tokens, in constant time per token. */
export function tokenResolver(tokens: readonly ApiToken[]): (header: string | undefined) => Principal | null {
  const known = tokens.map((t) => ({ digest: digest(t.token), principal: { name: t.name, role: t.role, ...(t.queues ? { queues: t.queues } : {}) } }));
  return (header) => {
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    const token = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header ?? '')?.[1];
    if (token === undefined) return null;
    const d = digest(token);
    let found: Principal | null = null;
    for (const k of known) if (timingSafeEqual(k.digest, d)) found = k.principal;
    return found;
  };
}

/**
 * Route preValidation hook: after the rate limit (onRequest) and before schema
 * validation, so a request without a valid token gets 401, never a schema error.
 * 401 without a valid token, 403 when the role may not do this.
 */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!req.principal) throw new ApiError(401, 'UNAUTHORIZED', 'missing or invalid bearer token');
    if (!roles.includes(req.principal.role)) throw new ApiError(403, 'FORBIDDEN', `role ${req.principal.role} may not do this`);
  };
}

export const anyRole = requireRole('admin', 'supervisor');
export const adminOnly = requireRole('admin');
