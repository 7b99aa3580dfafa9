import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { adminOnly, anyRole } from '../auth.js';
import { actorOf, type HttpDeps } from '../deps.js';
import { Member, QueueDetail, QueueParams, QueueSummary, errors } from '../schemas.js';
import * as grammar from '../../callcenter/grammar.js';
import { CallcenterError } from '../../callcenter/replies.js';
import type { MemberView, ViewReader } from '../../callcenter/state.js';
import { queueInScope } from '../../supervisor/scope.js';
import { hideOutside, queueNotFound, scopeOfRequest } from '../scope.js';

function memberOut(m: MemberView, nowS: number) {
  const end = m.state === 'Answered' ? m.bridgeEpoch : m.state === 'Abandoned' ? m.abandonedEpoch : nowS;
  return {
    uuid: m.uuid,
    sessionUuid: m.sessionUuid,
    callerNumber: m.cidNumber,
    callerName: m.cidName,
    state: m.state,
    servingAgent: m.servingAgent,
    joinedAt: m.joinedEpoch,
    waitS: Math.max(0, (end || nowS) - m.joinedEpoch),
  };
}

function agentsOf(view: ViewReader, queue: string) {
  const byStatus: Record<string, number> = {};
  const byState: Record<string, number> = {};
  const agents = view.tiersOfQueue(queue).flatMap((t) => {
    const a = view.agents.get(t.agent);
    if (!a) return [];
    byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    byState[a.state] = (byState[a.state] ?? 0) + 1;
    return [{ name: a.name, status: a.status, state: a.state, level: t.level, position: t.position }];
  });
  return { byStatus, byState, agents };
}

export const queueRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { callCenter, view } = deps;
    const tags = ['queues'];

    app.get('/queues', { preValidation: anyRole, schema: { tags, summary: 'Queues: configuration from `queue list` plus live counts', response: { 200: Type.Array(QueueSummary), ...errors(401, 503, 504) } } }, async (req) => {
      const scope = scopeOfRequest(req);
      const queues = (await callCenter.listQueues(actorOf(req))).filter((q) => queueInScope(scope, q.name));
      return queues.map((q) => ({
        name: q.name,
        config: q.config,
        waiting: view.waitingCount(q.name),
        callsAnswered: q.callsAnswered,
        callsAbandoned: q.callsAbandoned,
        agentsByStatus: agentsOf(view, q.name).byStatus,
      }));
    });

    app.get('/queues/:queue', { preValidation: anyRole, schema: { tags, summary: 'One queue: waiting callers, agents by status and state, counters', params: QueueParams, response: { 200: QueueDetail, ...errors(400, 401, 404, 503, 504) } } }, async (req) => {
      const name = grammar.queueName(req.params.queue);
      hideOutside(queueInScope(scopeOfRequest(req), name), queueNotFound);
      const members = await callCenter.listMembers(name, actorOf(req));
      const q = view.queues.get(name);
      // Unloaded between the two reads (a reload elsewhere).
      if (!q) throw new CallcenterError('QUEUE_NOT_FOUND', '-ERR Queue not found!');
      const nowS = Math.floor(Date.now() / 1000);
      const { byStatus, byState, agents } = agentsOf(view, name);
      return {
        name,
        config: q.config,
        waiting: members.filter((m) => m.state === 'Waiting' || m.state === 'Trying').length,
        callsAnswered: q.callsAnswered,
        callsAbandoned: q.callsAbandoned,
        agentsByStatus: byStatus,
        agentsByState: byState,
        agents,
        members: members.map((m) => memberOut(m, nowS)),
      };
    });

    app.get('/queues/:queue/members', { preValidation: anyRole, schema: { tags, summary: 'Callers in the queue, live', params: QueueParams, response: { 200: Type.Array(Member), ...errors(400, 401, 404, 503, 504) } } }, async (req) => {
      const name = grammar.queueName(req.params.queue);
      hideOutside(queueInScope(scopeOfRequest(req), name), queueNotFound);
      const members = await callCenter.listMembers(name, actorOf(req));
      const nowS = Math.floor(Date.now() / 1000);
      return members.map((m) => memberOut(m, nowS));
    });

    app.post('/queues/:queue/reload', { preValidation: adminOnly, schema: { tags, summary: 'Reload the queue configuration from the switch XML', params: QueueParams, response: { 200: Type.Object({ name: Type.String(), reloaded: Type.Boolean() }), ...errors(400, 401, 403, 404, 503, 504) } } }, async (req) => {
      const name = grammar.queueName(req.params.queue);
      hideOutside(queueInScope(scopeOfRequest(req), name), queueNotFound);
      await callCenter.reloadQueue(name, actorOf(req));
      return { name, reloaded: true };
    });
  };
