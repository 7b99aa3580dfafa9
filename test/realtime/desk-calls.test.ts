/**
 * Calls on the agent desk, end to end: callers injected into the FreeSWITCH
 * double reach the right agent's socket as screen pops (Redis record + exported
 * channel variables + DNIS), then bridged / ended / missed; status changes made
 * on the switch; queue waiting counts; Redis down at pop time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, DeskClient, type Stack } from '../helpers/stack.js';
import { addAgent, login, QUEUE, switchStatus } from './desk-helpers.js';

const A = '1001@default';
const B = '1002@default';

const DIALPLAN = {
  '7000': { queue: QUEUE, variables: [['cc_export_vars', 'account_number,lang'] as const] },
  '7001': { queue: QUEUE, variables: [['cc_export_vars', 'campaign'] as const, ['campaign', 'spring-sale'] as const] },
};

function stack(): Promise<Stack> {
  return startStack({ double: { dialplan: DIALPLAN } });
}

/** A round trip on the socket: every push the gateway had sent before it is in `received` afterwards. */
async function settle(desk: DeskClient): Promise<void> {
  desk.ws.send('{');
  await desk.next('error', (m) => m.code === 'BAD_JSON' && m.id === null);
}

test('a caller reaches the one available agent as call.offered: Redis record merged with exported variables, DNIS', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    await addAgent(s, B);
    const put = await s.api('PUT', '/api/callers/+1 555 123 4567', { name: 'Alice Smith', tier: 'gold', account_number: 'from-crm' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const a = await login(s, A, { ready: true });
    const b = await login(s, B, { ready: false });

    const ids = s.fs.injectCaller({
      number: '15551234567',
      name: 'Alice',
      destination: '7000',
      variables: { account_number: '42', lang: 'de', secret_pin: '1234' },
    });
    const pop = await a.desk.next('call.offered');
    assert.equal(pop.queue, QUEUE);
    assert.equal(pop.memberUuid, ids.memberUuid);
    assert.equal(pop.callerNumber, '15551234567');
    assert.equal(pop.callerName, 'Alice');
    assert.equal(pop.dnis, '7000');
    assert.equal(pop.phase, 'ringing');
    assert.equal(pop.dataUnavailable, undefined);
    assert.ok(Number.isInteger(pop.joinedAt) && pop.joinedAt > 1_600_000_000, `joinedAt ${pop.joinedAt}`);
    // The dialplan's exported variables win over the CRM field of the same name; unexported ones stay out.
    assert.deepEqual(pop.data, { name: 'Alice Smith', tier: 'gold', account_number: '42', lang: 'de' });

    // B (on break, same queue) was not offered the call.
    await settle(b.desk);
    assert.equal(b.desk.received.some((m) => m.type === 'call.offered'), false);

    // Another extension: its DNIS and its own exported variable; no CRM record for this number.
    await a.desk.next('call.bridged');
    s.fs.hangupCaller(ids.callerUuid);
    await a.desk.next('call.ended');
    s.fs.injectCaller({ number: '4930123456', name: 'Bernd', destination: '7001' });
    const pop2 = await a.desk.next('call.offered');
    assert.equal(pop2.dnis, '7001');
    assert.deepEqual(pop2.data, { campaign: 'spring-sale' });
    a.desk.close();
    b.desk.close();
  } finally {
    await s.stop();
  }
});

test('no record and nothing exported gives data null; an anonymous caller is not reported as Redis trouble', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });
    const first = s.fs.injectCaller({ number: '15550009999', name: 'Nobody', destination: '7001', variables: { cc_export_vars: '' } });
    const pop = await a.desk.next('call.offered');
    assert.equal(pop.memberUuid, first.memberUuid);
    assert.equal(pop.data, null);
    assert.equal(pop.dataUnavailable, undefined);
    await a.desk.next('call.bridged');
    s.fs.hangupCaller(first.callerUuid);
    await a.desk.next('call.ended', (m) => m.memberUuid === first.memberUuid);

    const anon = s.fs.injectCaller({ number: 'anonymous', name: 'Withheld', destination: '7001', variables: { cc_export_vars: '' } });
    const pop2 = await a.desk.next('call.offered');
    assert.equal(pop2.memberUuid, anon.memberUuid);
    assert.equal(pop2.callerNumber, 'anonymous');
    assert.equal(pop2.data, null);
    assert.equal(pop2.dataUnavailable, undefined, 'Redis is up: the record is absent, not unavailable');
    a.desk.close();
  } finally {
    await s.stop();
  }
});

test('bridged, then the caller hangs up: call.bridged, In a queue call, call.ended; a tab opened mid-call sees the call talking', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });
    s.fs.setAgentAnswer(A, { mode: 'answer', afterMs: 50 });
    const ids = s.fs.injectCaller({ number: '15551230000', name: 'Carol', variables: { account_number: '7' } });
    const offered = await a.desk.next('call.offered');
    const receiving = a.desk.received.find((m) => m.type === 'agent.state' && m.state === 'Receiving');
    assert.ok(receiving, 'agent.state Receiving with the offer');
    const bridged = await a.desk.next('call.bridged');
    assert.equal(bridged.memberUuid, ids.memberUuid);
    assert.equal(bridged.callerNumber, '15551230000');
    assert.ok(bridged.answeredAt >= offered.joinedAt);
    await a.desk.next('agent.state', (m) => m.state === 'In a queue call');
    assert.ok(bridged.seq > offered.seq);

    const tab = await login(s, A, { ready: true });
    assert.equal(tab.snapshot.call?.memberUuid, ids.memberUuid);
    assert.equal(tab.snapshot.call?.phase, 'talking');
    assert.equal(tab.snapshot.call?.answeredAt, bridged.answeredAt);
    assert.deepEqual(tab.snapshot.call?.data, { account_number: '7' });

    assert.equal(s.fs.hangupCaller(ids.callerUuid), true);
    const ended = await a.desk.next('call.ended');
    assert.equal(ended.memberUuid, ids.memberUuid);
    assert.equal(ended.cause, 'Terminated');
    assert.ok(ended.talkTimeS >= 0);
    await tab.desk.next('call.ended');
    await a.desk.next('agent.state', (m) => m.state === 'Waiting');
    // Exactly one ending for the call, although member-queue-end follows bridge-agent-end.
    await settle(a.desk);
    assert.equal(a.desk.received.filter((m) => (m.type === 'call.ended' || m.type === 'call.missed') && m.memberUuid === ids.memberUuid).length, 1);
    const fresh = await login(s, A, { ready: true });
    assert.equal(fresh.snapshot.call, null);
    a.desk.close();
    tab.desk.close();
    fresh.desk.close();
  } finally {
    await s.stop();
  }
});

test('the caller hangs up while the agent phone rings: exactly one ending for the call, and the pop goes', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });
    s.fs.setAgentAnswer(A, { mode: 'no-answer' });
    const ids = s.fs.injectCaller({ number: '15551239999', name: 'Quick' });
    await a.desk.next('call.offered');
    assert.equal(s.fs.hangupCaller(ids.callerUuid), true);
    // Not a miss: the caller gave up. The page gets call.ended (cause Cancel), once.
    const ended = await a.desk.next('call.ended');
    assert.equal(ended.memberUuid, ids.memberUuid);
    assert.equal(ended.cause, 'Cancel');
    assert.equal(ended.talkTimeS, 0);
    await waitFor(() => a.desk.received.some((m) => m.type === 'queue.waiting' && m.count === 0), 'queue empty');
    await settle(a.desk);
    const endings = a.desk.received.filter((m) => (m.type === 'call.ended' || m.type === 'call.missed') && m.memberUuid === ids.memberUuid);
    assert.equal(endings.length, 1, JSON.stringify(endings));
    // The agent was not at fault: the status stays Available.
    assert.equal(s.fs.agent(A)?.status, 'Available');
    const fresh = await login(s, A, { ready: true });
    assert.equal(fresh.snapshot.call, null);
    a.desk.close();
    fresh.desk.close();
  } finally {
    await s.stop();
  }
});

test('the agent hangs up a bridged call: call.ended', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });
    const ids = s.fs.injectCaller({ number: '15551231111', name: 'Dave' });
    await a.desk.next('call.bridged');
    assert.equal(s.fs.hangupAgent(A), true);
    const ended = await a.desk.next('call.ended');
    assert.equal(ended.memberUuid, ids.memberUuid);
    assert.equal(ended.cause, 'Terminated');
    await a.desk.next('agent.state', (m) => m.state === 'Waiting');
    assert.equal(s.fs.agent(A)?.status, 'Available');
    a.desk.close();
  } finally {
    await s.stop();
  }
});

test('an unanswered offer with max_no_answer 1: agent.status On Break, then call.missed carrying that status', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { maxNoAnswer: 1 });
    const a = await login(s, A, { ready: true });
    s.fs.setAgentAnswer(A, { mode: 'no-answer', afterMs: 50 });
    const ids = s.fs.injectCaller({ number: '15551232222', name: 'Erin' });
    const offered = await a.desk.next('call.offered');
    assert.equal(offered.memberUuid, ids.memberUuid);
    const missed = await a.desk.next('call.missed');
    assert.equal(missed.memberUuid, ids.memberUuid);
    assert.equal(missed.status, 'On Break');
    assert.equal(missed.callerNumber, '15551232222');
    assert.equal(missed.hangupCause, 'NO_ANSWER');
    const status = a.desk.received.find((m): m is Extract<typeof m, { type: 'agent.status' }> => m.type === 'agent.status' && m.status === 'On Break' && m.seq > offered.seq);
    assert.ok(status && status.seq < missed.seq, 'the page learns the new status before the miss');
    await switchStatus(s, A, 'On Break');
    // The caller waits on: the queue count says so, and no second offer comes while on break.
    const fresh = await login(s, A, { ready: false });
    assert.equal(fresh.snapshot.call, null);
    assert.equal(fresh.snapshot.queues[0]?.waiting, 1);
    a.desk.close();
    fresh.desk.close();
  } finally {
    await s.stop();
  }
});

test('a status change made on the switch itself (fs_cli) reaches the page as agent.status', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });
    assert.equal(s.fs.api(`callcenter_config agent set status ${A} 'On Break'`).trim(), '+OK');
    const p = await a.desk.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(p.reason, null);
    s.fs.api(`callcenter_config agent set status ${A} 'Available (On Demand)'`);
    await a.desk.next('agent.status', (m) => m.status === 'Available (On Demand)');
    s.fs.api(`callcenter_config agent set state ${A} Idle`);
    await a.desk.next('agent.state', (m) => m.state === 'Idle');
    a.desk.close();
  } finally {
    await s.stop();
  }
});

test('queue.waiting follows callers joining and leaving the queue', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: false });
    assert.equal(a.snapshot.queues[0]?.waiting, 0);
    const c1 = s.fs.injectCaller({ number: '15551110001', name: 'One' });
    assert.equal((await a.desk.next('queue.waiting')).count, 1);
    const c2 = s.fs.injectCaller({ number: '15551110002', name: 'Two' });
    const w2 = await a.desk.next('queue.waiting');
    assert.deepEqual([w2.queue, w2.count], [QUEUE, 2]);
    s.fs.hangupCaller(c1.callerUuid);
    assert.equal((await a.desk.next('queue.waiting')).count, 1);
    // Ready: the remaining caller is offered to us and leaves the waiting count when bridged.
    assert.equal((await a.desk.request({ type: 'ready' })).type, 'ack');
    const offered = await a.desk.next('call.offered');
    assert.equal(offered.memberUuid, c2.memberUuid);
    await a.desk.next('call.bridged');
    assert.equal((await a.desk.next('queue.waiting')).count, 0);
    a.desk.close();
  } finally {
    await s.stop();
  }
});

test('queue.waiting is coalesced: a burst of callers gives a few pushes per page, ending at the true count', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    await addAgent(s, B);
    const a = await login(s, A, { ready: false });
    const b = await login(s, B, { ready: false });
    const callers = Array.from({ length: 40 }, (_, i) => s.fs.injectCaller({ number: String(15552220000 + i), name: `Burst ${i}` }));
    await a.desk.next('queue.waiting', (m) => m.count === 40);
    await b.desk.next('queue.waiting', (m) => m.count === 40);
    const counts = (d: DeskClient) => d.received.flatMap((m) => (m.type === 'queue.waiting' ? [m.count] : []));
    // Each push says something new, both pages are told the same, and the last is the true count.
    // How few pushes a burst gives depends on how fast it arrives (one in the first second, then one a
    // second): a clock figure, so only "fewer pushes than members-count events" is asserted.
    const noRepeats = (xs: number[]) => xs.every((x, i) => i === 0 || x !== xs[i - 1]);
    const events = (await s.api('GET', '/metrics')).body as string;
    const membersCount = Number(/cc_events_total\{action="members-count"\} (\d+)/.exec(events)?.[1] ?? 0);
    assert.ok(membersCount >= 40, `members-count events: ${membersCount}`);
    assert.ok(counts(a.desk).length < 40, `coalesced: ${counts(a.desk).length} pushes for 40 members-count events`);
    assert.ok(noRepeats(counts(a.desk)), `pushes: ${counts(a.desk).join(',')}`);
    assert.deepEqual(counts(b.desk), counts(a.desk));
    for (const c of callers.slice(0, 25)) s.fs.hangupCaller(c.callerUuid);
    await a.desk.next('queue.waiting', (m) => m.count === 15);
    assert.ok(noRepeats(counts(a.desk)), `pushes: ${counts(a.desk).join(',')}`);
    assert.equal(counts(a.desk).at(-1), 15);
    a.desk.close();
    b.desk.close();
  } finally {
    await s.stop();
  }
});

test('queue.waiting after a snapshot: a page that saw a count in its snapshot is told when it changes back', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    await addAgent(s, B);
    const a = await login(s, A, { ready: false });
    const b = await login(s, B, { ready: false });
    const token = b.ack.token;
    b.desk.ws.terminate();
    await waitFor(() => (s.gw.desk.channel(B)?.sockets.size ?? 1) === 0, 'B page gone');
    // The first change is pushed at once (count 1); changes within the next 250 ms wait for the interval.
    const c1 = s.fs.injectCaller({ number: '15553330001', name: 'One' });
    await a.desk.next('queue.waiting', (m) => m.count === 1);
    const c2 = s.fs.injectCaller({ number: '15553330002', name: 'Two' });
    await waitFor(() => s.gw.view.waitingCount(QUEUE) === 2, 'gateway counted two');
    const b2 = await DeskClient.open(s.url);
    assert.equal((await b2.request({ type: 'resume', agent: B, token, lastSeq: 0 })).type, 'ack');
    assert.equal((await b2.next('snapshot')).queues[0]?.waiting, 2);
    s.fs.hangupCaller(c2.callerUuid);
    // Back to 1, the count A was last pushed: B, whose snapshot said 2, must still hear of it.
    await b2.next('queue.waiting', (m) => m.count === 1);
    s.fs.hangupCaller(c1.callerUuid);
    await a.desk.next('queue.waiting', (m) => m.count === 0);
    await b2.next('queue.waiting', (m) => m.count === 0);
    a.desk.close();
    b2.close();
  } finally {
    await s.stop();
  }
});

test('Redis down when the caller joins: call.offered still comes, with data null and dataUnavailable', async () => {
  const s = await stack();
  try {
    await addAgent(s, A);
    assert.equal((await s.api('PUT', '/api/callers/15551234567', { name: 'Alice Smith' })).status, 200);
    const a = await login(s, A, { ready: true });
    await s.redis.stop();
    const ids = s.fs.injectCaller({ number: '15551234567', name: 'Alice', variables: { account_number: '42' } });
    const pop = await a.desk.next('call.offered');
    assert.equal(pop.memberUuid, ids.memberUuid);
    assert.equal(pop.callerNumber, '15551234567');
    assert.equal(pop.callerName, 'Alice');
    assert.equal(pop.data, null);
    assert.equal(pop.dataUnavailable, true);
    // The call goes on as usual.
    await a.desk.next('call.bridged');
    a.desk.close();
  } finally {
    await s.stop();
  }
});
