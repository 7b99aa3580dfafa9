/**
 * Agent desk continuity: resume after a dropped socket (replay exactly once,
 * or a snapshot when the buffer no longer reaches back), the away/logout
 * graces, and the ESL link going down and coming back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, DeskClient, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, closed, commandsSince, login, mark, seqs, switchStatus } from './desk-helpers.js';

const A = '1001@default';
const B = '1002@default';
const C = '1003@default';

/** Closes the page's socket and waits until the gateway has noticed. */
async function dropPage(s: Stack, desk: DeskClient, agent: string): Promise<void> {
  const gone = closed(desk);
  desk.ws.terminate();
  await gone;
  await waitFor(() => (s.gw.desk.channel(agent)?.sockets.size ?? 0) === 0, `gateway saw ${agent}'s page go`);
}

function lastSeq(desk: DeskClient): number {
  const all = seqs(desk);
  return all[all.length - 1] ?? 0;
}

test('resume after a dropped socket replays exactly the missed pushes, in order, and numbering continues', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const first = await login(s, A, { ready: true });
    assert.equal(first.snapshot.agent.status, 'Available');
    const seen = lastSeq(first.desk);
    await dropPage(s, first.desk, A);

    // Three changes on the switch while the page is away.
    s.fs.api(`callcenter_config agent set status ${A} 'On Break'`);
    s.fs.api(`callcenter_config agent set status ${A} Available`);
    s.fs.api(`callcenter_config agent set state ${A} Idle`);
    await waitFor(() => (s.gw.desk.channel(A)?.seq ?? 0) >= seen + 3, 'three pushes buffered');

    const second = await DeskClient.open(s.url);
    const ack = await second.request({ type: 'resume', agent: A, token: first.ack.token, lastSeq: seen });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    assert.equal((ack as { seq?: number }).seq, seen + 3);
    await second.next('agent.state', (m) => m.state === 'Idle');
    const replayed = second.received.filter((m) => m.type !== 'ack');
    assert.deepEqual(
      replayed.map((m) => [m.type, 'seq' in m ? m.seq : null]),
      [
        ['agent.status', seen + 1],
        ['agent.status', seen + 2],
        ['agent.state', seen + 3],
      ],
    );
    assert.equal(second.received.indexOf(ack), 0, 'ack first, then the replay');

    // Live pushes continue the numbering; together the two sockets saw every seq exactly once.
    s.fs.api(`callcenter_config agent set state ${A} Waiting`);
    const live = await second.next('agent.state', (m) => m.state === 'Waiting');
    assert.equal(live.seq, seen + 4);
    const all = [...seqs(first.desk), ...seqs(second)];
    assert.deepEqual(all, Array.from({ length: all.length }, (_, i) => i + 1));

    // A page that already has everything gets nothing replayed (and no snapshot).
    const third = await DeskClient.open(s.url);
    const ack3 = await third.request({ type: 'resume', agent: A, token: first.ack.token, lastSeq: live.seq });
    assert.equal(ack3.type, 'ack');
    third.ws.send('{');
    await third.next('error', (m) => m.code === 'BAD_JSON');
    assert.deepEqual(third.received.map((m) => m.type), ['ack', 'error']);
    // Both sockets get what comes next, once each.
    s.fs.api(`callcenter_config agent set status ${A} 'On Break'`);
    const p2 = await second.next('agent.status', (m) => m.status === 'On Break');
    const p3 = await third.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(p2.seq, live.seq + 1);
    assert.equal(p3.seq, live.seq + 1);
    second.close();
    third.close();
  } finally {
    await s.stop();
  }
});

test('resume that reaches back past the buffer, or from a fresh page, or past a gateway restart gets a snapshot', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const first = await login(s, A, { ready: true });
    assert.equal(first.snapshot.agent.status, 'Available');
    const seen = lastSeq(first.desk);
    await dropPage(s, first.desk, A);
    // More changes than the 256 kept for replay.
    for (let i = 0; i < 150; i++) {
      s.fs.api(`callcenter_config agent set status ${A} 'On Break'`);
      s.fs.api(`callcenter_config agent set status ${A} Available`);
    }
    await waitFor(() => (s.gw.desk.channel(A)?.seq ?? 0) >= seen + 300, '300 pushes made');
    const now = s.gw.desk.channel(A)!.seq;

    const late = await DeskClient.open(s.url);
    const ack = await late.request({ type: 'resume', agent: A, token: first.ack.token, lastSeq: seen });
    assert.equal(ack.type, 'ack');
    const snap = await late.next('snapshot');
    assert.equal(snap.seq, now + 1);
    assert.equal(snap.agent.status, 'Available');
    late.ws.send('{');
    await late.next('error', (m) => m.code === 'BAD_JSON');
    assert.deepEqual(late.received.map((m) => m.type), ['ack', 'snapshot', 'error'], 'no stale replay, only the snapshot');

    // lastSeq 0: a freshly loaded page wants the present.
    const fresh = await DeskClient.open(s.url);
    assert.equal((await fresh.request({ type: 'resume', agent: A, token: first.ack.token, lastSeq: 0 })).type, 'ack');
    assert.equal((await fresh.next('snapshot')).seq, now + 2);

    // A lastSeq ahead of the gateway (it restarted): numbering continues after the page's.
    late.close();
    fresh.close();
    await waitFor(() => (s.gw.desk.channel(A)?.sockets.size ?? 0) === 0, 'pages gone');
    s.gw.desk.close(); // forget every channel, as a restarted gateway would
    const after = await DeskClient.open(s.url);
    assert.equal((await after.request({ type: 'resume', agent: A, token: first.ack.token, lastSeq: now + 50 })).type, 'ack');
    const snap2 = await after.next('snapshot');
    assert.equal(snap2.seq, now + 51);
    after.close();

    // A bad token is refused and the socket stays usable.
    const bad = await DeskClient.open(s.url);
    const refused = await bad.request({ type: 'resume', agent: A, token: 'x'.repeat(32), lastSeq: 3 });
    assert.equal((refused as { code: string }).code, 'BAD_TOKEN');
    assert.equal((await bad.request({ type: 'resume', agent: A, token: first.ack.token, lastSeq: 0 })).type, 'ack');
    bad.close();
  } finally {
    await s.stop();
  }
});

test('graces: a vanished page goes On Break (disconnected) after AGENT_AWAY_GRACE_S, Logged Out after AGENT_LOGOUT_GRACE_S; a reconnect within grace cancels', async () => {
  const s = await startStack({ env: { AGENT_AWAY_GRACE_S: '1', AGENT_LOGOUT_GRACE_S: '2' } });
  try {
    for (const agent of [A, B, C]) await addAgent(s, agent);
    const a = await login(s, A, { ready: true });
    const b = await login(s, B, { ready: true });
    const c = await login(s, C, { ready: true });
    const from = mark(s);

    // B goes and comes back at once; C goes; then A goes. B's timers, had they survived,
    // would fire before C's and A's (same graces, started earlier).
    await dropPage(s, b.desk, B);
    assert.ok(s.gw.desk.channel(B)?.awayTimer, 'grace started for B');
    const b2 = await DeskClient.open(s.url);
    assert.equal((await b2.request({ type: 'resume', agent: B, token: b.ack.token, lastSeq: lastSeq(b.desk) })).type, 'ack');
    assert.equal(s.gw.desk.channel(B)?.awayTimer, null);
    assert.equal(s.gw.desk.channel(B)?.logoutTimer, null);
    await dropPage(s, c.desk, C);
    await dropPage(s, a.desk, A);

    await switchStatus(s, C, 'On Break', 3000);
    // C comes back between the two graces: the break it finds was set for the disconnect.
    const c2 = await DeskClient.open(s.url);
    assert.equal((await c2.request({ type: 'resume', agent: C, token: c.ack.token, lastSeq: lastSeq(c.desk) })).type, 'ack');
    const cBreak = await c2.next('agent.status', (m) => m.status === 'On Break');
    assert.equal(cBreak.reason, 'disconnected');

    await switchStatus(s, A, 'On Break', 3000);
    await switchStatus(s, A, 'Logged Out', 3000);
    assert.deepEqual(commandsSince(s, from), [
      `api callcenter_config agent set status ${C} 'On Break'`,
      `api callcenter_config agent set status ${A} 'On Break'`,
      `api callcenter_config agent set status ${A} 'Logged Out'`,
    ]);
    // C's logout grace was cancelled by its return (it would have fired before A's).
    assert.equal(s.fs.agent(C)?.status, 'On Break');
    assert.equal(s.fs.agent(B)?.status, 'Available');
    await waitFor(() => s.gw.desk.channel(A) === undefined, 'A forgotten after logout');

    // A's page returns after the logout: its session still resumes, showing the truth.
    const a2 = await DeskClient.open(s.url);
    assert.equal((await a2.request({ type: 'resume', agent: A, token: a.ack.token, lastSeq: lastSeq(a.desk) })).type, 'ack');
    assert.equal((await a2.next('snapshot')).agent.status, 'Logged Out');
    b2.close();
    c2.close();
    a2.close();
  } finally {
    await s.stop();
  }
});

test('ESL drop: pages get link false, then link true and a fresh snapshot; commands while down are refused, never acked', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });
    assert.equal(a.snapshot.agent.status, 'Available');

    s.fs.dropConnections();
    const down = await a.desk.next('link');
    assert.equal(down.switchConnected, false);
    const up = await a.desk.next('link');
    assert.equal(up.switchConnected, true);
    const snap = await a.desk.next('snapshot');
    assert.ok(snap.seq === up.seq + 1, 'snapshot right after link true');
    assert.equal(snap.switchConnected, true);
    assert.equal(snap.agent.status, 'Available');

    // The switch goes away for longer; a change made on it meanwhile shows after the reconnect.
    let downs = 0;
    s.gw.callCenter.on('down', () => downs++);
    await s.fs.stop();
    assert.equal((await a.desk.next('link')).switchConnected, false);
    // Every failed reconnect attempt reports the link down again; the page hears it once.
    await waitFor(() => downs >= 4, 'failed reconnect attempts');
    const from = mark(s);
    const id = a.desk.send({ type: 'busy', reason: 'lunch' });
    const err = await a.desk.next('error', (m) => m.id === id);
    assert.equal(err.code, 'SWITCH_DOWN');
    assert.deepEqual(commandsSince(s, from), [], 'nothing reached the switch');
    s.fs.api(`callcenter_config agent set status ${A} 'On Break'`);
    await s.fs.restart({ keepState: true });
    assert.equal((await a.desk.next('link')).switchConnected, true);
    assert.deepEqual(
      a.desk.received.flatMap((m) => (m.type === 'link' ? [m.switchConnected] : [])),
      [false, true, false, true],
      'one link push per transition',
    );
    const snap2 = await a.desk.next('snapshot');
    assert.equal(snap2.agent.status, 'On Break');
    assert.equal(snap2.switchConnected, true);
    assert.equal(a.desk.received.some((m) => m.type === 'ack' && m.id === id), false);
    // Usable again.
    assert.equal((await a.desk.request({ type: 'ready' })).type, 'ack');
    assert.equal(s.fs.agent(A)?.status, 'Available');
    a.desk.close();
  } finally {
    await s.stop();
  }
});
