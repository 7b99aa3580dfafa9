/**
 * The per-token queue scope (TOKEN_QUEUES) on what the call records feed:
 * calls in progress (`/api/calls/active` with its `record` part, and the
 * deprecated `/api/calls/live`), the history (list, one record, the streamed
 * CSV), outbound actions and queue definitions, on the double with real PostgreSQL and Redis.
 * A token limited to sales@default sees sales's calls only; another queue's
 * record reads as missing; a queue filter outside the scope is 403.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startStack, waitFor, type Stack } from '../helpers/stack.js';
import { assertError, raw } from '../helpers/http.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { addAgent } from '../realtime/desk-helpers.js';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';

const SUPPORT = 'support@default';
const SALES = 'sales@default';
const SCOPED = 'sales-only-token-0123456789';
const SCOPED_ADMIN = 'sales-admin-token-0123456789';
const A = '6001@default'; // support
const S = '6002@default'; // sales

describe('call records, live calls and outbound actions within a queue scope', () => {
  let db: TestDatabase;
  let s: Stack;
  let supportCall: { memberUuid: string; callerUuid: string };
  let salesCall: { memberUuid: string; callerUuid: string };

  before(async () => {
    db = await createTestDatabase();
    s = await startStack({
      double: {
        // Sales has no agent taking calls: its caller waits until the test hangs it up.
        queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }],
        dialplan: { '7000': { queue: SUPPORT }, '7100': { queue: SALES } },
      },
      env: {
        CALL_RECORDS: 'on',
        DATABASE_URL: db.url,
        QUEUES: `${SUPPORT},${SALES}`,
        API_TOKENS: `boss:admin:${ADMIN},salesboss:supervisor:${SCOPED},salesadmin:admin:${SCOPED_ADMIN}`,
        TOKEN_QUEUES: `salesboss=${SALES},salesadmin=${SALES}`,
        XML_CURL_PORT: '0',
        XML_CURL_USER: 'fs',
        XML_CURL_PASSWORD: 'scope-xml-curl-password',
        OUTBOUND_ALLOW: '93:4',
        OUTBOUND_CALLER_ID: '+15550001000:Main',
        OUTBOUND_ROUTE: 'sofia/gateway/pstn/{number}',
      },
    });
    await waitFor(() => s.gw.records?.ready === true, 'records database open', 30_000);
    await addAgent(s, A, { queue: SUPPORT, status: 'Available' });
    await addAgent(s, S, { queue: SALES, status: 'On Break', contact: 'user/1002' });
  });
  after(async () => {
    await s?.stop();
    await db?.drop();
  });

  it('calls in progress: the scoped token sees its queue\'s call, with the call record in the making; the alias too', async () => {
    const support = s.fs.injectCaller({ number: '15550008001', name: 'Support Secret', destination: '7000' });
    await waitFor(() => s.gw.calls.ofAgent(A)?.phase === 'bridged', 'support call bridged');
    const sales = s.fs.injectCaller({ number: '15550008100', name: 'Sales Caller', destination: '7100' });
    supportCall = { memberUuid: support.memberUuid, callerUuid: support.callerUuid };
    salesCall = { memberUuid: sales.memberUuid, callerUuid: sales.callerUuid };
    await waitFor(() => s.gw.calls.list().some((c) => c.queue === SALES) && (s.gw.records?.live().length ?? 0) === 2, 'both calls live');

    const all = await s.api('GET', '/api/calls/active');
    assert.equal(all.body.length, 2);
    const supportRow = all.body.find((c: { queue: string }) => c.queue === SUPPORT);
    assert.equal(supportRow.record.memberUuid, support.memberUuid, 'the record part is the same queue episode');
    assert.equal(supportRow.record.agent, A);
    assert.equal(supportRow.record.callerName, 'Support Secret');

    const mine = await s.api('GET', '/api/calls/active', undefined, SCOPED);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.map((c: { queue: string }) => c.queue), [SALES]);
    assert.equal(mine.body[0].record.callerNumber, '15550008100');
    assertError(await s.api('GET', `/api/calls/active?queue=${SUPPORT}`, undefined, SCOPED), 403, 'OUT_OF_SCOPE');

    const alias = await s.api('GET', '/api/calls/live', undefined, SCOPED);
    assert.equal(alias.status, 200);
    assert.deepEqual(alias.body, [mine.body[0].record], 'the deprecated alias answers the record parts');
    assert.equal(JSON.stringify(mine.body).includes('Support Secret') || JSON.stringify(alias.body).includes('Support Secret'), false);
  });

  it('history: list, one record and the CSV export hold the scope\'s queues only; another queue\'s record reads as missing', async () => {
    s.fs.hangupCaller(supportCall.callerUuid);
    s.fs.hangupCaller(salesCall.callerUuid);
    const recorded = async (uuid: string) => (await s.api('GET', `/api/calls/${uuid}`)).status === 200;
    await waitFor(async () => (await recorded(supportCall.memberUuid)) && (await recorded(salesCall.memberUuid)), 'both records written', 30_000);

    const all = await s.api('GET', '/api/calls');
    assert.deepEqual(all.body.items.map((r: { queue: string }) => r.queue).sort(), [SALES, SUPPORT]);
    const mine = await s.api('GET', '/api/calls', undefined, SCOPED);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.items.map((r: { memberUuid: string }) => r.memberUuid), [salesCall.memberUuid]);
    assert.equal((await s.api('GET', `/api/calls?queue=${SALES}`, undefined, SCOPED)).body.items.length, 1);
    assert.deepEqual((await s.api('GET', `/api/calls?agent=${A}`, undefined, SCOPED)).body.items, [], 'an agent filter stays within the scope');
    assertError(await s.api('GET', `/api/calls?queue=${SUPPORT}`, undefined, SCOPED), 403, 'OUT_OF_SCOPE');

    assert.equal((await s.api('GET', `/api/calls/${salesCall.memberUuid}`, undefined, SCOPED)).status, 200);
    const missing = await s.api('GET', '/api/calls/00000000-0000-4000-8000-000000000000', undefined, SCOPED);
    assertError(missing, 404, 'CALL_NOT_FOUND');
    const other = await s.api('GET', `/api/calls/${supportCall.memberUuid}`, undefined, SCOPED);
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, missing.body.error.code);

    const csv = await raw(s.url, 'GET', '/api/calls.csv', { headers: { authorization: `Bearer ${SCOPED}` } });
    assert.equal(csv.status, 200);
    const lines = String(csv.body).trim().split('\r\n');
    assert.equal(lines.length, 2, String(csv.body));
    assert.ok(lines[1]!.startsWith(`${salesCall.memberUuid},${SALES},`));
    assert.equal(String(csv.body).includes('Support Secret'), false);
    assertError(await raw(s.url, 'GET', `/api/calls.csv?queue=${SUPPORT}`, { headers: { authorization: `Bearer ${SCOPED}` } }), 403, 'OUT_OF_SCOPE');
  });

  it('outbound: a scoped token dials for its agents only and reads only their actions', async () => {
    const from = s.fs.received.length;
    assertError(await s.api('POST', '/api/outbound', { agent: A, number: '9300' }, SCOPED), 404, 'AGENT_NOT_FOUND');
    assert.equal(s.fs.received.slice(from).some((c) => c.includes('originate')), false, 'nothing dialled');

    const theirs = await s.api('POST', '/api/outbound', { agent: A, number: '9301' });
    assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
    const missing = await s.api('GET', '/api/outbound/00000000-0000-4000-8000-000000000000', undefined, SCOPED);
    assertError(missing, 404, 'NOT_FOUND');
    const other = await s.api('GET', `/api/outbound/${theirs.body.id}`, undefined, SCOPED);
    assert.deepEqual([other.status, other.body], [missing.status, missing.body]);

    const mine = await s.api('POST', '/api/outbound', { agent: S, number: '9302' }, SCOPED);
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    assert.equal((await s.api('GET', `/api/outbound/${mine.body.id}`, undefined, SCOPED)).body.agent, S);
  });

  it('queue definitions: listed within the scope; another queue reads as missing; a scoped admin creates only its own queues', async () => {
    const all = await s.api('GET', '/api/queue-definitions');
    assert.deepEqual(all.body.map((q: { name: string }) => q.name).sort(), [SALES, SUPPORT]);
    const mine = await s.api('GET', '/api/queue-definitions', undefined, SCOPED);
    assert.deepEqual(mine.body.map((q: { name: string }) => q.name), [SALES]);
    assert.equal((await s.api('GET', `/api/queues/${SALES}/definition`, undefined, SCOPED)).status, 200);
    const missing = await s.api('GET', '/api/queues/nowhere@default/definition', undefined, SCOPED);
    assertError(missing, 404, 'QUEUE_NOT_FOUND');
    const other = await s.api('GET', `/api/queues/${SUPPORT}/definition`, undefined, SCOPED);
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, missing.body.error.code);
    assert.equal(other.body.error.message, missing.body.error.message.replace('nowhere@default', SUPPORT));

    const from = s.fs.received.length;
    assertError(await s.api('POST', '/api/queues', { name: SUPPORT }, SCOPED_ADMIN), 403, 'OUT_OF_SCOPE');
    assertError(await s.api('POST', '/api/queues', { name: 'other@default' }, SCOPED_ADMIN), 403, 'OUT_OF_SCOPE');
    assertError(await s.api('DELETE', `/api/queues/${SUPPORT}?force=true`, undefined, SCOPED_ADMIN), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('PATCH', `/api/queues/${SUPPORT}`, { params: { strategy: 'random' } }, SCOPED_ADMIN), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('POST', `/api/queues/${SUPPORT}/takeover`, {}, SCOPED_ADMIN), 404, 'QUEUE_NOT_LOADED');
    assert.equal(s.fs.received.slice(from).some((c) => c.includes('queue ')), false, 'nothing reached the switch');
    assert.ok(s.fs.queues().some((q) => q.name === SUPPORT));
  });
});
