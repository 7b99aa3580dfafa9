/** REST call controls for supervisors and CRMs: role-checked, validated, acked on the switch's confirmation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, SUPERVISOR, waitFor } from '../helpers/stack.js';
import { addAgent, commandsSince, login, mark } from '../realtime/desk-helpers.js';

const A = '1001@default';

test('a supervisor hangs up and transfers calls over REST; bad input, no token, unknown or ended calls are refused and send nothing', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const a = await login(s, A, { ready: true });
    const ids = s.fs.injectCaller({ number: '15551230100', name: 'Rest', destination: '7000' });
    await a.desk.next('call.bridged');
    const path = `/api/calls/active/${ids.memberSessionUuid}`;

    const from = mark(s);
    assert.equal((await s.api('POST', `${path}/hangup`, undefined, null)).status, 401);
    const bad = await s.api('POST', `${path}/transfer`, { kind: 'extension', to: '1002 XML x' }, SUPERVISOR);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_INPUT');
    const route = await s.api('POST', `${path}/transfer`, { kind: 'number', to: '+15551234567' }, SUPERVISOR);
    assert.equal(route.status, 403);
    assert.equal(route.body.error.code, 'NOT_ALLOWED');
    const unknown = await s.api('POST', '/api/calls/active/00000000-0000-4000-8000-000000000000/hangup', undefined, SUPERVISOR);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'NO_CALL');
    const notUuid = await s.api('POST', '/api/calls/active/..%2F..%2Fx/hangup', undefined, SUPERVISOR);
    assert.equal(notUuid.status, 400);
    assert.deepEqual(commandsSince(s, from), []);

    const hung = await s.api('POST', `${path}/hangup`, undefined, SUPERVISOR);
    assert.equal(hung.status, 200, JSON.stringify(hung.body));
    assert.equal(hung.body.control, 'hangup');
    assert.equal(hung.body.memberUuid, ids.memberUuid);
    assert.equal(hung.body.reply, '+OK');
    await a.desk.next('call.ended');
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting', 'agent Waiting');
    const again = await s.api('POST', `${path}/hangup`, undefined, SUPERVISOR);
    assert.ok(again.status === 404 || again.status === 410, JSON.stringify(again.body));

    const audit = await s.api('GET', `/api/audit?agent=${encodeURIComponent(A)}`);
    const entry = (audit.body as Array<{ command: string; ok: boolean; source: string; actor: string }>).find((e) => e.command.startsWith('hangup:'));
    assert.ok(entry, JSON.stringify(audit.body));
    assert.deepEqual({ ok: entry.ok, source: entry.source, actor: entry.actor }, { ok: true, source: 'rest', actor: 'watcher' });

    const ids2 = s.fs.injectCaller({ number: '15551230101', name: 'Rest2', destination: '7000' });
    await a.desk.next('call.bridged', (m) => m.memberUuid === ids2.memberUuid);
    const moved = await s.api('POST', `/api/calls/active/${ids2.memberSessionUuid}/transfer`, { kind: 'extension', to: '9100' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const t = await a.desk.next('call.transferred');
    assert.equal(t.memberUuid, ids2.memberUuid);
    a.desk.close();
  } finally {
    await s.stop();
  }
});

test('a supervisor token limited to other queues cannot hang up or transfer this queue’s call: 404 as if it did not exist, nothing sent', async () => {
  const SCOPED = 'sales-only-token-0123456789';
  const s = await startStack({ env: { API_TOKENS: `boss:admin:admin-token-0123456789,sales:supervisor:${SCOPED}`, TOKEN_QUEUES: 'sales=sales@default' } });
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const a = await login(s, A, { ready: true });
    const ids = s.fs.injectCaller({ number: '15551230102', name: 'Scoped', destination: '7000' });
    await a.desk.next('call.bridged');
    const from = mark(s);
    for (const [path, body] of [
      ['hangup', undefined],
      ['transfer', { kind: 'extension', to: '9100' }],
    ] as const) {
      const r = await s.api('POST', `/api/calls/active/${ids.memberSessionUuid}/${path}`, body, SCOPED);
      assert.equal(r.status, 404, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'NO_CALL');
    }
    assert.deepEqual(commandsSince(s, from), []);
    assert.equal(s.fs.agent(A)?.state, 'In a queue call');
    a.desk.close();
  } finally {
    await s.stop();
  }
});
