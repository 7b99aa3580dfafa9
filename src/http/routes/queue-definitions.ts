import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adminOnly, anyRole } from '../auth.js';
import { actorOf, type HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { QueueParams, errors } from '../schemas.js';
import { CreateQueue, DeleteQueueQuery, PatchQueue, QueueChange, QueueDefinition, TakeOverQueue } from '../queue-schemas.js';
import type { QueueAdmin } from '../../queues/admin.js';

/**
 * Queues as data (issue 12): create, change, take over and remove queues; the
 * QueueAdmin domain stores them, serves them over mod_xml_curl and drives
 * `queue load|reload|unload`. These routes only validate and hand over.
 */
export const queueDefinitionRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['queues'];
    const admin = (): QueueAdmin => {
      if (!deps.queueAdmin) throw new ApiError(503, 'QUEUE_DEFINITIONS_OFF', 'queue definitions need the records database (CALL_RECORDS=on) and XML_CURL=on');
      return deps.queueAdmin;
    };

    app.get('/queue-definitions', { preValidation: anyRole, schema: { tags, summary: 'Every queue with where it is defined: over REST (gateway) or in the switch\'s files (read-only)', response: { 200: Type.Array(QueueDefinition), ...errors(401, 503, 504) } } }, async (req) =>
      admin().list(actorOf(req)),
    );

    app.get('/queues/:queue/definition', { preValidation: anyRole, schema: { tags, summary: 'A queue\'s definition: its parameters and whether it can be changed here', params: QueueParams, response: { 200: QueueDefinition, ...errors(400, 401, 404, 503, 504) } } }, async (req) =>
      admin().get(req.params.queue, actorOf(req)),
    );

    app.post('/queues', { preValidation: adminOnly, schema: { tags, summary: 'Create a queue: stored, served to the switch over mod_xml_curl, then `queue load`', body: CreateQueue, response: { 201: QueueChange, ...errors(400, 401, 403, 409, 502, 503, 504) } } }, async (req, reply) => {
      const change = await admin().create(req.body.name, req.body.params ?? {}, actorOf(req));
      reply.code(201);
      return change;
    });

    app.patch('/queues/:queue', { preValidation: adminOnly, schema: { tags, summary: 'Change a queue\'s parameters, then `queue reload` (the next call follows them)', params: QueueParams, body: PatchQueue, response: { 200: QueueChange, ...errors(400, 401, 403, 404, 409, 502, 503, 504) } } }, async (req) =>
      admin().update(req.params.queue, req.body.params, actorOf(req)),
    );

    app.post('/queues/:queue/takeover', { preValidation: adminOnly, schema: { tags, summary: 'Manage a queue of the switch\'s files over REST from now on (its parameters from `queue list`, or the ones given)', params: QueueParams, body: Type.Optional(TakeOverQueue), response: { 200: QueueChange, ...errors(400, 401, 403, 404, 409, 502, 503, 504) } } }, async (req) =>
      admin().takeOver(req.params.queue, req.body?.params, actorOf(req)),
    );

    app.delete('/queues/:queue', { preValidation: adminOnly, schema: { tags, summary: 'Remove a queue (`queue unload`); refused with callers waiting or tiers attached unless force=true. A taken-over queue goes back to the switch\'s files', params: QueueParams, querystring: DeleteQueueQuery, response: { 200: QueueChange, ...errors(400, 401, 403, 404, 409, 502, 503, 504) } } }, async (req) =>
      admin().remove(req.params.queue, req.query.force ?? false, actorOf(req)),
    );
  };
