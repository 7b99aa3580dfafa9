/**
 * After-call work on the desk, end to end over the FreeSWITCH double: the
 * acw.started push with the agent's wrap-up time and the configured codes,
 * dispositions (validated, stored in Redis), acw.end making the agent routable
 * at once (wrap_up_time 0, then the agent's own value back), next status
 * applied at the end of the call with no offer slipping in, time in status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, commandsSince, login, mark, QUEUE } from '../realtime/desk-helpers.js';
import { createTestDatabase } from '../helpers/postgres.js';

const A = '1001@default';

function stack(env: Record<string, string> = {}): Promise<Stack> {
  return startStack({ env: { DISPOSITIONS: 'sale:Sale made,info:Information given', DISPOSITION_REQUIRED_QUEUES: QUEUE, ...env } });
}

async function setWrapUp(s: Stack, agent: string, seconds: number): Promise<void> {
  const r = await s.api('PATCH', `/api/agents/${agent}`, { wrapUpTime: seconds });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

test('a call ends: acw.started with the wrap-up time and codes; dispositions validated and kept in Redis; acw.end routes the next caller at once and the wrap-up time comes back', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    await setWrapUp(s, A, 30);
    const { desk } = await login(s, A, { ready: true });
    const first = s.fs.injectCaller({ number: '15550001111', name: 'First', destination: '7000' });
    await desk.next('call.bridged');
    // During the call: a disposition for it is already accepted (it waits for the record).
    s.fs.hangupCaller(first.callerUuid);
    await desk.next('call.ended');
    const started = await desk.next('acw.started');
    assert.equal(started.memberUuid, first.memberUuid);
    assert.equal(started.queue, QUEUE);
    assert.equal(started.wrapUpS, 30);
    assert.equal(started.endsAt, started.startedAt + 30);
    assert.equal(started.required, true);
    assert.deepEqual(started.dispositions, [{ code: 'sale', label: 'Sale made' }, { code: 'info', label: 'Information given' }]);

    // A second caller waits: the switch keeps it away from the agent in wrap-up.
    const second = s.fs.injectCaller({ number: '15550002222', name: 'Second', destination: '7000' });
    await waitFor(() => s.fs.members(QUEUE).some((m) => m.uuid === second.memberUuid && m.state === 'Waiting'), 'second caller waiting');

    // Refusals change nothing.
    const required = await desk.request({ type: 'acw.end' });
    assert.equal(required.type === 'error' && required.code, 'DISPOSITION_REQUIRED');
    const badCode = await desk.request({ type: 'call.disposition', memberUuid: first.memberUuid, code: 'refund' });
    assert.equal(badCode.type === 'error' && badCode.code, 'BAD_DISPOSITION');
    const otherCall = await desk.request({ type: 'call.disposition', memberUuid: second.memberUuid, code: 'sale' });
    assert.equal(otherCall.type === 'error' && otherCall.code, 'UNKNOWN_CALL');
    for (const hostile of [
      { type: 'call.disposition', memberUuid: first.memberUuid, code: 'sale', notes: 'x'.repeat(2001) },
      { type: 'call.disposition', memberUuid: 'not-a-uuid', code: 'sale' },
      { type: 'call.disposition', memberUuid: first.memberUuid, code: 'sale|x' },
      { type: 'call.disposition', memberUuid: first.memberUuid, code: 'sale', extra: 1 },
      { type: 'next-status', status: 'Available' },
    ]) {
      const r = await desk.request(hostile);
      assert.equal(r.type === 'error' && r.code, 'BAD_MESSAGE', JSON.stringify(hostile));
    }
    assert.equal(s.fs.agent(A)?.wrapUpTime, 30);

    const filed = await desk.request({ type: 'call.disposition', memberUuid: first.memberUuid, code: 'sale', notes: 'two licences; 请回电' });
    assert.equal(filed.type, 'ack', JSON.stringify(filed));
    const pushed = await desk.next('acw.disposition');
    assert.deepEqual([pushed.memberUuid, pushed.code, pushed.notes], [first.memberUuid, 'sale', 'two licences; 请回电']);
    const redis = new Redis(s.redis.url);
    try {
      const h = await redis.hgetall(`${s.config.keyPrefix}disposition:${first.memberUuid}`);
      assert.deepEqual([h.agent, h.queue, h.disposition, h.notes], [A, QUEUE, 'sale', 'two licences; 请回电']);
      assert.ok((await redis.ttl(`${s.config.keyPrefix}disposition:${first.memberUuid}`)) > 86_400);
    } finally {
      redis.disconnect();
    }

    // The second caller is still not offered (wrap-up of 30 s); acw.end offers it at once.
    assert.equal(desk.received.some((m) => m.type === 'call.offered' && m.memberUuid === second.memberUuid), false);
    const from = mark(s);
    const ended = await desk.request({ type: 'acw.end' });
    assert.equal(ended.type, 'ack', JSON.stringify(ended));
    assert.ok(commandsSince(s, from).includes(`api callcenter_config agent set wrap_up_time ${A} 0`), JSON.stringify(commandsSince(s, from)));
    const acwEnded = await desk.next('acw.ended');
    assert.deepEqual([acwEnded.memberUuid, acwEnded.reason], [first.memberUuid, 'agent']);
    const offered = await desk.next('call.offered');
    assert.equal(offered.memberUuid, second.memberUuid);
    // With the next call the agent's own wrap-up time is back, for that call's end.
    await desk.next('call.bridged');
    await waitFor(() => s.fs.agent(A)?.wrapUpTime === 30, 'wrap_up_time 30 again on the switch');
    s.fs.hangupCaller(second.callerUuid);
    const again = await desk.next('acw.started');
    assert.equal(again.wrapUpS, 30);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('next status: asked for during the call, applied at its end; a waiting caller is not offered; without it the caller is offered at once', async () => {
  const s = await stack({ DISPOSITION_REQUIRED_QUEUES: '' });
  try {
    await addAgent(s, A);
    await setWrapUp(s, A, 0);
    const { desk } = await login(s, A, { ready: true });
    const notInCall = await desk.request({ type: 'next-status', status: 'On Break', reason: 'lunch' });
    assert.equal(notInCall.type === 'error' && notInCall.code, 'NO_CALL');

    const first = s.fs.injectCaller({ number: '15550003333', name: 'First', destination: '7000' });
    await desk.next('call.bridged');
    await waitFor(() => s.fs.agent(A)?.state === 'In a queue call', 'agent in a queue call');
    const badReason = await desk.request({ type: 'next-status', status: 'On Break', reason: 'nap' });
    assert.equal(badReason.type === 'error' && badReason.code, 'BAD_REASON');
    const asked = await desk.request({ type: 'next-status', status: 'On Break', reason: 'lunch' });
    assert.equal(asked.type, 'ack', JSON.stringify(asked));
    const announced = await desk.next('agent.next-status');
    assert.deepEqual([announced.status, announced.reason], ['On Break', 'lunch']);
    // The guard: a few seconds of wrap-up until the status change is in.
    assert.equal(s.fs.agent(A)?.wrapUpTime, 3);

    const second = s.fs.injectCaller({ number: '15550004444', name: 'Second', destination: '7000' });
    await waitFor(() => s.fs.members(QUEUE).some((m) => m.uuid === second.memberUuid), 'second caller queued');
    s.fs.hangupCaller(first.callerUuid);
    const status = await desk.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(status.reason, 'lunch');
    assert.ok(typeof status.changedAt === 'number' && status.changedAt > 1_600_000_000);
    await desk.next('agent.next-status', (m) => m.status === null);
    await waitFor(() => s.fs.agent(A)?.wrapUpTime === 0, 'wrap_up_time 0 again');
    // Wrap-up 0: after-call work stays open for the disposition (no countdown) until ended or the next offer.
    const acw = desk.received.find((m) => m.type === 'acw.started');
    assert.ok(acw?.type === 'acw.started');
    assert.deepEqual([acw.memberUuid, acw.wrapUpS, acw.endsAt], [first.memberUuid, 0, acw.startedAt]);
    // Past the guard: the caller is still waiting, never offered to the agent on break.
    await new Promise((r) => setTimeout(r, 3200));
    assert.equal(desk.received.some((m) => m.type === 'call.offered' && m.memberUuid === second.memberUuid), false);
    assert.ok(s.fs.members(QUEUE).some((m) => m.uuid === second.memberUuid && m.state === 'Waiting'));

    // Control: Ready again, and with no next status the next call's end offers the waiting caller at once.
    assert.equal((await desk.request({ type: 'ready' })).type, 'ack');
    const offered = await desk.next('call.offered');
    assert.equal(offered.memberUuid, second.memberUuid);
    await desk.next('call.bridged');
    const third = s.fs.injectCaller({ number: '15550005555', name: 'Third', destination: '7000' });
    await waitFor(() => s.fs.members(QUEUE).some((m) => m.uuid === third.memberUuid), 'third caller queued');
    s.fs.hangupCaller(second.callerUuid);
    assert.equal((await desk.next('call.offered')).memberUuid, third.memberUuid);
    const ended = await desk.next('acw.ended', (m) => m.memberUuid === second.memberUuid);
    assert.equal(ended.reason, 'next-call');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('the snapshot carries after-call work, the next status and the time of the last status change', async () => {
  const s = await stack({ DISPOSITION_REQUIRED_QUEUES: '' });
  try {
    await addAgent(s, A);
    await setWrapUp(s, A, 60);
    const { desk, snapshot } = await login(s, A, { ready: true });
    assert.equal(snapshot.acw, null);
    assert.equal(snapshot.nextStatus, null);
    assert.ok((snapshot.agent.statusChangedAt ?? 0) > 1_600_000_000, JSON.stringify(snapshot.agent));
    const call = s.fs.injectCaller({ number: '15550006666', name: 'Snap', destination: '7000' });
    await desk.next('call.bridged');
    await waitFor(() => s.fs.agent(A)?.state === 'In a queue call', 'in a queue call');
    assert.equal((await desk.request({ type: 'next-status', status: 'Logged Out' })).type, 'ack');
    const during = await login(s, A);
    assert.deepEqual(during.snapshot.nextStatus, { status: 'Logged Out', reason: null });
    assert.equal((await desk.request({ type: 'next-status', status: null })).type, 'ack');
    await desk.next('agent.next-status', (m) => m.status === null);
    assert.equal(s.fs.agent(A)?.wrapUpTime, 60);
    s.fs.hangupCaller(call.callerUuid);
    await desk.next('acw.started');
    const after = await login(s, A);
    assert.equal(after.snapshot.acw?.memberUuid, call.memberUuid);
    assert.equal(after.snapshot.acw?.wrapUpS, 60);
    assert.equal(after.snapshot.acw?.disposition, null);
    desk.close();
    during.desk.close();
    after.desk.close();
  } finally {
    await s.stop();
  }
});

test('agent-ID announcement: off by default; in a queue that asks for it, the caller’s leg is sent the agent’s recording when the agent answers', async () => {
  const off = await stack();
  try {
    await addAgent(off, A);
    const { desk } = await login(off, A, { ready: true });
    const c = off.fs.injectCaller({ number: '15550007777', name: 'Quiet', destination: '7000' });
    await desk.next('call.bridged');
    off.fs.hangupCaller(c.callerUuid);
    await desk.next('call.ended');
    assert.deepEqual(off.fs.broadcasts, []);
    assert.equal(off.fs.received.some((l) => l.includes('uuid_broadcast')), false);
    desk.close();
  } finally {
    await off.stop();
  }
  const on = await stack({ ANNOUNCE_AGENT_ID_QUEUES: QUEUE, ANNOUNCE_AGENT_ID_FILE: '/var/sounds/agent-id/{agent}.wav' });
  try {
    await addAgent(on, A);
    const { desk } = await login(on, A, { ready: true });
    const c = on.fs.injectCaller({ number: '15550008888', name: 'Hears', destination: '7000' });
    await desk.next('call.bridged');
    await waitFor(() => on.fs.broadcasts.length === 1, 'uuid_broadcast sent');
    assert.deepEqual(on.fs.broadcasts, [{ uuid: c.memberSessionUuid, path: '/var/sounds/agent-id/1001.wav', leg: 'aleg' }]);
    on.fs.hangupCaller(c.callerUuid);
    desk.close();
  } finally {
    await on.stop();
  }
});

test('with call records on (PostgreSQL): the disposition, notes and time in after-call work reach the call record over REST', async () => {
  const pgdb = await createTestDatabase();
  const s = await stack({ CALL_RECORDS: 'on', DATABASE_URL: pgdb.url, DISPOSITION_REQUIRED_QUEUES: '' });
  try {
    await waitFor(() => s.gw.records?.ready === true, 'records database open');
    await addAgent(s, A);
    await setWrapUp(s, A, 20);
    const { desk } = await login(s, A, { ready: true });
    const call = s.fs.injectCaller({ number: '15550009999', name: 'Recorded', destination: '7000' });
    await desk.next('call.bridged');
    s.fs.hangupCaller(call.callerUuid);
    await desk.next('acw.started');
    assert.equal((await desk.request({ type: 'call.disposition', memberUuid: call.memberUuid, code: 'info', notes: 'asked about prices' })).type, 'ack');
    assert.equal((await desk.request({ type: 'acw.end' })).type, 'ack');
    let record: any = null;
    await waitFor(async () => {
      const r = await s.api('GET', `/api/calls/${call.memberUuid}`);
      record = r.body;
      return r.status === 200 && r.body.disposition === 'info' && r.body.afterCallS !== null;
    }, 'the call record with its disposition', 60_000);
    assert.equal(record.notes, 'asked about prices');
    assert.ok(record.afterCallS >= 0 && record.afterCallS <= 20, JSON.stringify(record));
    desk.close();
  } finally {
    await s.stop();
    await pgdb.drop();
  }
});
