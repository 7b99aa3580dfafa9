import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, SUPERVISOR, type Stack } from '../helpers/stack.js';
import { sample } from '../helpers/metrics.js';
import { assertError, writeCommands } from '../helpers/http.js';

const Q = 'support@default';
const TIMEOUT_MS = 400;

/** The value of a Prometheus sample line, 0 when absent. */
describe('REST failures: the switch silent, down, Redis down; create all-or-nothing', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ env: { ESL_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS) } });
  });
  after(async () => {
    s.fs.resume();
    await s.stop();
  });

  const linkUp = () => waitFor(async () => (await s.api('GET', '/readyz')).status === 200, 'gateway ready again', 8000);

  it('504 when the switch does not answer in time; the change may still land', async () => {
    s.fs.pause((c) => c.startsWith('api callcenter_config agent list'));
    const res = await s.api('GET', '/api/agents');
    assertError(res, 504, 'SWITCH_TIMEOUT');
    assert.match(res.body.error.message, new RegExp(`${TIMEOUT_MS} ms`));
    s.fs.resume();
    await linkUp();
    assert.equal((await s.api('GET', '/api/agents')).status, 200);

    assert.equal((await s.api('POST', '/api/agents', { name: '3001@default', contact: 'null/3001' })).status, 201);
    s.fs.pause((c) => c.includes('agent set status'));
    const st = await s.api('PUT', '/api/agents/3001@default/status', { status: 'Available' }, SUPERVISOR);
    assertError(st, 504, 'SWITCH_TIMEOUT');
    assert.match(st.body.error.message, /may or may not have been applied/);
    assert.equal(s.fs.agent('3001@default')?.status, 'Logged Out');
    s.fs.resume();
    // The late command is carried out: that is what "may or may not" means.
    await waitFor(() => s.fs.agent('3001@default')?.status === 'Available', 'late status applied');
    await linkUp();
  });

  it('create is all-or-nothing: a step that times out is rolled back with agent del', async () => {
    const name = '3002@default';
    s.fs.clearReceived();
    s.fs.pause((c) => c.includes('agent set wrap_up_time'));
    const pending = s.api('POST', '/api/agents', { name, contact: 'null/3002', wrapUpTime: 5, status: 'Available' });
    // add and contact were answered; wrap_up_time is held; after the timeout the gateway sends the rollback.
    await waitFor(() => s.fs.received.includes(`api callcenter_config agent del ${name}`), 'rollback sent', 4000);
    assert.ok(s.fs.agent(name), 'agent add was applied before the failing step');
    s.fs.resume();
    const res = await pending;
    assertError(res, 504, 'SWITCH_TIMEOUT');
    assert.deepEqual(writeCommands(s.fs.received), [
      `api callcenter_config agent add ${name} callback`,
      `api callcenter_config agent set contact ${name} null/3002`,
      `api callcenter_config agent set wrap_up_time ${name} 5`,
      `api callcenter_config agent del ${name}`,
    ]);
    assert.equal(s.fs.agent(name), undefined, 'nothing left on the switch');
    assert.ok(!s.gw.view.agents.has(name), 'nor in the view');
    assertError(await s.api('GET', `/api/agents/${name}`), 404, 'AGENT_NOT_FOUND');
    await linkUp();
  });

  it('create that fails half-way and cannot be rolled back reports 502 PARTIAL_CHANGE with what was applied', async () => {
    const name = '3003@default';
    const reconnects = s.gw.callCenter.linkState().reconnects;
    s.fs.pause((c) => c.includes('agent set wrap_up_time'));
    const res = await s.api('POST', '/api/agents', { name, contact: 'null/3003', wrapUpTime: 5 });
    assertError(res, 502, 'PARTIAL_CHANGE');
    assert.equal(res.body.error.cause, 'SWITCH_TIMEOUT');
    assert.deepEqual(res.body.error.applied, [`callcenter_config agent add ${name} callback`, `callcenter_config agent set contact ${name} null/3003`]);
    assert.match(res.body.error.message, /could not be removed/);
    // The gateway drops the wedged link and connects again; the double sees the old connection closed
    // (two remain: the new command/event link and the bulk-read link, which was never wedged).
    await waitFor(
      () => s.gw.callCenter.ready && s.gw.callCenter.linkState().reconnects > reconnects && s.fs.connectionCount === 2,
      'wedged link replaced',
      4000,
    );
    // What the old connection still held dies with it: the half-made agent stays as it is.
    s.fs.resume();
    await linkUp();
    const got = await s.api('GET', `/api/agents/${name}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.contact, 'null/3003');
    assert.equal((await s.api('DELETE', `/api/agents/${name}`)).status, 204);
  });

  it('503 ESL_DOWN while the switch is down (readyz says esl down), and back to 200 when it returns', async () => {
    assert.equal((await s.api('POST', '/api/agents', { name: '3004@default', contact: 'null/3004' })).status, 201);
    assert.equal((await s.api('POST', '/api/tiers', { queue: Q, agent: '3004@default' })).status, 201);
    await s.fs.stop();
    await waitFor(() => !s.gw.callCenter.ready, 'link down');
    const ready = await s.api('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.ready, false);
    assert.equal(ready.body.esl.state, 'down');
    assert.equal(ready.body.esl.connected, false);
    assert.equal(ready.body.redis, 'up');
    assert.equal((await s.api('GET', '/healthz')).status, 200, 'alive all the same');

    const calls: Array<[string, string, unknown]> = [
      ['GET', '/api/agents', undefined],
      ['GET', '/api/agents/3004@default', undefined],
      ['POST', '/api/agents', { name: '3005@default', contact: 'null/3005' }],
      ['PATCH', '/api/agents/3004@default', { wrapUpTime: 9 }],
      ['PUT', '/api/agents/3004@default/status', { status: 'Available' }],
      ['DELETE', '/api/agents/3004@default', undefined],
      ['GET', '/api/tiers', undefined],
      ['POST', '/api/tiers', { queue: Q, agent: '3004@default', level: 3 }],
      ['PATCH', `/api/tiers/${Q}/3004@default`, { level: 3 }],
      ['DELETE', `/api/tiers/${Q}/3004@default`, undefined],
      ['GET', '/api/queues', undefined],
      ['GET', `/api/queues/${Q}`, undefined],
      ['GET', `/api/queues/${Q}/members`, undefined],
      ['POST', `/api/queues/${Q}/reload`, undefined],
    ];
    for (const [method, path, body] of calls) {
      const res = await s.api(method, path, body);
      assertError(res, 503, 'ESL_DOWN');
      assert.match(res.body.error.message, /not reachable/);
    }
    // Redis-only parts keep working.
    assert.equal((await s.api('PUT', '/api/callers/5551000', { name: 'x' })).status, 200);
    assert.equal((await s.api('GET', '/api/audit?limit=5')).status, 200);
    const metrics = String((await s.api('GET', '/metrics')).body);
    assert.equal(sample(metrics, 'cc_esl_link_up'), 0);
    assert.equal(sample(metrics, 'cc_esl_bulk_link_up'), 0);

    await s.fs.restart({ keepState: true });
    await linkUp();
    const back = await s.api('GET', '/readyz');
    assert.equal(back.body.esl.state, 'up');
    assert.ok(back.body.esl.reconnects >= 1);
    assert.equal(sample(String((await s.api('GET', '/metrics')).body), 'cc_esl_link_up'), 1);
    await waitFor(async () => sample(String((await s.api('GET', '/metrics')).body), 'cc_esl_bulk_link_up') === 1, 'bulk link up again');
    // Nothing of what was refused happened.
    assert.equal(s.fs.agent('3005@default'), undefined);
    assert.equal(s.fs.agent('3004@default')?.wrapUpTime, 0);
    assert.equal(s.fs.agent('3004@default')?.status, 'Logged Out');
    assert.equal(s.fs.tiers().find((t) => t.agent === '3004@default')?.level, 1);
    assert.equal((await s.api('GET', '/api/agents/3004@default')).status, 200);
  });

  it('503 REDIS_DOWN while Redis is down (readyz says redis down), and back when it returns', async () => {
    assert.equal((await s.api('PUT', '/api/callers/5552000', { name: 'before' })).status, 200);
    const errorsBefore = sample(String((await s.api('GET', '/metrics')).body), 'cc_redis_errors_total');
    await s.redis.stop();
    await waitFor(async () => (await s.api('GET', '/readyz')).status === 503, 'readyz 503');
    const ready = await s.api('GET', '/readyz');
    assert.equal(ready.body.ready, false);
    assert.equal(ready.body.redis, 'down');
    assert.equal(ready.body.esl.state, 'up');

    assertError(await s.api('PUT', '/api/callers/5552000', { name: 'during' }), 503, 'REDIS_DOWN');
    assertError(await s.api('GET', '/api/callers/5552000'), 503, 'REDIS_DOWN');
    assertError(await s.api('DELETE', '/api/callers/5552000'), 503, 'REDIS_DOWN');
    assertError(await s.api('GET', '/api/audit', undefined, SUPERVISOR), 503, 'REDIS_DOWN');
    // An agent with a password is refused before anything reaches the switch.
    s.fs.clearReceived();
    assertError(await s.api('POST', '/api/agents', { name: '3006@default', contact: 'null/3006', password: 'desk-pass-3006' }), 503, 'REDIS_DOWN');
    assert.deepEqual(writeCommands(s.fs.received), []);
    assert.equal(s.fs.agent('3006@default'), undefined);
    // The switch side still works without Redis (the audit write fails quietly and is counted).
    assert.equal((await s.api('POST', '/api/agents', { name: '3007@default', contact: 'null/3007' })).status, 201);
    assert.equal((await s.api('PUT', '/api/agents/3007@default/status', { status: 'Available' })).status, 200);
    await waitFor(async () => sample(String((await s.api('GET', '/metrics')).body), 'cc_redis_errors_total') > errorsBefore, 'redis errors counted');

    await s.redis.start();
    await waitFor(async () => (await s.api('GET', '/readyz')).status === 200, 'readyz 200 again', 8000);
    assert.equal((await s.api('GET', '/readyz')).body.redis, 'up');
    // A fresh redis-server: the old record is gone, new writes work.
    assertError(await s.api('GET', '/api/callers/5552000'), 404, 'CALLER_NOT_FOUND');
    assert.equal((await s.api('PUT', '/api/callers/5552000', { name: 'after' })).status, 200);
    assert.deepEqual((await s.api('GET', '/api/callers/5552000')).body, { number: '5552000', record: { name: 'after' } });
    assert.equal((await s.api('GET', '/api/audit?limit=1')).status, 200);
  });

  it('create is all-or-nothing: Redis failing after the agent was made on the switch removes the agent again', async () => {
    const name = '3008@default';
    s.fs.clearReceived();
    // Hold the last switch step, take Redis away meanwhile, then let the switch answer: the password cannot be stored.
    s.fs.pause((c) => c.includes(`agent set contact ${name}`));
    const pending = s.api('POST', '/api/agents', { name, contact: 'null/3008', password: 'desk-pass-3008' });
    await waitFor(() => s.fs.received.some((r) => r.includes(`agent set contact ${name}`)), 'contact step sent');
    await s.redis.stop();
    await waitFor(() => s.gw.redis?.status !== 'ready', 'gateway sees Redis gone');
    s.fs.resume();
    const res = await pending;
    assertError(res, 503, 'REDIS_DOWN');
    assert.deepEqual(writeCommands(s.fs.received), [
      `api callcenter_config agent add ${name} callback`,
      `api callcenter_config agent set contact ${name} null/3008`,
      `api callcenter_config agent del ${name}`,
    ]);
    assert.equal(s.fs.agent(name), undefined, 'the agent was removed again');
    assert.ok(!s.gw.view.agents.has(name));
    await s.redis.start();
    await waitFor(async () => (await s.api('GET', '/readyz')).status === 200, 'readyz 200 again', 8000);
  });
});
