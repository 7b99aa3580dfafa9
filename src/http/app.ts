import Fastify, { type FastifyPluginCallback, type FastifyReply } from 'fastify';
import type { IMetricsPluginOptions } from 'fastify-metrics';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import metricsModule from 'fastify-metrics';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { tokenResolver } from './auth.js';
import { validatorCompiler } from './validation.js';
import type { HttpDeps } from './deps.js';
import { errorBody, toApiError } from './errors.js';
import { agentRoutes } from './routes/agents.js';
import { tierRoutes } from './routes/tiers.js';
import { queueRoutes } from './routes/queues.js';
import { callerRoutes } from './routes/callers.js';
import { auditRoutes } from './routes/audit.js';
import { callRoutes } from './routes/calls.js';
import { activeCallRoutes } from './routes/active-calls.js';
import { outboundRoutes } from './routes/outbound.js';
import { kpiRoutes } from './routes/kpis.js';
import { wallboardRoutes } from './routes/wallboard.js';
import { wallboardPage } from './wallboard-page.js';
import { drainRoutes } from './routes/drain.js';
import { queueDefinitionRoutes } from './routes/queue-definitions.js';
import { callControlRoutes } from './routes/call-controls.js';

// fastify-metrics is CommonJS with `exports.default`: under ESM its plugin is one level down.
const metricsPlugin = ((metricsModule as unknown as { default?: unknown }).default ?? metricsModule) as FastifyPluginCallback<Partial<IMetricsPluginOptions>>;

/** Builds the Fastify app: plugins, auth, error mapping, routes. Listening is the caller's business. */
export async function buildHttpApp(deps: HttpDeps) {
  const app = Fastify({
    // Request lines are info; the API's own warnings (refused input) and errors stay.
    loggerInstance: deps.logger.child({ part: 'http' }, { level: deps.logger.isLevelEnabled('debug') ? 'debug' : deps.logger.isLevelEnabled('warn') ? 'warn' : deps.logger.level }),
    bodyLimit: 64 * 1024,
    // Names may be 128 characters (grammar.ts); the router's default of 100 made valid ones unroutable.
    routerOptions: { maxParamLength: 256 },
    // Bad percent-encoding and over-long parameters are refused by the router itself: same error body as the rest.
    frameworkErrors: (err, _req, reply) => {
      const e = toApiError(err);
      void (reply as FastifyReply).code(e.status).send(errorBody(e));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  const resolve = tokenResolver(deps.config.tokens);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    req.principal = resolve(req.headers.authorization);
  });

  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err);
    if (e.status >= 500) req.log.error({ err, url: req.url }, 'request failed');
    else if (e.code === 'INVALID_INPUT') req.log.warn({ url: req.url.slice(0, 200), reason: e.message, principal: req.principal?.name }, 'invalid input refused');
    reply.code(e.status).send(errorBody(e));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.replace(/\?.*/s, '').slice(0, 100)}` } });
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'FreeSWITCH call center gateway', version: '0.1.0', description: 'Admin and supervisor API over mod_callcenter. Errors are `{ "error": { "code", "message" } }`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(metricsPlugin, {
    endpoint: '/metrics',
    defaultMetrics: { enabled: true, register: deps.metrics.registry },
    routeMetrics: {
      enabled: true,
      overrides: { histogram: { registers: [deps.metrics.registry] }, summary: { registers: [deps.metrics.registry] } },
    },
  });

  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive' } }, async () => ({ ok: true }));
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: '200 only when the ESL link is up (with several switches: at least one), Redis answers and the instance is not draining',
        description: 'Open to probes without a token. The link details (since, lastError, reconnects, attempts) are given only to a request with a valid token: an error text can name internal addresses.',
        response: { '2xx': ReadyBody, 503: ReadyBody },
      },
    },
    async (req, reply) => {
      const link = deps.callCenter.linkState();
      let redis = deps.redis === null ? 'not used' : 'down';
      if (deps.redis) {
        try {
          await deps.redis.ping();
          redis = 'up';
        } catch {
          redis = 'down';
        }
      }
      const draining = deps.drain?.draining ?? false;
      const ok = link.connected && redis !== 'down' && !draining;
      reply.code(ok ? 200 : 503);
      const state = link.connected ? 'up' : 'down';
      const esl = req.principal ? { ...link, state } : { state, connected: link.connected };
      // Several switches: ready while one is up (the others' calls are gone, agents are shared); each listed by id.
      const switches = deps.switches?.().map((s) => ({ id: s.id, connected: s.connected }));
      return { ready: ok, esl, redis, ...(draining ? { draining } : {}), ...(switches ? { switches } : {}) };
    },
  );

  await app.register(
    async (api) => {
      await api.register(rateLimit, {
        max: deps.config.rateLimitPerMinute,
        timeWindow: '1 minute',
        keyGenerator: (req) => (req.principal ? `token:${req.principal.name}` : `ip:${req.ip}`),
        errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: { code: 'RATE_LIMITED', message: `rate limit of ${ctx.max} requests per ${ctx.after} exceeded` } }),
      });
      await api.register(agentRoutes(deps));
      await api.register(tierRoutes(deps));
      await api.register(queueRoutes(deps));
      await api.register(callerRoutes(deps));
      await api.register(auditRoutes(deps));
      await api.register(activeCallRoutes(deps));
      await api.register(callControlRoutes(deps));
      await api.register(callRoutes(deps));
      await api.register(outboundRoutes(deps));
      await api.register(kpiRoutes(deps));
      await api.register(wallboardRoutes(deps));
      await api.register(drainRoutes(deps));
      await api.register(queueDefinitionRoutes(deps));
    },
    { prefix: '/api' },
  );

  await app.register(fastifyStatic, { root: deps.webRoot, prefix: '/', index: ['index.html'] });
  await app.register(wallboardPage);
  // The supervisor console (web/supervisor.html; its socket is /supervisor/ws).
  app.get('/supervisor', { schema: { hide: true } }, (_req, reply) => reply.sendFile('supervisor.html'));
  return app;
}

const ReadyBody = Type.Object({
  ready: Type.Boolean(),
  esl: Type.Object({
    state: Type.String(),
    connected: Type.Boolean(),
    since: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    lastError: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    reconnects: Type.Optional(Type.Integer()),
    attempts: Type.Optional(Type.Integer()),
  }),
  redis: Type.String({ description: 'up, down, or not used' }),
  draining: Type.Optional(Type.Boolean({ description: 'true while this instance drains for a deploy (not ready)' })),
  switches: Type.Optional(Type.Array(Type.Object({ id: Type.String(), connected: Type.Boolean() }), { description: 'ESL_HOSTS with several switches: each switch by id; the instance is ready while one is connected' })),
});
