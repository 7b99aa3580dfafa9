import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adminOnly, anyRole } from '../auth.js';
import { actorOf, type HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { QueueParams, errors } from '../schemas.js';
import { CreateQueue, DeleteQueueQuery, PatchQueue, QueueChange, QueueDefinition, TakeOverQueue } from '../queue-schemas.js';
import { QueueAdminError, type QueueAdmin } from '../../queues/admin.js';
import { queueInScope } from '../../supervisor/scope.js';
import { hideOutside, scopeOfRequest } from '../scope.js';

const notDefined = (name: string) => new QueueAdminError('QUEUE_NOT_FOUND', `queue ${name} is not defined`);
const neitherHereNorLoaded = (name: string) => new QueueAdminError('QUEUE_NOT_FOUND', `queue ${name} is neither defined here nor loaded on the switch`);
const notLoaded = (name: string) => new QueueAdminError('QUEUE_NOT_LOADED', `queue ${name} is not loaded on the switch: create it with POST /api/queues instead`);

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
    // A token limited to queues (TOKEN_QUEUES) sees and changes its own queues; another one answers the 404 of a missing queue.
    // The same code and text as the domain's own refusal of a missing queue on that route.
    const own = (req: Parameters<typeof scopeOfRequest>[0], name: string, missing: (name: string) => QueueAdminError = notDefined): string => {
      hideOutside(queueInScope(scopeOfRequest(req), name), () => missing(name));
      return name;
    };

    app.get('/queue-definitions', { preValidation: anyRole, schema: { tags, summary: 'Every queue with where it is defined: over REST (gateway) or in the switch\'s files (read-only)', response: { 200: Type.Array(QueueDefinition), ...errors(401, 503, 504) } } }, async (req) => {
      const scope = scopeOfRequest(req);
      return (await admin().list(actorOf(req))).filter((q) => queueInScope(scope, q.name));
    });

    app.get('/queues/:queue/definition', { preValidation: anyRole, schema: { tags, summary: 'A queue\'s definition: its parameters and whether it can be changed here', params: QueueParams, response: { 200: QueueDefinition, ...errors(400, 401, 404, 503, 504) } } }, async (req) =>
      admin().get(own(req, req.params.queue, neitherHereNorLoaded), actorOf(req)),
    );

    app.post('/queues', { preValidation: adminOnly, schema: { tags, summary: 'Create a queue: stored, served to the switch over mod_xml_curl, then `queue load`', body: CreateQueue, response: { 201: QueueChange, ...errors(400, 401, 403, 409, 502, 503, 504) } } }, async (req, reply) => {
      // Creating a queue outside the scope is refused before anything is looked up (a 409 would tell it exists).
      if (!queueInScope(scopeOfRequest(req), req.body.name)) throw new ApiError(403, 'OUT_OF_SCOPE', 'that queue is not in this token\'s queues (TOKEN_QUEUES)');
      const change = await admin().create(req.body.name, req.body.params ?? {}, actorOf(req));
      reply.code(201);
      return change;
    });

    app.patch('/queues/:queue', { preValidation: adminOnly, schema: { tags, summary: 'Change a queue\'s parameters, then `queue reload` (the next call follows them)', params: QueueParams, body: PatchQueue, response: { 200: QueueChange, ...errors(400, 401, 403, 404, 409, 502, 503, 504) } } }, async (req) =>
      admin().update(own(req, req.params.queue), req.body.params, actorOf(req)),
    );

    app.post('/queues/:queue/takeover', { preValidation: adminOnly, schema: { tags, summary: 'Manage a queue of the switch\'s files over REST from now on (its parameters from `queue list`, or the ones given)', params: QueueParams, body: Type.Optional(TakeOverQueue), response: { 200: QueueChange, ...errors(400, 401, 403, 404, 409, 502, 503, 504) } } }, async (req) =>
      admin().takeOver(own(req, req.params.queue, notLoaded), req.body?.params, actorOf(req)),
    );

    app.delete('/queues/:queue', { preValidation: adminOnly, schema: { tags, summary: 'Remove a queue (`queue unload`); refused with callers waiting or tiers attached unless force=true. A taken-over queue goes back to the switch\'s files', params: QueueParams, querystring: DeleteQueueQuery, response: { 200: QueueChange, ...errors(400, 401, 403, 404, 409, 502, 503, 504) } } }, async (req) =>
      admin().remove(own(req, req.params.queue), req.query.force ?? false, actorOf(req)),
    );
  };
