import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { anyRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { AuditEntry, AuditQuery, errors } from '../schemas.js';
import type { AuditEntry as Entry } from '../../store/audit.js';
import { agentsInScope, scopeOfRequest } from '../scope.js';

/** `name@domain` words of a command: queues and agents (the grammar's names). */
const NAMES = /[A-Za-z0-9][A-Za-z0-9_.+-]*@[A-Za-z0-9][A-Za-z0-9.-]*/g;

export const auditRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    /**
     * A token limited to queues reads the entries about its queues: the command names one of
     * them, or its agent is one of the scope's agents (a tier in its queues); an entry whose
     * command names a queue outside the scope is another queue's business and stays hidden
     * (a tier change of a shared agent in another queue, say). Null: every entry.
     */
    const scopeFilter = async (req: Parameters<typeof scopeOfRequest>[0]): Promise<((e: Entry) => boolean) | null> => {
      const scope = scopeOfRequest(req);
      const mine = scope.queues;
      if (mine === null) return null;
      const agents = await agentsInScope(deps.callCenter, req, scope);
      const isQueue = (name: string) => mine.has(name) || deps.view.queues.has(name);
      return (e) => {
        const queues = (e.command.match(NAMES) ?? []).filter(isQueue);
        if (queues.some((q) => !mine.has(q))) return false;
        return queues.length > 0 || (e.agent !== null && (agents?.(e.agent) ?? false));
      };
    };
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
        const where = await scopeFilter(req);
        return deps.audit.query({ limit: req.query.limit ?? 100, ...(req.query.agent ? { agent: req.query.agent } : {}), ...(since !== undefined ? { since } : {}), ...(where ? { where } : {}) });
      },
    );
  };
