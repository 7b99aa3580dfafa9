/**
 * The per-token queue scope (TOKEN_QUEUES) on the REST reads and actions that
 * need no database: agents, tiers, queues, calls in progress and their
 * controls, the audit trail. A token limited to sales@default sees only
 * sales's rows; an object of another queue answers exactly what a missing one
 * does; a queue filter outside the scope is 403 OUT_OF_SCOPE; nothing outside
 * reaches the switch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, SUPERVISOR, startStack, waitFor, type Stack } from '../helpers/stack.js';
import { assertError } from '../helpers/http.js';
import { addAgent } from '../realtime/desk-helpers.js';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';

const SUPPORT = 'support@default';
const SALES = 'sales@default';
const SCOPED = 'sales-only-token-0123456789';
const SCOPED_ADMIN = 'sales-admin-token-0123456789';
const P1 = '5001@default'; // support only
const S1 = '5002@default'; // sales only
const BOTH = '5003@default'; // both queues
const LONE = '5004@default'; // no tier at all

const names = (rows: Array<{ name: string }>) => rows.map((r) => r.name).sort();

describe('REST queue scope (TOKEN_QUEUES)', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({
      double: {
        queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }],
        dialplan: { '7000': { queue: SUPPORT }, '7100': { queue: SALES } },
      },
      env: {
        QUEUES: `${SUPPORT},${SALES}`,
        API_TOKENS: `boss:admin:${ADMIN},watcher:supervisor:${SUPERVISOR},salesboss:supervisor:${SCOPED},salesadmin:admin:${SCOPED_ADMIN}`,
        TOKEN_QUEUES: `salesboss=${SALES},salesadmin=${SALES}`,
      },
    });
    await addAgent(s, P1, { queue: SUPPORT, status: 'On Break' });
    await addAgent(s, S1, { queue: SALES, status: 'On Break' });
    await addAgent(s, BOTH, { queue: SUPPORT, status: 'On Break' });
    assert.equal((await s.api('POST', '/api/tiers', { queue: SALES, agent: BOTH })).status, 201);
    await addAgent(s, LONE, { queue: null, status: 'On Break' });
  });
  after(async () => {
    await s.stop();
  });

  it('agents: a scoped token lists and reads the agents with a tier in its queues; any other is the 404 of a missing agent', async () => {
    const all = await s.api('GET', '/api/agents', undefined, SUPERVISOR);
    assert.deepEqual(names(all.body).filter((n) => n.startsWith('500')), [P1, S1, BOTH, LONE].sort());
    const mine = await s.api('GET', '/api/agents', undefined, SCOPED);
    assert.equal(mine.status, 200);
    assert.deepEqual(names(mine.body), [S1, BOTH].sort(), 'no support-only agent, no agent without a tier');
    assert.equal((await s.api('GET', `/api/agents/${S1}`, undefined, SCOPED)).status, 200);
    assert.equal((await s.api('GET', `/api/agents/${BOTH}`, undefined, SCOPED)).status, 200);
    const missing = await s.api('GET', '/api/agents/5999@default', undefined, SCOPED);
    assertError(missing, 404, 'AGENT_NOT_FOUND');
    for (const other of [P1, LONE]) {
      const r = await s.api('GET', `/api/agents/${other}`, undefined, SCOPED);
      assert.deepEqual([r.status, r.body], [missing.status, missing.body], `${other} reads as missing`);
    }
  });

  it('agents: a scoped token sets the status of its agents only; a scoped admin changes its agents only and creates or deletes none', async () => {
    assert.equal((await s.api('PUT', `/api/agents/${S1}/status`, { status: 'Logged Out' }, SCOPED)).status, 200);
    assert.equal(s.fs.agent(S1)?.status, 'Logged Out');
    const from = s.fs.received.length;
    assertError(await s.api('PUT', `/api/agents/${P1}/status`, { status: 'Logged Out' }, SCOPED), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('PATCH', `/api/agents/${P1}`, { maxNoAnswer: 7 }, SCOPED_ADMIN), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('POST', '/api/agents', { name: '5998@default', contact: 'null/x' }, SCOPED_ADMIN), 403, 'OUT_OF_SCOPE');
    assertError(await s.api('POST', '/api/agents', { name: P1, contact: 'null/x' }, SCOPED_ADMIN), 403, 'OUT_OF_SCOPE');
    assertError(await s.api('DELETE', `/api/agents/${S1}`, undefined, SCOPED_ADMIN), 403, 'OUT_OF_SCOPE');
    assert.deepEqual(
      s.fs.received.slice(from).filter((c) => /agent (set|add|del)/.test(c)),
      [],
      'nothing about another queue\'s agent reached the switch',
    );
    assert.equal(s.fs.agent(P1)?.status, 'On Break');
    assert.equal((await s.api('PATCH', `/api/agents/${S1}`, { maxNoAnswer: 7 }, SCOPED_ADMIN)).status, 200);
    assert.equal(s.fs.agent(S1)?.maxNoAnswer, 7);
  });

  it('tiers: listed within the scope; a queue filter outside is 403; changes only in the scope\'s queues', async () => {
    const tiers = await s.api('GET', '/api/tiers', undefined, SCOPED);
    assert.equal(tiers.status, 200);
    const mine = (tiers.body as Array<{ queue: string; agent: string }>).filter((t) => t.agent.startsWith('500'));
    assert.deepEqual(mine.map((t) => `${t.queue} ${t.agent}`).sort(), [`${SALES} ${BOTH}`, `${SALES} ${S1}`].sort());
    assert.ok((tiers.body as Array<{ queue: string }>).every((t) => t.queue === SALES));
    assert.deepEqual((await s.api('GET', `/api/tiers?agent=${BOTH}`, undefined, SCOPED)).body.map((t: { queue: string }) => t.queue), [SALES]);
    assertError(await s.api('GET', `/api/tiers?queue=${SUPPORT}`, undefined, SCOPED), 403, 'OUT_OF_SCOPE');
    assertError(await s.api('GET', '/api/tiers?queue=nowhere@default', undefined, SCOPED), 403, 'OUT_OF_SCOPE');

    const from = s.fs.received.length;
    const missingTier = await s.api('PATCH', `/api/tiers/${SALES}/${P1}`, { level: 2 }, SCOPED_ADMIN);
    assertError(missingTier, 404, 'TIER_NOT_FOUND');
    const other = await s.api('PATCH', `/api/tiers/${SUPPORT}/${BOTH}`, { level: 2 }, SCOPED_ADMIN);
    assert.deepEqual([other.status, other.body], [missingTier.status, missingTier.body], 'another queue\'s tier reads as missing');
    assertError(await s.api('DELETE', `/api/tiers/${SUPPORT}/${P1}`, undefined, SCOPED_ADMIN), 404, 'TIER_NOT_FOUND');
    assertError(await s.api('POST', '/api/tiers', { queue: SUPPORT, agent: S1 }, SCOPED_ADMIN), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('POST', '/api/tiers', { queue: SALES, agent: P1 }, SCOPED_ADMIN), 404, 'AGENT_NOT_FOUND');
    assert.deepEqual(s.fs.received.slice(from).filter((c) => c.includes('tier add') || c.includes('tier set') || c.includes('tier del')), []);
    assert.equal((await s.api('PATCH', `/api/tiers/${SALES}/${BOTH}`, { level: 3 }, SCOPED_ADMIN)).status, 200);
    assert.equal(s.fs.tiers().find((t) => t.queue === SALES && t.agent === BOTH)?.level, 3);
  });

  it('queues: listed within the scope; another queue is the 404 of a missing one, for reads and the admin reload', async () => {
    assert.deepEqual(names((await s.api('GET', '/api/queues', undefined, SUPERVISOR)).body), [SALES, SUPPORT]);
    assert.deepEqual(names((await s.api('GET', '/api/queues', undefined, SCOPED)).body), [SALES]);
    const sales = await s.api('GET', `/api/queues/${SALES}`, undefined, SCOPED);
    assert.equal(sales.status, 200);
    assert.deepEqual(sales.body.agents.map((a: { name: string }) => a.name).sort(), [S1, BOTH].sort());
    const missing = await s.api('GET', '/api/queues/nowhere@default', undefined, SCOPED);
    assertError(missing, 404, 'QUEUE_NOT_FOUND');
    for (const path of [`/api/queues/${SUPPORT}`, `/api/queues/${SUPPORT}/members`]) {
      const r = await s.api('GET', path, undefined, SCOPED);
      assert.deepEqual([r.status, r.body], [missing.status, missing.body], path);
    }
    const from = s.fs.received.length;
    assertError(await s.api('POST', `/api/queues/${SUPPORT}/reload`, undefined, SCOPED_ADMIN), 404, 'QUEUE_NOT_FOUND');
    assert.equal(s.fs.received.slice(from).some((c) => c.includes('queue reload')), false);
  });

  it('calls in progress and their controls: another queue\'s call is not listed, not acted on, and reads as missing', async () => {
    for (const a of [P1, S1, BOTH]) assert.equal((await s.api('PUT', `/api/agents/${a}/status`, { status: a === BOTH ? 'On Break' : 'Available' })).status, 200);
    const support = s.fs.injectCaller({ number: '15550007001', name: 'Support Caller', destination: '7000' });
    const sales = s.fs.injectCaller({ number: '15550007100', name: 'Sales Caller', destination: '7100' });
    await waitFor(() => s.gw.calls.ofAgent(P1)?.phase === 'bridged' && s.gw.calls.ofAgent(S1)?.phase === 'bridged', 'both calls bridged');
    const supportCall = s.gw.calls.ofAgent(P1)!;
    const salesCall = s.gw.calls.ofAgent(S1)!;

    const all = await s.api('GET', '/api/calls/active', undefined, SUPERVISOR);
    assert.deepEqual(all.body.map((c: { queue: string }) => c.queue).sort(), [SALES, SUPPORT]);
    const mine = await s.api('GET', '/api/calls/active', undefined, SCOPED);
    assert.deepEqual(mine.body.map((c: { memberSessionUuid: string }) => c.memberSessionUuid), [salesCall.memberSessionUuid]);
    assert.deepEqual((await s.api('GET', `/api/calls/active?agent=${P1}`, undefined, SCOPED)).body, []);
    assertError(await s.api('GET', `/api/calls/active?queue=${SUPPORT}`, undefined, SCOPED), 403, 'OUT_OF_SCOPE');
    assert.equal((await s.api('GET', `/api/calls/active?queue=${SALES}`, undefined, SCOPED)).body.length, 1);
    assertError(await s.api('GET', '/api/calls/live', undefined, SCOPED), 503, 'RECORDS_OFF');

    const from = s.fs.received.length;
    const missing = await s.api('POST', '/api/calls/active/00000000-0000-4000-8000-000000000000/hangup', undefined, SCOPED);
    assertError(missing, 404, 'NO_CALL');
    const other = await s.api('POST', `/api/calls/active/${supportCall.memberSessionUuid}/hangup`, undefined, SCOPED);
    assert.deepEqual([other.status, other.body], [missing.status, missing.body]);
    assertError(await s.api('POST', `/api/calls/active/${supportCall.memberSessionUuid}/transfer`, { kind: 'queue', to: SALES }, SCOPED), 404, 'NO_CALL');
    assert.equal(s.fs.received.slice(from).some((c) => c.includes('uuid_')), false, 'nothing sent');
    assert.equal(s.gw.calls.ofAgent(P1)?.phase, 'bridged');

    assert.equal((await s.api('POST', `/api/calls/active/${salesCall.memberSessionUuid}/hangup`, undefined, SCOPED)).status, 200);
    s.fs.hangupCaller(support.callerUuid);
    s.fs.hangupCaller(sales.callerUuid);
    await waitFor(() => s.gw.calls.size === 0, 'no calls left');
  });

  it('audit: a scoped token reads the entries about its queues and agents, none naming another queue', async () => {
    type Entry = { command: string; agent: string | null };
    let all: Entry[] = [];
    await waitFor(async () => {
      all = (await s.api('GET', '/api/audit?limit=1000', undefined, ADMIN)).body as Entry[];
      return all.some((e) => e.command.startsWith('hangup:'));
    }, 'the hang-up audited');
    assert.ok(all.some((e) => e.command.includes(SUPPORT)), 'the trail holds support entries');
    const mine = (await s.api('GET', '/api/audit?limit=1000', undefined, SCOPED)).body as Entry[];
    assert.ok(mine.length > 0);
    assert.ok(mine.some((e) => e.command.includes(`tier add ${SALES} ${S1}`) || e.command.includes(SALES)), 'sales entries are there');
    assert.ok(mine.some((e) => e.agent === S1 && e.command.includes('agent set status')), 'its agent\'s status changes are there');
    for (const e of mine) {
      assert.equal(e.command.includes(SUPPORT), false, `another queue named: ${e.command}`);
      assert.ok(e.agent === null || [S1, BOTH].includes(e.agent) || e.command.includes(SALES), `entry about ${e.agent}: ${e.command}`);
    }
    assert.equal(mine.some((e) => e.agent === P1 || e.agent === LONE), false);
    assert.deepEqual((await s.api('GET', `/api/audit?agent=${P1}`, undefined, SCOPED)).body, []);
    const limited = (await s.api('GET', '/api/audit?limit=2', undefined, SCOPED)).body as Entry[];
    assert.equal(limited.length, 2, 'the limit counts entries in the scope');
  });

  it('OpenAPI: /api/calls/active is the documented list of calls in progress, /api/calls/live its deprecated alias', async () => {
    const doc = (await s.api('GET', '/docs/json', undefined, null)).body;
    const active = doc.paths['/api/calls/active'].get;
    const live = doc.paths['/api/calls/live'].get;
    assert.equal(active.deprecated, undefined);
    assert.equal(live.deprecated, true);
    const item = active.responses['200'].content['application/json'].schema.items;
    assert.ok(item.properties.record, 'each call carries its record part');
    assert.ok(item.properties.offerLegs);
    assert.deepEqual(Object.keys(live.responses['200'].content['application/json'].schema.items.properties).sort(), Object.keys(item.properties.record.properties).sort());
  });
});
