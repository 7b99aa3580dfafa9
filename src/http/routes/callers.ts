import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adminOnly, anyRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { CallerParams, CallerQuery, CallerRecord, CallerRecordBody, errors } from '../schemas.js';
import { normaliseNumber } from '../../store/callers.js';

export const callerRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['callers'];
    const Stored = Type.Object({ number: Type.String({ description: 'The normalised number (digits only)' }), record: CallerRecord });

    app.put(
      '/callers/:number',
      { preValidation: adminOnly, schema: { tags, summary: 'Store the record shown in screen pops for this caller', params: CallerParams, querystring: CallerQuery, body: CallerRecordBody, response: { 200: Stored, ...errors(400, 401, 403, 413, 503) } } },
      async (req) => {
        // Ajv's type coercion lets "Infinity" and "1e400" through an integer schema with bounds.
        if (req.query.ttl !== undefined && !(Number.isSafeInteger(req.query.ttl) && req.query.ttl >= 1 && req.query.ttl <= 31_536_000)) {
          throw new ApiError(400, 'INVALID_INPUT', 'querystring/ttl must be an integer from 1 to 31536000');
        }
        return deps.callers.put(req.params.number, req.body, req.query.ttl ?? deps.config.callerTtlS);
      },
    );

    app.get('/callers/:number', { preValidation: anyRole, schema: { tags, summary: 'Read a caller record', params: CallerParams, response: { 200: Stored, ...errors(400, 401, 404, 503) } } }, async (req) => {
      const number = normaliseNumber(req.params.number);
      const record = await deps.callers.get(number);
      if (!record) throw new ApiError(404, 'CALLER_NOT_FOUND', `no record for ${number}`);
      return { number, record };
    });

    app.delete('/callers/:number', { preValidation: adminOnly, schema: { tags, summary: 'Delete a caller record', params: CallerParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 503) } } }, async (req, reply) => {
      if (!(await deps.callers.delete(req.params.number))) throw new ApiError(404, 'CALLER_NOT_FOUND', 'no such record');
      reply.code(204);
      return null;
    });
  };
