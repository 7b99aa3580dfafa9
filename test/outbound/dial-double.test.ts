/**
 * Outbound calls on the FreeSWITCH double with a real Redis and a real PostgreSQL:
 * policy refusals (hostile numbers included), idempotency, the lifecycle from the legs'
 * channel events, callcenter_track keeping queue calls away, the outbound call record,
 * and a gateway restart that resumes and reconciles the actions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { addAgent, login } from '../realtime/desk-helpers.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';

const A = '1001@default';
const B = '1002@default';
const C = '1004@default';
const OK_NUMBER = '+15551230800';

const HOSTILE = ['+1555 123 0800', '1555123080a', '+1555|1230800', '{ignore_early_media=true}9300', '[x=y]9300', '9300,9301', 'user/1002', '9300@default', '${uuid}', "9300'", '9300\napi hupall', ''];

let db: TestDatabase;
let s: Stack;
let pool: pg.Pool;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CALL_RECORDS: 'on',
    DATABASE_URL: db.url,
    OUTBOUND_ALLOW: '+1555:11,9300:4',
    OUTBOUND_CALLER_ID: '+15550001000:Main',
    OUTBOUND_CALLER_IDS: 'support@default=+15550002000:Support',
    OUTBOUND_RATE_PER_MINUTE: '4',
    OUTBOUND_ROUTE: 'sofia/gateway/pstn/{number}',
    ...extra,
  };
}

async function action(id: string): Promise<any> {
  return (await s.api('GET', `/api/outbound/${id}`)).body;
}

async function until(id: string, state: string, timeoutMs = 5000): Promise<any> {
  let last: any;
  await waitFor(async () => (last = await action(id)).state === state, `action ${id} ${state} (is ${JSON.stringify(last)})`, timeoutMs);
  return last;
}

function originates(from = 0): string[] {
  return s.fs.received.slice(from).filter((c) => c.startsWith('bgapi originate'));
}

describe('outbound calls on the double', () => {
  before(async () => {
    db = await createTestDatabase();
    s = await startStack({ env: env() });
    await waitFor(() => s.gw.records?.ready === true, 'records database open', 20000);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await addAgent(s, A, { contact: 'user/1001' });
    await addAgent(s, B, { contact: 'user/1002' });
    await addAgent(s, C, { contact: 'user/1004', queue: null });
  });
  after(async () => {
    await pool?.end();
    // The restart test stopped the stack's own gateway already.
    await s?.stop().catch(async () => {
      await s.fs.stop().catch(() => undefined);
      await s.redis.stop().catch(() => undefined);
    });
    await db?.drop();
  });

  test('hostile and disallowed numbers are refused, audited, and nothing is dialled', async () => {
    const from = s.fs.received.length;
    for (const number of HOSTILE) {
      const r = await s.api('POST', '/api/outbound', { agent: A, number });
      assert.equal(r.status, 400, `${JSON.stringify(number)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'NUMBER_INVALID');
    }
    for (const number of ['+19005550100', '+442071234567', '15551230800', '+1555123080']) {
      const r = await s.api('POST', '/api/outbound', { agent: A, number });
      assert.equal(r.status, 403, `${number}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'NUMBER_NOT_ALLOWED');
    }
    const { desk } = await login(s, A);
    try {
      for (const number of ['9300|9301', '9300 ', 'loopback/9300']) {
        const r = await desk.request({ type: 'dial', number });
        assert.equal(r.type, 'error');
        if (r.type === 'error') assert.equal(r.code, 'NUMBER_INVALID');
      }
      const bad = await desk.request({ type: 'dial', number: '9300', idempotencyKey: 'no spaces allowed' });
      assert.equal(bad.type, 'error');
      if (bad.type === 'error') assert.equal(bad.code, 'BAD_MESSAGE');
    } finally {
      desk.ws.close();
    }
    // No token, a bad id, unknown fields, an unknown agent: refused before the dialer.
    assert.equal((await s.api('POST', '/api/outbound', { agent: A, number: '9300' }, null)).status, 401);
    assert.equal((await s.api('GET', '/api/outbound/not-a-uuid')).status, 400);
    assert.equal((await s.api('GET', `/api/outbound/${randomUUID()}`)).status, 404);
    assert.equal((await s.api('POST', '/api/outbound', { agent: A, number: '9300', callerId: '+1900' })).status, 400);
    assert.equal((await s.api('POST', '/api/outbound', { agent: 'x|y', number: '9300' })).status, 400);
    const unknown = await s.api('POST', '/api/outbound', { agent: '4242@default', number: '9300' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'AGENT_NOT_FOUND');
    assert.deepEqual(originates(from), [], 'no originate was sent');
    const rows = await pool.query('SELECT count(*)::int AS n FROM outbound_actions');
    assert.equal(rows.rows[0].n, 0, 'no action was stored');
    const audit = await s.api('GET', `/api/audit?agent=${encodeURIComponent(A)}&limit=100`);
    const dials = (audit.body as any[]).filter((e) => e.command.startsWith('outbound dial'));
    assert.ok(dials.length >= HOSTILE.length + 7, `every refusal is audited (${dials.length})`);
    assert.ok(dials.every((e) => e.ok === false));
    assert.ok(dials.some((e) => e.reply.startsWith('NUMBER_NOT_ALLOWED') && e.command.includes('+19005550100')));
  });

  test('REST click to dial: agent rings, answers, customer bridged with the queue caller ID; a retry never dials twice; hangup ends it with a record', async () => {
    const from = s.fs.received.length;
    const key = `crm-${randomUUID().slice(0, 8)}`;
    const first = await s.api('POST', '/api/outbound', { agent: A, number: OK_NUMBER, idempotencyKey: key });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.callerId, '+15550002000', 'the caller ID of the agent\'s queue');
    const id: string = first.body.id;
    const bridged = await until(id, 'bridged');
    assert.ok(bridged.answeredAt && bridged.bridgedAt);
    const again = await s.api('POST', '/api/outbound', { agent: A, number: OK_NUMBER, idempotencyKey: key });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, id);
    const other = await s.api('POST', '/api/outbound', { agent: A, number: '+15551230801', idempotencyKey: key });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'IDEMPOTENCY_CONFLICT');
    const busy = await s.api('POST', '/api/outbound', { agent: A, number: '+15551230801' });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, 'AGENT_BUSY');
    const sent = originates(from).map((c) => c.split('\n')[0]!);
    assert.equal(sent.length, 1, 'one originate for two requests with one key');
    assert.match(sent[0]!, /execute_on_ring=callcenter_track:1001@default\}user\/1001 'm:~:callcenter_track:\$\{regex\(x\$\{cc_tracked_agent\}\|\^x\$\|1001@default\)\}~bridge:\[origination_uuid=[0-9a-f-]{36},cc_outbound=true,cc_outbound_action=[0-9a-f-]{36},cc_outbound_leg=customer,origination_caller_id_number=\+15550002000,origination_caller_id_name=Support\]sofia\/gateway\/pstn\/\+15551230800' inline$/);
    assert.match(sent[0]!, /^bgapi originate \{origination_uuid=[0-9a-f-]{36},cc_outbound=true,cc_outbound_action=[0-9a-f-]{36},cc_outbound_leg=agent,origination_caller_id_number=\+15551230800,/);
    // While the outbound call is up the agent is tracked: mod_callcenter offers it no queue call.
    assert.match(s.fs.api(`callcenter_config agent list ${A}`), /\|1\n/);
    // The customer hangs up.
    const customerLeg = s.fs.clickToDialCustomerLeg(bridged.agentLegUuid);
    assert.ok(customerLeg);
    s.fs.api(`uuid_kill ${customerLeg}`);
    const ended = await until(id, 'ended');
    assert.equal(ended.cause, 'NORMAL_CLEARING');
    assert.match(s.fs.api(`callcenter_config agent list ${A}`), /\|0\n/);
    await s.gw.outbound!.settled();
    const rec = await pool.query("SELECT direction, agent, caller_number, outcome, cause, hangup_cause, talk_s FROM call_records WHERE member_uuid = $1", [id]);
    assert.equal(rec.rows.length, 1);
    assert.deepEqual({ ...rec.rows[0], talk_s: undefined }, { direction: 'outbound', agent: A, caller_number: OK_NUMBER, outcome: 'answered', cause: 'ended', hangup_cause: 'NORMAL_CLEARING', talk_s: undefined });
  });

  test('the desk dials: ack carries the action, outbound.state pushes follow to bridged and ended; no queue call meanwhile', async () => {
    const { desk } = await login(s, B, { ready: true });
    try {
      const r = await desk.request({ type: 'dial', number: '9300', idempotencyKey: 'desk-0000001' });
      assert.equal(r.type, 'ack', JSON.stringify(r));
      const id = r.type === 'ack' ? r.action!.id : '';
      assert.equal(r.type === 'ack' && r.action!.callerId, '+15550002000');
      const states: string[] = [];
      const bridged = await desk.next('outbound.state', (m) => {
        states.push(m.action.state);
        return m.action.id === id && m.action.state === 'bridged';
      });
      for (const st of ['agent-ringing', 'agent-answered', 'customer-ringing']) assert.ok(states.includes(st), `${st} pushed (${states.join(',')})`);
      // A caller arrives while B is on the outbound call: it waits (B is the only Available agent of the queue besides A, who is not Ready).
      const caller = s.fs.injectCaller({ number: '15559990000', name: 'Waiting' });
      await new Promise((res) => setTimeout(res, 400));
      assert.equal(s.fs.agent(B)?.state, 'Waiting');
      assert.equal([...s.gw.view.members.values()].find((m) => m.sessionUuid === caller.callerUuid || m.cidNumber === '15559990000')?.servingAgent ?? '', '', 'not offered while tracked');
      s.fs.api(`uuid_kill ${bridged.action.agentLegUuid}`);
      await desk.next('outbound.state', (m) => m.action.id === id && m.action.state === 'ended');
      // Once the outbound call is over, the waiting caller is offered to B.
      await desk.next('call.offered', (m) => m.callerNumber === '15559990000', 5000);
      s.fs.hangupCaller(caller.callerUuid);
    } finally {
      desk.ws.close();
    }
  });

  test('while the agent\'s own phone rings for the dial, a queue caller is not offered to it (execute_on_ring); it is once the dial ends', async () => {
    const { desk } = await login(s, B, { ready: true });
    s.fs.setAgentAnswer(B, { mode: 'no-answer', afterMs: 60_000 });
    try {
      const r = await desk.request({ type: 'dial', number: '9300', idempotencyKey: 'desk-ring-0001' });
      assert.equal(r.type, 'ack', JSON.stringify(r));
      const id = r.type === 'ack' ? r.action!.id : '';
      const ringing = await desk.next('outbound.state', (m) => m.action.id === id && m.action.state === 'agent-ringing');
      assert.equal(s.fs.agent(B)?.externalCallsCount, 1, 'counted while ringing');
      const caller = s.fs.injectCaller({ number: '15559990001', name: 'Waiting' });
      await new Promise((res) => setTimeout(res, 400));
      assert.equal(s.fs.agent(B)?.state, 'Waiting');
      assert.equal([...s.gw.view.members.values()].find((m) => m.cidNumber === '15559990001')?.servingAgent ?? '', '', 'not offered while the phone rings for the dial');
      s.fs.setAgentAnswer(B, null);
      s.fs.api(`uuid_kill ${ringing.action.agentLegUuid}`);
      await desk.next('outbound.state', (m) => m.action.id === id && (m.action.state === 'failed' || m.action.state === 'ended'));
      await desk.next('call.offered', (m) => m.callerNumber === '15559990001', 5000);
      assert.equal(s.fs.agent(B)?.externalCallsCount ?? 0, 0);
      s.fs.hangupCaller(caller.callerUuid);
    } finally {
      s.fs.setAgentAnswer(B, null);
      desk.ws.close();
    }
  });

  test('failures carry the switch\'s cause: customer busy, agent not answering', async () => {
    s.fs.setCustomerAnswer('+15551230999', { mode: 'reject', cause: 'USER_BUSY' });
    const busy = await s.api('POST', '/api/outbound', { agent: C, number: '+15551230999' });
    assert.equal(busy.status, 201, JSON.stringify(busy.body));
    assert.equal(busy.body.callerId, '+15550001000', 'no queue: the default caller ID');
    const failed = await until(busy.body.id, 'failed');
    assert.equal(failed.cause, 'USER_BUSY');
    s.fs.setAgentAnswer(C, { mode: 'reject', cause: 'CALL_REJECTED' });
    const rejected = await s.api('POST', '/api/outbound', { agent: C, number: '+15551230998' });
    const f2 = await until(rejected.body.id, 'failed');
    assert.equal(f2.cause, 'CALL_REJECTED');
    assert.equal(f2.answeredAt, null);
    s.fs.setAgentAnswer(C, null);
    await s.gw.outbound!.settled();
    const rec = await pool.query("SELECT outcome, cause, hangup_cause FROM call_records WHERE member_uuid = ANY($1::text[]) ORDER BY hangup_cause", [[busy.body.id, rejected.body.id]]);
    assert.deepEqual(rec.rows, [
      { outcome: 'cancelled', cause: 'failed', hangup_cause: 'CALL_REJECTED' },
      { outcome: 'cancelled', cause: 'failed', hangup_cause: 'USER_BUSY' },
    ]);
  });

  test('the per-agent rate limit refuses further dials (busy attempts count too)', async () => {
    // C has used 2 of its 4 dials this minute (unless the minute turned over: then it has 4 left).
    s.fs.setAgentAnswer(C, { mode: 'no-answer', afterMs: 60_000 });
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await s.api('POST', '/api/outbound', { agent: C, number: '9300' });
      codes.push(r.status === 201 ? 'created' : r.body.error.code);
    }
    assert.ok(codes.includes('DIAL_RATE_LIMITED'), codes.join(','));
    assert.equal(codes.filter((c) => c === 'created').length, 1, codes.join(','));
    const limited = await s.api('POST', '/api/outbound', { agent: C, number: '9300' });
    assert.equal(limited.status, 429);
    s.fs.setAgentAnswer(C, null);
    // End the ringing dial so C is free again.
    for (const ch of JSON.parse(s.fs.api('show channels as json')).rows ?? []) if (String(ch.name).includes('1004')) s.fs.api(`uuid_kill ${ch.uuid}`);
  });

  test('a restart loses nothing: a stored new action is sent, a bridged one is followed to its end, a lost one fails', async () => {
    // A bridged call made by the running gateway …
    const r = await s.api('POST', '/api/outbound', { agent: A, number: '+15551230802' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const bridged = await until(r.body.id, 'bridged');
    await s.gw.outbound!.settled();
    // … an action stored as new (the gateway died before sending it), and one sent whose legs are gone.
    const newId = randomUUID();
    const lostId = randomUUID();
    await pool.query(
      `INSERT INTO outbound_actions (id, agent, idempotency_key, number, caller_id_number, caller_id_name, requested_by, role, state, agent_leg_uuid, customer_leg_uuid, sent_at)
       VALUES ($1, $2, $1, '9300', '+15550001000', 'Main', 'rest:test', 'api', 'new', $3, $4, NULL),
              ($5, $6, $5, '9300', '+15550001000', 'Main', 'rest:test', 'api', 'customer-ringing', $7, $8, now() - interval '1 minute')`,
      [newId, B, randomUUID(), randomUUID(), lostId, C, randomUUID(), randomUUID()],
    );
    // The gateway restarts (a new process on the same database and switch).
    const from = s.fs.received.length;
    await s.gw.stop();
    let gw: Gateway | null = null;
    try {
      gw = await startGateway({ config: { ...s.config, http: { host: '127.0.0.1', port: 0 } }, logger: silentLogger(), resyncIntervalMs: 0, eslBackoff: { initialMs: 20, maxMs: 200 } });
      const g = gw;
      await waitFor(() => g.records?.ready === true, 'records database open', 20000);
      const read = async (id: string) => (await g.outbound!.get(id))!;
      await waitFor(async () => (await read(newId)).state === 'bridged', 'the new action sent and bridged', 10000);
      await waitFor(async () => (await read(lostId)).state === 'failed', 'the lost action failed', 10000);
      assert.equal((await read(lostId)).cause, 'LOST');
      assert.equal((await read(r.body.id)).state, 'bridged', 'the call still up stays bridged');
      assert.equal(s.fs.received.slice(from).filter((c) => c.startsWith('bgapi originate')).length, 1, 'only the new action was sent');
      // The customer of the call made before the restart hangs up: the new gateway sees it end.
      s.fs.api(`uuid_kill ${s.fs.clickToDialCustomerLeg(bridged.agentLegUuid)}`);
      await waitFor(async () => (await read(r.body.id)).state === 'ended', 'the old call ended', 5000);
      s.fs.api(`uuid_kill ${(await read(newId)).agentLegUuid}`);
      await waitFor(async () => (await read(newId)).state === 'ended', 'the resumed call ended', 5000);
      await g.outbound!.settled();
      const recs = await pool.query('SELECT member_uuid FROM call_records WHERE member_uuid = ANY($1::text[])', [[r.body.id, newId, lostId]]);
      assert.equal(recs.rows.length, 3, 'one record per action');
    } finally {
      await gw?.stop();
    }
  });
});
