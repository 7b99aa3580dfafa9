import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sample } from '../helpers/metrics.js';
import { startStack, waitFor, DeskClient, ADMIN, SUPERVISOR, type Stack } from '../helpers/stack.js';
import { assertError, raw } from '../helpers/http.js';

describe('health, metrics and the OpenAPI document', () => {
  let s: Stack;
  before(async () => {
    s = await startStack();
  });
  after(async () => {
    await s.stop();
  });

  it('/healthz and /readyz answer without a token; link details only with one', async () => {
    const h = await s.api('GET', '/healthz', undefined, null);
    assert.equal(h.status, 200);
    assert.deepEqual(h.body, { ok: true });
    const r = await s.api('GET', '/readyz', undefined, null);
    assert.equal(r.status, 200);
    assert.equal(r.body.ready, true);
    assert.equal(r.body.esl.state, 'up');
    assert.equal(r.body.esl.connected, true);
    assert.equal(r.body.redis, 'up');
    assert.deepEqual(Object.keys(r.body.esl).sort(), ['connected', 'state'], 'no link details without a token');
    const withToken = await s.api('GET', '/readyz');
    assert.equal(withToken.status, 200);
    assert.equal(typeof withToken.body.esl.since, 'string');
    assert.equal(withToken.body.esl.reconnects, 0);
    assert.ok('lastError' in withToken.body.esl);
  });

  it('/metrics has the link, command, event, socket, Redis and HTTP route metrics, and they move', async () => {
    const before = String((await s.api('GET', '/metrics', undefined, null)).body);
    for (const name of ['cc_esl_link_up', 'cc_esl_commands_total', 'cc_esl_command_duration_seconds_bucket', 'cc_esl_command_duration_seconds_count', 'cc_ws_connections', 'cc_redis_errors_total']) {
      assert.ok(before.includes(`\n${name}`) || before.startsWith(name), `${name} missing`);
    }
    for (const help of ['cc_esl_link_up', 'cc_esl_commands_total', 'cc_esl_command_duration_seconds', 'cc_events_total', 'cc_ws_connections', 'cc_redis_errors_total']) {
      assert.match(before, new RegExp(`# TYPE ${help} (gauge|counter|histogram)`));
    }
    assert.equal(sample(before, 'cc_esl_link_up'), 1);
    assert.equal(sample(before, 'cc_ws_connections'), 0);
    assert.equal(sample(before, 'cc_redis_errors_total'), 0);
    const okBefore = sample(before, 'cc_esl_commands_total{outcome="ok"}');

    assert.equal((await s.api('POST', '/api/agents', { name: '5001@default', contact: 'null/5001' })).status, 201);
    assert.equal((await s.api('PUT', '/api/agents/5001@default/status', { status: 'Available' })).status, 200);
    assertError(await s.api('POST', '/api/agents', { name: '5001@default', contact: 'null/5001' }), 409);
    const desk = await DeskClient.open(s.url);
    try {
      await waitFor(async () => sample(String((await s.api('GET', '/metrics')).body), 'cc_ws_connections') === 1, 'ws gauge');
    } finally {
      desk.close();
    }
    await waitFor(async () => sample(String((await s.api('GET', '/metrics')).body), 'cc_ws_connections') === 0, 'ws gauge back to 0');

    const text = String((await s.api('GET', '/metrics')).body);
    assert.ok(sample(text, 'cc_esl_commands_total{outcome="ok"}') >= okBefore + 4);
    assert.ok(sample(text, 'cc_esl_commands_total{outcome="error"}') >= 1);
    assert.ok(sample(text, 'cc_esl_command_duration_seconds_count') >= okBefore + 5);
    assert.ok(sample(text, 'cc_events_total{action="agent-status-change"}') >= 1);
    assert.ok(sample(text, 'cc_events_total{action="agent-add"}') >= 1);
    // fastify-metrics route metrics, by route pattern (not by raw URL) and status.
    assert.match(text, /http_request_duration_seconds_count\{method="POST",route="\/api\/agents",status_code="201"\} [1-9]/);
    assert.match(text, /http_request_duration_seconds_count\{method="POST",route="\/api\/agents",status_code="409"\} [1-9]/);
    assert.match(text, /http_request_duration_seconds_count\{method="PUT",route="\/api\/agents\/:agent\/status",status_code="200"\} [1-9]/);
    assert.match(text, /http_request_summary_seconds/);
    assert.ok(!text.includes('5001@default'), 'no per-agent label cardinality');
  });

  it('/docs/json is an OpenAPI document with every /api path, its methods and schemas', async () => {
    const res = await s.api('GET', '/docs/json', undefined, null);
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.match(doc.openapi, /^3\./);
    assert.ok(doc.components.securitySchemes.bearer);
    const expected: Record<string, string[]> = {
      '/api/agents': ['get', 'post'],
      '/api/agents/{agent}': ['get', 'patch', 'delete'],
      '/api/agents/{agent}/status': ['put'],
      '/api/tiers': ['get', 'post'],
      '/api/tiers/{queue}/{agent}': ['patch', 'delete'],
      '/api/queues': ['get', 'post'],
      '/api/queues/{queue}': ['get', 'patch', 'delete'],
      '/api/queues/{queue}/definition': ['get'],
      '/api/queues/{queue}/takeover': ['post'],
      '/api/queue-definitions': ['get'],
      '/api/queues/{queue}/members': ['get'],
      '/api/queues/{queue}/reload': ['post'],
      '/api/callers/{number}': ['put', 'get', 'delete'],
      '/api/audit': ['get'],
      '/api/calls/active': ['get'],
      '/api/calls/active/{memberSessionUuid}/hangup': ['post'],
      '/api/calls/active/{memberSessionUuid}/transfer': ['post'],
      '/api/calls/live': ['get'],
      '/api/calls': ['get'],
      '/api/calls/{memberUuid}': ['get'],
      '/api/calls.csv': ['get'],
      '/api/outbound': ['post'],
      '/api/outbound/actions': ['get'],
      '/api/outbound/{id}': ['get'],
      '/api/kpis': ['get'],
      '/api/wallboard': ['get'],
      '/api/wallboard/stream': ['get'],
      '/api/admin/drain': ['post'],
    };
    const apiPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/api'));
    assert.deepEqual(apiPaths.sort(), Object.keys(expected).sort());
    for (const [path, methods] of Object.entries(expected)) {
      assert.deepEqual(Object.keys(doc.paths[path]).filter((k) => k !== 'parameters').sort(), [...methods].sort(), path);
      for (const method of methods) {
        const op = doc.paths[path][method];
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(op.summary, `${where} summary`);
        assert.ok(op.tags?.length, `${where} tags`);
        // Path parameters are described with their schema.
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          const p = op.parameters?.find((x: { name: string; in: string }) => x.name === name && x.in === 'path');
          assert.ok(p?.schema?.type === 'string', `${where} parameter ${name}`);
        }
        // Bodies of writes.
        if (['post', 'patch', 'put'].includes(method) && !path.endsWith('/reload') && !path.endsWith('/drain') && !path.endsWith('/hangup')) {
          const schema = op.requestBody?.content?.['application/json']?.schema;
          assert.ok(schema?.type === 'object' || schema?.anyOf?.every((s: { type?: string }) => s.type === 'object'), `${where} request body schema`);
        }
        // A success schema and documented error bodies.
        const ok = Object.keys(op.responses).find((c) => /^2/.test(c));
        assert.ok(ok, `${where} success response`);
        if (ok !== '204') assert.ok(op.responses[ok].content?.['application/json']?.schema, `${where} ${ok} schema`);
        const errs = Object.keys(op.responses).filter((c) => /^[45]/.test(c));
        assert.ok(errs.includes('401'), `${where} documents 401`);
        for (const c of errs) {
          const schema = op.responses[c].content['application/json'].schema;
          assert.deepEqual(Object.keys(schema.properties), ['error'], `${where} ${c}`);
          assert.deepEqual(schema.properties.error.required.sort(), ['code', 'message']);
        }
      }
    }
    // A few documented constraints.
    const create = doc.paths['/api/agents'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(create.required.sort(), ['contact', 'name']);
    assert.equal(create.additionalProperties, false);
    assert.ok(create.properties.name.pattern);
    assert.equal(create.properties.password.minLength, 8);
    assert.ok(doc.paths['/api/agents'].post.responses['409']);
    assert.ok(doc.paths['/api/agents/{agent}/status'].put.requestBody.content['application/json'].schema.properties.status);
    assert.ok(doc.paths['/api/callers/{number}'].put.responses['413']);
    // The UI is served too.
    assert.equal((await raw(s.url, 'GET', '/docs/')).status, 200);
  });
});

describe('rate limit per token', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  });
  after(async () => {
    await s.stop();
  });

  it('429 with a JSON error once a token used its budget; other tokens and health endpoints are unaffected', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await s.api('GET', '/api/agents')).status, 200, `request ${i + 1}`);
    s.fs.clearReceived();
    const limited = await raw(s.url, 'GET', '/api/agents', { headers: { authorization: `Bearer ${ADMIN}` } });
    assertError(limited, 429, 'RATE_LIMITED');
    assert.match(limited.body.error.message, /5 requests per 1 minute/);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(limited.headers.get('x-ratelimit-limit'), '5');
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assertError(await s.api('POST', '/api/agents', { name: '5002@default', contact: 'null/5002' }), 429, 'RATE_LIMITED');
    assert.deepEqual(s.fs.received, [], 'limited requests send nothing');
    assert.equal(s.fs.agent('5002@default'), undefined);
    // The supervisor token has its own budget.
    assert.equal((await s.api('GET', '/api/agents', undefined, SUPERVISOR)).status, 200);
    // Health, readiness and metrics are outside /api and never limited.
    for (let i = 0; i < 8; i++) {
      assert.equal((await s.api('GET', '/healthz', undefined, null)).status, 200);
      assert.equal((await s.api('GET', '/readyz', undefined, null)).status, 200);
    }
    assert.equal((await s.api('GET', '/metrics', undefined, null)).status, 200);
    // Requests without a valid token share a budget per address and cannot spend a token's budget.
    for (let i = 0; i < 5; i++) assertError(await s.api('GET', '/api/agents', undefined, 'not-a-token-0000'), 401);
    assertError(await s.api('GET', '/api/agents', undefined, 'not-a-token-0000'), 429, 'RATE_LIMITED');
    for (let i = 0; i < 3; i++) assert.equal((await s.api('GET', '/api/agents', undefined, SUPERVISOR)).status, 200);
  });
});
