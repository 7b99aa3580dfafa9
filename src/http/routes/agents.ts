import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adminOnly, anyRole } from '../auth.js';
import { actorOf, type HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { PartialChangeError } from '../../callcenter/service.js';
import { Agent, AgentParams, CreateAgent, PatchAgent, SetStatus, errors } from '../schemas.js';
import * as grammar from '../../callcenter/grammar.js';
import { agentNotFound, agentsInScope, hideOutside, scopeOfRequest } from '../scope.js';

export const agentRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { callCenter, passwords } = deps;
    const tags = ['agents'];
    /** A token limited to queues (TOKEN_QUEUES) reaches the agents with a tier in them; any other is a 404, as if missing. */
    const checkAgent = async (req: Parameters<typeof scopeOfRequest>[0], agent: string): Promise<void> => {
      const visible = await agentsInScope(callCenter, req, scopeOfRequest(req));
      if (visible) hideOutside(visible(agent), agentNotFound);
    };
    /** A new agent has no tier, and deleting one takes it out of every queue: only an unscoped token does either. */
    const unscopedOnly = (req: Parameters<typeof scopeOfRequest>[0], what: string): void => {
      if (scopeOfRequest(req).queues !== null) throw new ApiError(403, 'OUT_OF_SCOPE', `a token limited to queues (TOKEN_QUEUES) may not ${what}`);
    };

    app.get('/agents', { preValidation: anyRole, schema: { tags, summary: 'All agents (a scoped token: those with a tier in its queues), live from `agent list`', response: { 200: Type.Array(Agent), ...errors(401, 503, 504) } } }, async (req) => {
      const visible = await agentsInScope(callCenter, req, scopeOfRequest(req));
      const agents = await callCenter.listAgents(actorOf(req));
      return visible ? agents.filter((a) => visible(a.name)) : agents;
    });

    app.post(
      '/agents',
      { preValidation: adminOnly, schema: { tags, summary: 'Create an agent (all settings applied, or nothing)', body: CreateAgent, response: { 201: Agent, ...errors(400, 401, 403, 409, 502, 503, 504) } } },
      async (req, reply) => {
        unscopedOnly(req, 'create agents');
        const { name, password, ...settings } = req.body;
        grammar.agentName(name);
        grammar.contact(settings.contact);
        if (password !== undefined && deps.redis && deps.redis.status !== 'ready') throw new ApiError(503, 'REDIS_DOWN', 'Redis is not reachable; the agent password cannot be stored');
        const actor = actorOf(req, name);
        await callCenter.createAgent({ name, ...settings }, actor);
        if (password !== undefined) {
          try {
            await passwords.set(name, password);
          } catch (err) {
            try {
              await callCenter.deleteAgent(name, actor);
            } catch {
              throw new PartialChangeError(`agent ${name} was created but its password could not be stored, and it could not be removed`, err, [`agent ${name}`]);
            }
            throw err;
          }
        }
        reply.code(201);
        return callCenter.getAgent(name, actor);
      },
    );

    app.get('/agents/:agent', { preValidation: anyRole, schema: { tags, summary: 'One agent, live', params: AgentParams, response: { 200: Agent, ...errors(400, 401, 404, 503, 504) } } }, async (req) => {
      const name = grammar.agentName(req.params.agent);
      await checkAgent(req, name);
      return callCenter.getAgent(name, actorOf(req, name));
    });

    app.patch(
      '/agents/:agent',
      { preValidation: adminOnly, schema: { tags, summary: 'Change agent settings', params: AgentParams, body: PatchAgent, response: { 200: Agent, ...errors(400, 401, 403, 404, 502, 503, 504) } } },
      async (req) => {
        const name = grammar.agentName(req.params.agent);
        await checkAgent(req, name);
        const { password, ...patch } = req.body;
        if (patch.contact !== undefined) grammar.contact(patch.contact);
        const actor = actorOf(req, name);
        if (!deps.view.agents.has(name)) await callCenter.getAgent(name, actor);
        // Checked first, so that a password that cannot be stored stops the request before the switch changes.
        if (password !== undefined && deps.redis && deps.redis.status !== 'ready') throw new ApiError(503, 'REDIS_DOWN', 'Redis is not reachable; the agent password cannot be stored');
        await callCenter.updateAgent(name, patch, actor);
        if (password !== undefined) {
          try {
            await passwords.set(name, password);
            // Desk sessions opened with the old password end (open pages may not resume).
            await deps.sessions.revokeAgent(name);
          } catch (err) {
            if (Object.keys(patch).length === 0) throw err;
            throw new PartialChangeError(`agent ${name}: the settings were applied, the password was not`, err, Object.keys(patch));
          }
        }
        return callCenter.getAgent(name, actor);
      },
    );

    app.delete(
      '/agents/:agent',
      { preValidation: adminOnly, schema: { tags, summary: 'Delete an agent and its tiers', params: AgentParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 503, 504) } } },
      async (req, reply) => {
        unscopedOnly(req, 'delete agents');
        const name = grammar.agentName(req.params.agent);
        await callCenter.deleteAgent(name, actorOf(req, name));
        await Promise.all([passwords.delete(name), deps.sessions.revokeAgent(name)]).catch((err: Error) =>
          deps.logger.warn({ err: err.message, agent: name }, 'agent deleted but its password hash or desk sessions could not be removed'),
        );
        reply.code(204);
        return null;
      },
    );

    app.put(
      '/agents/:agent/status',
      {
        preValidation: anyRole,
        schema: { tags, summary: 'Set agent status (supervisors too)', params: AgentParams, body: SetStatus, response: { 200: Type.Object({ name: Type.String(), status: Type.String() }), ...errors(400, 401, 404, 503, 504) } },
      },
      async (req) => {
        const name = grammar.agentName(req.params.agent);
        const status = grammar.agentStatus(req.body.status);
        await checkAgent(req, name);
        await callCenter.setAgentStatus(name, status, actorOf(req, name));
        return { name, status };
      },
    );
  };
