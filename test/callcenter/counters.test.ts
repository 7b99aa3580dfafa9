/**
 * Counters after a resync whose lists overtake events. mod_callcenter fires
 * bridge-agent-start / bridge-agent-end / member-queue-end and only then counts
 * (calls_answered, talk_time, the queue's calls_answered / calls_abandoned);
 * the event waits in the listener's queue (20 ms poll) while an `api` list is
 * answered at once. The double does both the same way; here the list is held
 * until the very moment the event has been fired and counted, and answered
 * before the event is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, login, QUEUE } from '../realtime/desk-helpers.js';

const A = '1001@default';

/**
 * Starts a resync whose lists stay unanswered until the switch fires `action`;
 * they are answered right after it (its counting done), ahead of the event itself.
 */
function resyncAcross(s: Stack, action: string): Promise<void> {
  s.fs.pause((c) => c.includes('callcenter_config queue list') || c.includes('callcenter_config agent list'));
  const off = s.fs.onEvent((e) => {
    if (e.get('CC-Action') !== action) return;
    off();
    process.nextTick(() => s.fs.resume());
  });
  return s.gw.callCenter.resync();
}

function countersMatchTheSwitch(s: Stack): void {
  const sw = s.fs.agent(A)!;
  const v = s.gw.view.agents.get(A)!;
  assert.deepEqual({ callsAnswered: v.callsAnswered, talkTime: v.talkTime }, { callsAnswered: sw.callsAnswered, talkTime: sw.talkTime });
  const q = s.fs.queues().find((x) => x.name === QUEUE)!;
  const vq = s.gw.view.queues.get(QUEUE)!;
  assert.deepEqual({ callsAnswered: vq.callsAnswered, callsAbandoned: vq.callsAbandoned }, { callsAnswered: q.callsAnswered, callsAbandoned: q.callsAbandoned });
}

test('counters stay exact when a list reply overtakes the event it already counts (answered, ended, abandoned)', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const a = await login(s, A, { ready: true });

    // Answered: the lists already count the call when bridge-agent-start arrives.
    const answered = resyncAcross(s, 'bridge-agent-start');
    const ids = s.fs.injectCaller({ number: '15551230001', name: 'Ann' });
    await answered;
    await a.desk.next('call.bridged');
    assert.equal(s.fs.agent(A)!.callsAnswered, 1);
    countersMatchTheSwitch(s);

    // Ended: talk time counted (the bridge lasted over a second) before bridge-agent-end arrives.
    await new Promise((r) => setTimeout(r, 1100));
    const ended = resyncAcross(s, 'bridge-agent-end');
    s.fs.hangupCaller(ids.callerUuid);
    await ended;
    await a.desk.next('call.ended');
    assert.ok(s.fs.agent(A)!.talkTime >= 1);
    countersMatchTheSwitch(s);

    // Abandoned: nobody is ready; the caller hangs up while waiting.
    assert.equal((await a.desk.request({ type: 'busy' })).type, 'ack');
    const waiting = s.fs.injectCaller({ number: '15551230002', name: 'Ben' });
    await waitFor(() => s.gw.view.waitingCount(QUEUE) === 1, 'caller waiting');
    const abandoned = resyncAcross(s, 'member-queue-end');
    s.fs.hangupCaller(waiting.callerUuid);
    await abandoned;
    await waitFor(() => [...s.gw.view.members.values()].some((m) => m.state === 'Abandoned'), 'abandon seen');
    assert.equal(s.fs.queues().find((x) => x.name === QUEUE)!.callsAbandoned, 1);
    countersMatchTheSwitch(s);
    a.desk.close();
  } finally {
    await s.stop();
  }
});
