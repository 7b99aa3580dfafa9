/**
 * Agent desk commands over a real WebSocket, against the FreeSWITCH double
 * (real TCP) and a private redis-server: what reaches the switch, when the
 * ack comes, refusals, dynamic seats, tabs, and one agent never acting for another.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, DeskClient, waitFor } from '../helpers/stack.js';
import { addAgent, commandsSince, login, mark, passwordOf, switchStatus } from './desk-helpers.js';

const A = '1001@default';
const B = '1002@default';

test('login, busy, ready and logout reach the switch as callcenter_config commands; each ack follows the switch', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    let from = mark(s);
    const { desk, ack, snapshot } = await login(s, A, { ready: false });
    // Not ready: the agent is put On Break (reason "logged in"), which the snapshot reflects.
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set status ${A} 'On Break'`]);
    assert.equal(s.fs.agent(A)?.status, 'On Break');
    assert.equal(ack.agent, A);
    assert.match(ack.token ?? '', /^[A-Za-z0-9_-]{32}$/);
    assert.equal(snapshot.agent.status, 'On Break');
    assert.equal(snapshot.agent.breakReason, 'logged in');
    assert.deepEqual(snapshot.queues.map((q) => [q.name, q.tierState, q.waiting]), [['support@default', 'Ready', 0]]);
    assert.equal(snapshot.switchConnected, true);
    assert.ok(snapshot.breakReasons.includes('lunch'));

    // ready: the switch gets `Available`; the status push (from the switch's event) precedes the ack.
    from = mark(s);
    const readyAck = await desk.request({ type: 'ready' });
    assert.equal(readyAck.type, 'ack', JSON.stringify(readyAck));
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set status ${A} Available`]);
    assert.equal(s.fs.agent(A)?.status, 'Available');
    const avail = desk.received.findIndex((m) => m.type === 'agent.status' && m.status === 'Available');
    assert.ok(avail >= 0 && avail < desk.received.indexOf(readyAck), 'agent.status Available before the ack');
    assert.equal((readyAck as { seq?: number }).seq, (desk.received[avail] as { seq: number }).seq);

    // busy with a reason while Available: exactly one status push, carrying the reason.
    from = mark(s);
    const before = desk.received.length;
    const busyAck = await desk.request({ type: 'busy', reason: 'lunch' });
    assert.equal(busyAck.type, 'ack', JSON.stringify(busyAck));
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set status ${A} 'On Break'`]);
    const statusPushes = desk.received.slice(before).filter((m) => m.type === 'agent.status');
    assert.deepEqual(
      statusPushes.map((m) => [m.status, m.reason]),
      [['On Break', 'lunch']],
    );

    // busy again with another reason: the switch sees the same status, the pages the new reason.
    const again = await desk.request({ type: 'busy', reason: 'meeting' });
    assert.equal(again.type, 'ack');
    const last = await desk.next('agent.status', (m) => m.reason === 'meeting');
    assert.equal(last.status, 'On Break');

    // logout: Logged Out on the switch, ack after; the resume token is revoked.
    from = mark(s);
    const outAck = await desk.request({ type: 'logout' });
    assert.equal(outAck.type, 'ack', JSON.stringify(outAck));
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set status ${A} 'Logged Out'`]);
    assert.equal(s.fs.agent(A)?.status, 'Logged Out');
    const other = await DeskClient.open(s.url);
    const resumed = await other.request({ type: 'resume', agent: A, token: ack.token, lastSeq: 1 });
    assert.equal(resumed.type, 'error');
    assert.equal((resumed as { code: string }).code, 'BAD_TOKEN');
    desk.close();
    other.close();
  } finally {
    await s.stop();
  }
});

test('the ack waits for the switch: a stalled command gets no ack until the switch answers', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const { desk } = await login(s, A, { ready: false });
    s.fs.pause((c) => c.includes('agent set status'));
    const from = mark(s);
    const id = desk.send({ type: 'ready' });
    await waitFor(() => commandsSince(s, from).includes(`api callcenter_config agent set status ${A} Available`), 'command received by the switch');
    // A frame refused by the gateway itself is answered at once: once its error is here, the
    // gateway has handled everything sent before it, and no ack for the stalled command may be.
    desk.ws.send('{not json');
    await desk.next('error', (m) => m.code === 'BAD_JSON');
    assert.equal(desk.received.find((m) => m.type === 'ack' && m.id === id), undefined, 'no ack before the switch answered');
    assert.equal(desk.received.find((m) => m.type === 'agent.status' && m.status === 'Available'), undefined);
    s.fs.resume();
    const ack = await desk.next('ack', (m) => m.id === id);
    const pushAt = desk.received.findIndex((m) => m.type === 'agent.status' && m.status === 'Available');
    assert.ok(pushAt >= 0 && pushAt < desk.received.indexOf(ack), 'status push from the switch, then the ack');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('a command the switch refuses gives an error with a code and no ack', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const { desk } = await login(s, A, { ready: false });
    // Deleted behind the gateway's back (fs_cli): no event tells the gateway.
    assert.equal(s.fs.api(`callcenter_config agent del ${A}`).trim(), '+OK');
    const from = mark(s);
    const id = desk.send({ type: 'ready' });
    const err = await desk.next('error', (m) => m.id === id);
    assert.equal(err.code, 'AGENT_NOT_FOUND');
    assert.match(err.message, /Agent not found/);
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set status ${A} Available`]);
    const busy = await desk.request({ type: 'busy', reason: 'lunch' });
    assert.equal(busy.type, 'error');
    assert.equal(desk.received.filter((m) => m.type === 'ack').length, 1, 'only the login was acked');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('a login that the switch refuses leaves no presence timers behind', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A, { status: 'Available' });
    assert.equal(s.fs.api(`callcenter_config agent del ${A}`).trim(), '+OK');
    const desk = await DeskClient.open(s.url);
    const r = await desk.request({ type: 'login', agent: A, password: passwordOf(A), ready: false });
    assert.equal(r.type, 'error', JSON.stringify(r));
    assert.equal((r as { code: string }).code, 'AGENT_NOT_FOUND');
    // The page never logged in: the gateway must not later set the agent On Break or Logged Out for it.
    const ch = s.gw.desk.channel(A);
    assert.ok(!ch || (ch.awayTimer === null && ch.logoutTimer === null), 'no grace timers for a failed login');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('login with a contact moves the agent to that phone; a second seat moves it again and every tab hears it', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    let from = mark(s);
    const first = await login(s, A, { ready: true, contact: 'user/1005' });
    assert.deepEqual(commandsSince(s, from), [
      `api callcenter_config agent set contact ${A} user/1005`,
      `api callcenter_config agent set status ${A} Available`,
    ]);
    assert.equal(s.fs.agent(A)?.contact, 'user/1005');
    assert.equal(first.snapshot.agent.contact, 'user/1005');

    from = mark(s);
    const second = await login(s, A, { ready: true, contact: '[leg_timeout=15]user/1006' });
    // Already Available: only the contact changes.
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set contact ${A} [leg_timeout=15]user/1006`]);
    assert.equal(s.fs.agent(A)?.contact, '[leg_timeout=15]user/1006');
    const moved = await first.desk.next('agent.contact');
    assert.equal(moved.contact, '[leg_timeout=15]user/1006');
    assert.equal(second.snapshot.agent.contact, '[leg_timeout=15]user/1006');

    // Back to the first phone: the switch must be told even though the gateway saw it before.
    from = mark(s);
    await login(s, A, { ready: true, contact: 'user/1005' });
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set contact ${A} user/1005`]);
    assert.equal(s.fs.agent(A)?.contact, 'user/1005');

    // Without a contact the agent keeps the phone it has.
    from = mark(s);
    await login(s, A, { ready: true });
    assert.deepEqual(commandsSince(s, from), []);
  } finally {
    await s.stop();
  }
});

test('several tabs of one agent all receive the same pushes; closing one keeps the agent logged in', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const t1 = await login(s, A, { ready: true });
    const t2 = await login(s, A, { ready: true });
    // The second login's snapshot reaches the first tab too, with the same seq.
    const snap1 = await t1.desk.next('snapshot');
    assert.equal(snap1.seq, t2.snapshot.seq);

    s.fs.api(`callcenter_config agent set status ${A} 'On Break'`);
    const p1 = await t1.desk.next('agent.status', (m) => m.status === 'On Break');
    const p2 = await t2.desk.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(p1.seq, p2.seq);

    // A command from tab 2 is seen by tab 1.
    const r = await t2.desk.request({ type: 'ready' });
    assert.equal(r.type, 'ack');
    await t1.desk.next('agent.status', (m) => m.status === 'Available');

    t1.desk.close();
    await waitFor(() => s.gw.desk.channel(A)?.sockets.size === 1, 'one socket left');
    assert.equal(s.gw.desk.channel(A)?.awayTimer, null, 'no away timer while a tab is open');
    const t3 = await login(s, A, { ready: true });
    s.fs.injectCaller({ number: '15550001111', name: 'Tab Test' });
    const o2 = await t2.desk.next('call.offered');
    const o3 = await t3.desk.next('call.offered');
    assert.equal(o2.seq, o3.seq);
    assert.equal(o2.memberUuid, o3.memberUuid);
    t2.desk.close();
    t3.desk.close();
  } finally {
    await s.stop();
  }
});

test('one agent cannot act on another', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    await addAgent(s, B, { status: 'Available' });
    const a = await login(s, A, { ready: false });
    const b = await login(s, B, { ready: true });
    const from = mark(s);

    // Messages carry no agent: an `agent` field is refused by the schema, nothing reaches the switch.
    for (const msg of [
      { type: 'ready', agent: B },
      { type: 'busy', reason: 'lunch', agent: B },
      { type: 'logout', agent: B },
    ]) {
      const r = await a.desk.request(msg);
      assert.equal(r.type, 'error', JSON.stringify(r));
      assert.equal((r as { code: string }).code, 'BAD_MESSAGE');
    }
    // A socket speaks for one agent only.
    const again = await a.desk.request({ type: 'login', agent: B, password: passwordOf(B) });
    assert.equal((again as { code: string }).code, 'ALREADY_LOGGED_IN');
    // Another agent's password does not open this one.
    const x = await DeskClient.open(s.url);
    const wrong = await x.request({ type: 'login', agent: B, password: passwordOf(A) });
    assert.equal((wrong as { code: string }).code, 'AUTH_FAILED');
    // A's resume token does not resume B.
    const stolen = await x.request({ type: 'resume', agent: B, token: a.ack.token, lastSeq: 0 });
    assert.equal((stolen as { code: string }).code, 'BAD_TOKEN');
    assert.deepEqual(commandsSince(s, from), []);
    assert.equal(s.fs.agent(B)?.status, 'Available');

    // A's own command changes A only, and B's page hears nothing of it.
    const r = await a.desk.request({ type: 'ready' });
    assert.equal(r.type, 'ack');
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set status ${A} Available`]);
    await switchStatus(s, A, 'Available');
    s.fs.api(`callcenter_config agent set status ${B} 'On Break'`);
    await b.desk.next('agent.status', (m) => m.status === 'On Break');
    // A round trip on A's socket: anything the gateway sent A for B's change would be here by now.
    a.desk.ws.send('[]');
    await a.desk.next('error', (m) => m.code === 'BAD_MESSAGE' && m.id === null);
    const statuses = (d: DeskClient) => d.received.flatMap((m) => (m.type === 'agent.status' ? [[m.status, m.reason]] : []));
    assert.deepEqual(statuses(b.desk), [['On Break', null]]);
    assert.deepEqual(statuses(a.desk), [['On Break', 'logged in'], ['Available', null]]);
    a.desk.close();
    b.desk.close();
    x.close();
  } finally {
    await s.stop();
  }
});
