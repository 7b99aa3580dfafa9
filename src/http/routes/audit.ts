import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { anyRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { AuditEntry, AuditQuery, errors } from '../schemas.js';

export const auditRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/audit',
      { preValidation: anyRole, schema: { tags: ['audit'], summary: 'Commands sent to the switch, newest first', querystring: AuditQuery, response: { 200: Type.Array(AuditEntry), ...errors(400, 401, 503) } } },
      async (req) => {
        if (!deps.audit) throw new ApiError(503, 'REDIS_DOWN', 'the audit trail needs Redis');
        // Ajv's type coercion lets "Infinity" through an integer schema with bounds.
        if (req.query.limit !== undefined && !(Number.isSafeInteger(req.query.limit) && req.query.limit >= 1 && req.query.limit <= 1000)) {
          throw new ApiError(400, 'INVALID_INPUT', 'querystring/limit must be an integer from 1 to 1000');
        }
        const since = req.query.since ? Date.parse(req.query.since) : undefined;
        return deps.audit.query({ limit: req.query.limit ?? 100, ...(req.query.agent ? { agent: req.query.agent } : {}), ...(since !== undefined ? { since } : {}) });
      },
    );
  };
