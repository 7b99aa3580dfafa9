/**
 * The desk's directory (src/realtime/directory.ts) on the double, end to end: the
 * other agents of the agent's queues with their status as the switch reports it,
 * the queues with their waiting counts, sent at login and resume and coalesced per
 * socket (counted, not timed); and the transfer of kind `agent`, resolved from the
 * agent's contact in the view and refused for anyone outside the directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';
import type { DirectoryMessage } from '../../src/realtime/protocol.js';
import { DeskClient, startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, commandsSince, login, mark, QUEUE } from './desk-helpers.js';

const A = '1001@default';
const B = '1002@default';
const C = '1003@default';
const D = '1004@default';
const SALES = 'sales@default';

function stack(): Promise<Stack> {
  return startStack({ double: { queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }], dialplan: { '7000': { queue: QUEUE }, '7100': { queue: SALES } } } });
}

function directories(desk: DeskClient): DirectoryMessage[] {
  return desk.received.filter((m): m is DirectoryMessage => m.type === 'directory');
}

const lastDirectory = (desk: DeskClient): DirectoryMessage | undefined => directories(desk).at(-1);

/** The first directory of a page (it may come before or after the snapshot: with the shared stream the snapshot waits for Redis). */
async function firstDirectory(desk: DeskClient): Promise<DirectoryMessage> {
  await waitFor(() => directories(desk).length > 0, 'a directory');
  return directories(desk)[0]!;
}

test('directory: the agents of my queues with their status, availability and phone; my queues with their waiting counts; not numbered', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    await addAgent(s, B, { contact: 'user/1002', status: 'Available' });
    await addAgent(s, C, { contact: 'null/agent-1003' }); // no directory phone: listed, not reachable
    await addAgent(s, D, { contact: 'user/1004', queue: SALES }); // another queue only: not listed
    const a = await login(s, A, { directory: true });
    const first = await firstDirectory(a.desk);
    assert.equal('seq' in first, false, 'presence, not a numbered push');
    assert.deepEqual(first.queues, [{ name: QUEUE, waiting: 0 }]);
    assert.deepEqual(
      first.agents.map((x) => x.name),
      [B, C],
      'the available agent first, then by name; not the agent itself, not another queue’s agent',
    );
    assert.deepEqual(first.agents[0], { name: B, status: 'Available', state: 'Waiting', onCall: false, available: true, reachable: true });
    assert.deepEqual(first.agents[1], { name: C, status: 'Logged Out', state: 'Waiting', onCall: false, available: false, reachable: false });
    assert.equal(first.truncated, false);

    // A caller waits (nobody is Available in sales): the queue's count, as the switch reports it.
    await s.api('PUT', `/api/agents/${encodeURIComponent(B)}/status`, { status: 'On Break' });
    await waitFor(() => lastDirectory(a.desk)?.agents.find((x) => x.name === B)?.status === 'On Break', 'B On Break in the directory', 10000);
    assert.equal(lastDirectory(a.desk)?.agents.find((x) => x.name === B)?.available, false);
    s.fs.injectCaller({ number: '15551230901', name: 'Wait', destination: '7000' });
    await waitFor(() => lastDirectory(a.desk)?.queues[0]?.waiting === 1, 'waiting 1 in the directory', 10000);

    // A tier in sales for A: D joins A's directory, and sales its queues.
    assert.equal((await s.api('POST', '/api/tiers', { queue: SALES, agent: A })).status, 201);
    await waitFor(() => lastDirectory(a.desk)?.agents.some((x) => x.name === D) === true, 'D listed once A serves sales', 10000);
    assert.deepEqual(lastDirectory(a.desk)?.queues.map((q) => q.name).sort(), [QUEUE, SALES].sort());

    // Resume on a new socket: a fresh directory at once, whatever the replay.
    const seq = Math.max(...a.desk.received.flatMap((m) => ('seq' in m && typeof m.seq === 'number' ? [m.seq] : [])));
    const token = a.ack.token;
    a.desk.close();
    const again = await DeskClient.open(s.url);
    const r = await again.request({ type: 'resume', agent: A, token, lastSeq: seq, directory: true });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    const resumed = await firstDirectory(again);
    assert.deepEqual(resumed.agents.map((x) => x.name).sort(), [B, C, D]);

    // Logged out: the socket speaks for nobody, and gets no more directories.
    const before = directories(again).length;
    assert.equal((await again.request({ type: 'logout' })).type, 'ack');
    await s.api('PUT', `/api/agents/${encodeURIComponent(B)}/status`, { status: 'Available' });
    await waitFor(() => s.gw.view.agents.get(B)?.status === 'Available', 'B Available in the view');
    again.ws.send('{');
    await again.next('error', (m) => m.code === 'BAD_JSON');
    // The change above would have been sent within a second; the feed dropped the socket at logout's next flush.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(directories(again).length, before, 'nothing after logout');
    again.close();
  } finally {
    await s.stop();
  }
});

test('directory: coalesced per socket; many status changes make few directories, the last one the switch’s final state', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    await addAgent(s, B, { contact: 'user/1002' });
    const a = await login(s, A, { directory: true });
    await firstDirectory(a.desk);
    const before = directories(a.desk).length;
    const CHANGES = 40;
    const started = Date.now();
    for (let i = 0; i < CHANGES; i++) {
      const r = await s.api('PUT', `/api/agents/${encodeURIComponent(B)}/status`, { status: i % 2 === 0 ? 'Available' : 'On Break' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    // The final status is On Break (CHANGES even): the last directory must say so.
    await waitFor(() => lastDirectory(a.desk)?.agents.find((x) => x.name === B)?.status === 'On Break' && s.gw.view.agents.get(B)?.status === 'On Break', 'final status in the directory', 15000);
    // One more round trip after a full interval: a directory still due would have come by then.
    await new Promise((r) => setTimeout(r, 1200));
    const elapsedS = (Date.now() - started) / 1000;
    const got = directories(a.desk).length - before;
    // At most one per second per socket (plus the first at once and the one due at the end):
    // a bound on the count, which a loaded machine only makes looser.
    assert.ok(got <= Math.ceil(elapsedS) + 2, `${got} directories in ${elapsedS.toFixed(1)} s for ${CHANGES} changes`);
    assert.ok(got < CHANGES, `${got} directories for ${CHANGES} changes: coalesced`);
    assert.ok(got >= 1);
    assert.equal(lastDirectory(a.desk)?.agents.find((x) => x.name === B)?.status, 'On Break');

    // Changes the directory does not show (another queue's agent) send nothing.
    await addAgent(s, D, { contact: 'user/1004', queue: SALES });
    const n = directories(a.desk).length;
    await s.api('PUT', `/api/agents/${encodeURIComponent(D)}/status`, { status: 'Available' });
    await waitFor(() => s.gw.view.agents.get(D)?.status === 'Available', 'D Available in the view');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(directories(a.desk).length, n, 'another queue’s agent is none of this page’s business');
    a.desk.close();
  } finally {
    await s.stop();
  }
});

test('transfer to an agent: resolved from its contact in the view; refused for itself, another queue’s agent, an agent without a phone; nothing sent', async () => {
  const s = await stack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    await addAgent(s, B, { contact: 'user/1002' });
    await addAgent(s, C, { contact: 'null/agent-1003' });
    await addAgent(s, D, { contact: 'user/1004', queue: SALES });
    const a = await login(s, A, { ready: true });
    const ids = s.fs.injectCaller({ number: '15551230555', name: 'Xfer', destination: '7000' });
    await a.desk.next('call.bridged');

    const from = mark(s);
    for (const [to, why] of [
      [A, 'itself'],
      [D, 'an agent of another queue'],
      ['9999@default', 'an unknown agent'],
      [C, 'no directory phone'],
    ] as const) {
      const r = await a.desk.request({ type: 'call.transfer', kind: 'agent', to });
      assert.equal(r.type === 'error' && r.code, 'BAD_TARGET', `${why}: ${JSON.stringify(r)}`);
    }
    for (const to of ['user/1002', '1002', '1002@default|x', "1002@default'"]) {
      const r = await a.desk.request({ type: 'call.transfer', kind: 'agent', to });
      assert.equal(r.type === 'error' && r.code, 'BAD_MESSAGE', `${to}: ${JSON.stringify(r)}`);
    }
    assert.deepEqual(commandsSince(s, from).filter((c) => c.includes('uuid_transfer')), [], 'nothing reached the switch');

    // B sits at another phone now (a dynamic seat): the transfer follows the contact the switch has.
    assert.equal((await s.api('PATCH', `/api/agents/${encodeURIComponent(B)}`, { contact: 'user/1077' })).status, 200);
    await waitFor(() => s.gw.view.agents.get(B)?.contact === 'user/1077', 'B’s new contact in the view');
    const r = await a.desk.request({ type: 'call.transfer', kind: 'agent', to: B });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    assert.deepEqual(commandsSince(s, from).filter((c) => c.includes('uuid_transfer')), [`api uuid_transfer ${ids.memberSessionUuid} 1077 XML default`]);
    const t = await a.desk.next('call.transferred');
    assert.deepEqual({ kind: t.kind, to: t.to }, { kind: 'agent', to: B });
    // This page did not ask for the directory: a transfer of kind agent needs none, and it got none.
    assert.equal(directories(a.desk).length, 0);
    a.desk.close();
  } finally {
    await s.stop();
  }
});
