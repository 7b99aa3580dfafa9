import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, SUPERVISOR, type Stack } from '../helpers/stack.js';
import { assertError, writeCommands } from '../helpers/http.js';
import { FIXTURE_QUEUE } from '../../src/fsdouble/index.js';

const Q = 'support@default';
const SALES = 'sales@default';

describe('REST queues: list, detail with waiting callers, members, reload', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ double: { queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES, strategy: 'ring-all' }] } });
  });
  after(async () => {
    await s.stop();
  });

  it('GET /api/queues lists every loaded queue with its configuration and counts', async () => {
    const res = await s.api('GET', '/api/queues', undefined, SUPERVISOR);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.map((q: { name: string }) => q.name).sort(), [SALES, Q]);
    const support = res.body.find((q: { name: string }) => q.name === Q);
    assert.equal(support.config.strategy, 'longest-idle-agent');
    assert.equal(support.config.name, Q);
    assert.equal(res.body.find((q: { name: string }) => q.name === SALES).config.strategy, 'ring-all');
    assert.equal(support.waiting, 0);
    assert.equal(support.callsAnswered, 0);
    assert.equal(support.callsAbandoned, 0);
    assert.deepEqual(support.agentsByStatus, {});
  });

  it('a caller waiting with no agent available shows in the queue with its wait time, then is answered', async () => {
    const agent = '4001@default';
    assert.equal((await s.api('POST', '/api/agents', { name: agent, contact: 'null/4001' })).status, 201);
    assert.equal((await s.api('POST', '/api/tiers', { queue: Q, agent, level: 1, position: 2 })).status, 201);
    const joined = Math.floor(Date.now() / 1000);
    const ids = s.fs.injectCaller({ number: '15557654321', name: 'Carol' });
    await waitFor(() => s.fs.members(Q).some((m) => m.state === 'Waiting'), 'member waiting on the switch');

    const detail = await s.api('GET', `/api/queues/${Q}`, undefined, SUPERVISOR);
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    assert.equal(detail.body.name, Q);
    assert.equal(detail.body.waiting, 1);
    assert.equal(detail.body.members.length, 1);
    const m = detail.body.members[0];
    assert.equal(m.callerNumber, '15557654321');
    assert.equal(m.callerName, 'Carol');
    assert.equal(m.state, 'Waiting');
    assert.equal(m.sessionUuid, ids.memberSessionUuid);
    assert.equal(m.servingAgent, '');
    assert.ok(Math.abs(m.joinedAt - joined) <= 1, `${m.joinedAt} vs ${joined}`);
    assert.ok(Number.isInteger(m.waitS) && m.waitS >= 0 && m.waitS <= 2, String(m.waitS));
    assert.deepEqual(detail.body.agents, [{ name: agent, status: 'Logged Out', state: 'Waiting', level: 1, position: 2 }]);
    assert.deepEqual(detail.body.agentsByStatus, { 'Logged Out': 1 });
    assert.deepEqual(detail.body.agentsByState, { Waiting: 1 });

    const summary = (await s.api('GET', '/api/queues')).body.find((q: { name: string }) => q.name === Q);
    assert.equal(summary.waiting, 1);
    assert.equal((await s.api('GET', '/api/queues')).body.find((q: { name: string }) => q.name === SALES).waiting, 0);

    // The wait time grows while the caller waits (a real second has to pass).
    let members: Array<{ waitS: number; uuid: string }> = [];
    await waitFor(async () => {
      members = (await s.api('GET', `/api/queues/${Q}/members`, undefined, SUPERVISOR)).body;
      return members.length === 1 && members[0]!.waitS >= 1;
    }, 'wait time counting', 4000);
    assert.equal(members[0]!.uuid, m.uuid);
    assert.deepEqual((await s.api('GET', `/api/queues/${SALES}/members`)).body, []);

    // An agent becomes available: the switch offers and bridges the call.
    assert.equal((await s.api('PUT', `/api/agents/${agent}/status`, { status: 'Available' }, SUPERVISOR)).status, 200);
    await waitFor(async () => {
      const d = (await s.api('GET', `/api/queues/${Q}`)).body;
      return d.waiting === 0 && d.members.length === 1 && d.members[0].state === 'Answered';
    }, 'caller answered');
    const answered = (await s.api('GET', `/api/queues/${Q}`)).body;
    assert.equal(answered.members[0].servingAgent, agent);
    assert.deepEqual(answered.agentsByStatus, { Available: 1 });
    assert.deepEqual(answered.agentsByState, { 'In a queue call': 1 });
    s.fs.hangupCaller(ids.callerUuid);
    await waitFor(async () => (await s.api('GET', `/api/queues/${Q}/members`)).body.length === 0, 'member gone');
    await waitFor(async () => (await s.api('GET', '/api/queues')).body.find((q: { name: string }) => q.name === Q).callsAnswered === 1, 'answered counted');
  });

  it('POST /api/queues/:queue/reload reloads from the switch and resyncs', async () => {
    s.fs.clearReceived();
    const res = await s.api('POST', `/api/queues/${SALES}/reload`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { name: SALES, reloaded: true });
    assert.deepEqual(writeCommands(s.fs.received), [`api callcenter_config queue reload ${SALES}`]);
    // Followed by a full resync (lists of everything).
    for (const c of ['queue list', 'agent list', 'tier list']) assert.ok(s.fs.received.includes(`api callcenter_config ${c}`), c);
    assertError(await s.api('POST', `/api/queues/nosuch@default/reload`), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('POST', `/api/queues/${SALES}/reload`, undefined, SUPERVISOR), 403, 'FORBIDDEN');
  });
});
