import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adminOnly, anyRole } from '../auth.js';
import { actorOf, type HttpDeps } from '../deps.js';
import { CreateTier, PatchTier, Tier, TierParams, TierQuery, errors } from '../schemas.js';
import * as grammar from '../../callcenter/grammar.js';
import { queueInScope } from '../../supervisor/scope.js';
import { agentNotFound, agentsInScope, checkQueueFilter, hideOutside, queueNotFound, scopeOfRequest, tierNotFound } from '../scope.js';

export const tierRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { callCenter, view } = deps;
    const tags = ['tiers'];

    app.get('/tiers', { preValidation: anyRole, schema: { tags, summary: 'Tiers, live from `tier list`', querystring: TierQuery, response: { 200: Type.Array(Tier), ...errors(400, 401, 403, 503, 504) } } }, async (req) => {
      // Tier changes made elsewhere fire no event, so read the switch, not the view.
      const scope = scopeOfRequest(req);
      checkQueueFilter(scope, req.query.queue || undefined);
      let tiers = (await callCenter.listTiers(actorOf(req))).filter((t) => queueInScope(scope, t.queue));
      if (req.query.queue) tiers = tiers.filter((t) => t.queue === req.query.queue);
      if (req.query.agent) tiers = tiers.filter((t) => t.agent === req.query.agent);
      return tiers;
    });

    app.post('/tiers', { preValidation: adminOnly, schema: { tags, summary: 'Put an agent in a queue', body: CreateTier, response: { 201: Tier, ...errors(400, 401, 403, 404, 409, 503, 504) } } }, async (req, reply) => {
      const queue = grammar.queueName(req.body.queue);
      const agent = grammar.agentName(req.body.agent);
      // A scoped token puts its own agents into its own queues; anything else reads as missing.
      const scope = scopeOfRequest(req);
      hideOutside(queueInScope(scope, queue), queueNotFound);
      const visible = await agentsInScope(callCenter, req, scope);
      if (visible) hideOutside(visible(agent), agentNotFound);
      const level = req.body.level ?? 1;
      const position = req.body.position ?? 1;
      await callCenter.addTier(queue, agent, level, position, actorOf(req, agent));
      reply.code(201);
      return view.getTier(queue, agent) ?? { queue, agent, state: 'Ready', level, position };
    });

    app.patch(
      '/tiers/:queue/:agent',
      { preValidation: adminOnly, schema: { tags, summary: 'Change a tier', params: TierParams, body: PatchTier, response: { 200: Tier, ...errors(400, 401, 403, 404, 503, 504) } } },
      async (req) => {
        const queue = grammar.queueName(req.params.queue);
        const agent = grammar.agentName(req.params.agent);
        hideOutside(queueInScope(scopeOfRequest(req), queue), tierNotFound);
        await callCenter.updateTier(queue, agent, req.body, actorOf(req, agent));
        return view.getTier(queue, agent)!;
      },
    );

    app.delete(
      '/tiers/:queue/:agent',
      { preValidation: adminOnly, schema: { tags, summary: 'Take an agent out of a queue', params: TierParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 503, 504) } } },
      async (req, reply) => {
        const queue = grammar.queueName(req.params.queue);
        const agent = grammar.agentName(req.params.agent);
        hideOutside(queueInScope(scopeOfRequest(req), queue), tierNotFound);
        await callCenter.deleteTier(queue, agent, actorOf(req, agent));
        reply.code(204);
        return null;
      },
    );
  };
