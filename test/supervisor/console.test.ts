/**
 * The supervisor console socket end to end on the FreeSWITCH double: login,
 * snapshot, live diffs, filters, and the per-token queue scope under attack
 * (a token limited to sales asking for support's agents, calls and queue).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, SUPERVISOR, startStack, waitFor, type Stack } from '../helpers/stack.js';
import { FIXTURE_QUEUE } from '../../src/fsdouble/index.js';
import { addAgent } from '../realtime/desk-helpers.js';
import { ConsoleClient } from './helpers.js';

const SUPPORT = 'support@default';
const SALES = 'sales@default';
const SCOPED = 'sales-only-token-0123456789';
const S1 = '3001@default'; // support only
const S2 = '3002@default'; // sales only
const BOTH = '3003@default'; // both queues

async function stack(): Promise<Stack> {
  return startStack({
    double: {
      queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }],
      dialplan: { '7000': { queue: SUPPORT }, '7100': { queue: SALES } },
    },
    env: {
      API_TOKENS: `boss:admin:${ADMIN},watcher:supervisor:${SUPERVISOR},salesboss:supervisor:${SCOPED}`,
      TOKEN_QUEUES: `salesboss=${SALES}`,
    },
  });
}

describe('supervisor console socket', () => {
  let s: Stack;
  before(async () => {
    s = await stack();
    await addAgent(s, S1, { queue: SUPPORT });
    await addAgent(s, S2, { queue: SALES });
    await addAgent(s, BOTH, { queue: SUPPORT });
    assert.equal((await s.api('POST', '/api/tiers', { queue: SALES, agent: BOTH })).status, 201);
  });
  after(async () => {
    await s.stop();
  });

  it('refuses anything before auth, and a wrong token with AUTH_FAILED and close 4401', async () => {
    const c = await ConsoleClient.open(s.url);
    const early = await c.request({ type: 'filter', queues: null });
    assert.equal(early.type, 'error');
    assert.equal(early.type === 'error' && early.code, 'NOT_LOGGED_IN');
    const bad = await c.request({ type: 'auth', token: 'not-a-token-at-all' });
    assert.equal(bad.type === 'error' && bad.code, 'AUTH_FAILED');
    await c.until(() => c.closedWith !== null, 'close');
    assert.equal(c.closedWith?.code, 4401);
    assert.equal(c.pushes().length, 0);

    const junk = await ConsoleClient.open(s.url);
    const r = await junk.request({ type: 'auth', token: SUPERVISOR, extra: 1 });
    assert.equal(r.type === 'error' && r.code, 'BAD_MESSAGE');
    junk.close();
  });

  it('an unscoped token gets hello, then a snapshot of every agent, queue and call, then diffs as things change', async () => {
    const c = await ConsoleClient.login(s.url, SUPERVISOR);
    const hello = c.received[0]!;
    assert.deepEqual({ ...hello, receivedAt: 0, bytes: 0 }, { type: 'hello', id: 1, name: 'watcher', role: 'supervisor', queues: null, receivedAt: 0, bytes: 0 });
    assert.deepEqual([...c.agents.keys()].sort(), [S1, S2, BOTH]);
    assert.deepEqual([...c.queues.keys()].sort(), [SALES, SUPPORT]);
    assert.deepEqual(c.agents.get(BOTH)?.queues.sort(), [SALES, SUPPORT]);

    assert.equal((await s.api('PUT', `/api/agents/${S1}/status`, { status: 'Available' })).status, 200, 'status via REST');
    await c.until(() => c.agents.get(S1)?.status === 'Available', 'S1 Available on the console');
    assert.ok((c.agents.get(S1)?.statusSince ?? 0) > 0);

    // A caller in support: waiting on the queue row, then on the agent's row and in the calls.
    const ids = s.fs.injectCaller({ number: '15550001111', name: 'Wanda', destination: '7000' });
    await c.until(() => [...c.calls.values()].some((x) => x.callerNumber === '15550001111' && x.phase === 'bridged'), 'the call bridged on the console');
    await c.until(() => c.agents.get(S1)?.call?.callerNumber === '15550001111', 'S1 shows its call');
    const call = c.agents.get(S1)!.call!;
    assert.equal(call.phase, 'bridged');
    assert.equal(call.queue, SUPPORT);
    assert.ok(call.agentLegUuid);
    s.fs.hangupCaller(ids.callerUuid);
    await c.until(() => c.calls.size === 0 && c.agents.get(S1)?.call === null, 'the call gone from the console');
    c.close();
  });

  it('shows waiting callers on their queue with their pop data', async () => {
    const c = await ConsoleClient.login(s.url, ADMIN);
    assert.equal((await s.api('PUT', '/api/callers/15550002222', { name: 'Gold Customer', tier: 'gold' })).status, 200);
    const ids = s.fs.injectCaller({ number: '15550002222', name: 'Waiting Walter', destination: '7100' });
    await c.until(() => (c.queues.get(SALES)?.waiting.length ?? 0) === 1, 'a waiting caller in sales');
    const w = c.queues.get(SALES)!.waiting[0]!;
    assert.equal(w.callerName, 'Waiting Walter');
    assert.ok(w.joinedAt > 0);
    await c.until(() => c.queues.get(SALES)?.waiting[0]?.pop?.tier === 'gold', 'pop data of the waiting caller');
    s.fs.hangupCaller(ids.callerUuid);
    await c.until(() => c.queues.get(SALES)?.waiting.length === 0, 'the caller gone');
    c.close();
  });

  it('a filter narrows the snapshot to the queues asked for', async () => {
    const c = await ConsoleClient.login(s.url, SUPERVISOR);
    const r = await c.request({ type: 'filter', queues: [SALES] });
    assert.equal(r.type, 'ack');
    await c.until(() => c.received.filter((m) => m.type === 'snapshot').length === 2, 'second snapshot');
    assert.deepEqual([...c.agents.keys()].sort(), [S2, BOTH]);
    assert.deepEqual([...c.queues.keys()], [SALES]);
    assert.deepEqual(c.agents.get(BOTH)?.queues, [SALES]);
    c.close();
  });

  it('hostile: a sales-only token never sees support, and every action on support is OUT_OF_SCOPE with nothing sent', async () => {
    const c = await ConsoleClient.login(s.url, SCOPED);
    const hello = c.received[0]!;
    assert.equal(hello.type === 'hello' && JSON.stringify(hello.queues), JSON.stringify([SALES]));
    assert.deepEqual([...c.agents.keys()].sort(), [S2, BOTH]);
    assert.deepEqual([...c.queues.keys()], [SALES]);
    assert.deepEqual(c.agents.get(BOTH)?.queues, [SALES], 'the support tier of a shared agent is not shown');

    // A support call to the shared agent: the scoped console sees the agent busy but not the call.
    assert.equal((await s.api('PUT', `/api/agents/${S1}/status`, { status: 'On Break' })).status, 200);
    assert.equal((await s.api('PUT', `/api/agents/${BOTH}/status`, { status: 'Available' })).status, 200);
    const ids = s.fs.injectCaller({ number: '15550003333', name: 'Support Secret', destination: '7000' });
    await waitFor(() => s.gw.calls.ofAgent(BOTH)?.phase === 'bridged', 'support call bridged to the shared agent');
    const callId = s.gw.calls.ofAgent(BOTH)!.memberSessionUuid;
    await c.until(() => c.agents.get(BOTH)?.state === 'In a queue call', 'shared agent busy');

    const before = s.fs.received.length;
    const tries: Array<[Record<string, unknown>, string]> = [
      [{ type: 'agent.status', agent: S1, status: 'Logged Out' }, 'OUT_OF_SCOPE'],
      [{ type: 'agent.release', agent: S1 }, 'OUT_OF_SCOPE'],
      [{ type: 'agent.status', agent: '9999@default', status: 'Available' }, 'OUT_OF_SCOPE'], // does not exist: same answer
      [{ type: 'call.hangup', call: callId }, 'OUT_OF_SCOPE'],
      [{ type: 'call.hangup', call: '00000000-0000-4000-8000-000000000000' }, 'OUT_OF_SCOPE'],
      [{ type: 'call.eavesdrop', agent: S1, mode: 'listen', phone: 'user/1009' }, 'OUT_OF_SCOPE'],
      // In scope, but its call is support's: no listening in.
      [{ type: 'call.eavesdrop', agent: BOTH, mode: 'barge', phone: 'user/1009' }, 'NO_CALL'],
      [{ type: 'filter', queues: [SUPPORT] }, 'OUT_OF_SCOPE'],
      [{ type: 'filter', queues: [SALES, SUPPORT] }, 'OUT_OF_SCOPE'],
      [{ type: 'eavesdrop.stop', leg: '00000000-0000-4000-8000-000000000000' }, 'NOT_FOUND'],
    ];
    for (const [msg, code] of tries) {
      const r = await c.request(msg);
      assert.equal(r.type === 'error' && r.code, code, `${JSON.stringify(msg)} → ${JSON.stringify(r)}`);
    }
    assert.deepEqual(s.fs.received.slice(before).filter((cmd) => !/ list| count/.test(cmd)), [], 'no command reached the switch');
    assert.equal(s.fs.agent(S1)?.status, 'On Break');
    assert.equal(s.gw.calls.get(callId)?.phase, 'bridged');

    s.fs.hangupCaller(ids.callerUuid);
    await waitFor(() => s.gw.calls.size === 0, 'call gone');
    // Let a few ticks pass, then read everything this socket was ever sent.
    await new Promise((r) => setTimeout(r, 600));
    const all = JSON.stringify(c.received);
    for (const secret of [S1, SUPPORT, '15550003333', 'Support Secret', callId]) assert.equal(all.includes(secret), false, `${secret} leaked to the scoped console`);
    assert.ok(all.includes(BOTH));
    c.close();
  });
});
