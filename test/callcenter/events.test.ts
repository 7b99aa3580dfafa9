import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCallcenterEvent, isCallcenterEvent, type CallcenterEvent } from '../../src/callcenter/events.js';
import { StateView, newAgent } from '../../src/callcenter/state.js';
import { eventsOf, fixture } from '../helpers/fixtures.js';

const decoded = (name: string): CallcenterEvent[] => eventsOf(fixture(name)).filter(isCallcenterEvent).map(decodeCallcenterEvent);

test('every CC-Action in every fixture decodes to a known variant', () => {
  const seen = new Set<string>();
  for (const name of ['00-custom-first-subscription.plain.txt', '01-agent-lifecycle.plain.txt', '02-call-answered.plain.txt', '03-caller-abandons.plain.txt', '04-agent-no-answer.plain.txt', '05-bgapi-background-job.plain.txt', '07-loopback-agent-not-bridged.plain.txt', '01-agent-lifecycle.json.txt', '02-call-answered.json.txt', '04-agent-no-answer.json.txt']) {
    for (const e of decoded(name)) {
      assert.notEqual(e.action, 'unknown', `${name}: ${JSON.stringify(e).slice(0, 200)}`);
      seen.add(e.action);
    }
  }
  for (const action of ['agent-add', 'agent-status-change', 'agent-state-change', 'agent-contact-change', 'agent-offering', 'bridge-agent-start', 'bridge-agent-end', 'bridge-agent-fail', 'agent-max-no-answer', 'member-queue-start', 'member-queue-end', 'members-count', 'agent-status-get', 'agent-state-get', 'agent-uuid-get']) {
    assert.ok(seen.has(action), action);
  }
});

test('plain and json decode to the same typed events (ids aside)', () => {
  for (const scenario of ['01-agent-lifecycle', '02-call-answered', '03-caller-abandons', '04-agent-no-answer']) {
    const strip = (e: CallcenterEvent) => JSON.stringify(e, (k, v) => (/uuid|Uuid|Time$|timestampUs|Epoch|epoch|^variables$/.test(k) ? undefined : v));
    assert.deepEqual(decoded(`${scenario}.json.txt`).map(strip), decoded(`${scenario}.plain.txt`).map(strip), scenario);
  }
});

test('call answered: the typed fields carry what the screen pop needs', () => {
  const events = decoded('02-call-answered.plain.txt');
  const start = events.find((e) => e.action === 'member-queue-start');
  assert.ok(start && start.action === 'member-queue-start');
  assert.equal(start.queue, 'support@default');
  assert.deepEqual(start.member, { uuid: '7285758c-bb74-4527-91a7-f5d5f57620cc', sessionUuid: 'b5fd4fc0-2750-454a-bc49-9e84acf46c10', cidNumber: '15551234567', cidName: 'Alice' });
  assert.equal(start.destination, '7000');
  assert.deepEqual(start.exported, { fixture_tag: 'esl-capture', caller_lang: 'en' });
  assert.equal(start.joinedEpoch, 1795278699);
  const end = events.find((e) => e.action === 'member-queue-end');
  assert.ok(end && end.action === 'member-queue-end');
  assert.equal(end.cause, 'Terminated');
  assert.equal(end.agent, '1001@default');
  const bridgeEnd = events.find((e) => e.action === 'bridge-agent-end');
  assert.ok(bridgeEnd && bridgeEnd.action === 'bridge-agent-end');
  assert.equal(bridgeEnd.terminatedTime - bridgeEnd.answeredTime, 4);
  assert.deepEqual(
    events.filter((e) => e.action === 'agent-state-change').map((e) => (e.action === 'agent-state-change' ? e.state : '')),
    ['Receiving', 'In a queue call', 'Waiting'],
  );
});

test('abandon and no-answer carry cause, reason and the status the switch chose', () => {
  const end = decoded('03-caller-abandons.plain.txt').find((e) => e.action === 'member-queue-end');
  assert.ok(end && end.action === 'member-queue-end');
  assert.equal(end.cause, 'Cancel');
  assert.equal(end.cancelReason, 'BREAK_OUT');
  const noAnswer = decoded('04-agent-no-answer.plain.txt');
  const max = noAnswer.find((e) => e.action === 'agent-max-no-answer');
  assert.ok(max && max.action === 'agent-max-no-answer');
  assert.equal(max.noAnswerStatus, 'On Break');
  assert.equal(max.noAnswerCount, 1);
  const fail = noAnswer.find((e) => e.action === 'bridge-agent-fail');
  assert.ok(fail && fail.action === 'bridge-agent-fail');
  assert.equal(fail.hangupCause, 'ALLOTTED_TIMEOUT');
});

test('statuses are decoded exactly, with spaces and parentheses', () => {
  const statuses = decoded('01-agent-lifecycle.plain.txt').flatMap((e) => (e.action === 'agent-status-change' ? [e.knownStatus] : []));
  assert.deepEqual(statuses, ['Available', 'On Break', 'Logged Out', 'Available (On Demand)', 'Logged Out']);
});

test('an unknown CC-Action passes through with its headers', () => {
  const e = decodeCallcenterEvent({ name: 'CUSTOM', headers: new Map([['Event-Subclass', 'callcenter::info'], ['CC-Action', 'agent-teleported'], ['X', '1']]), body: '' });
  assert.equal(e.action, 'unknown');
  assert.ok(e.action === 'unknown' && e.rawAction === 'agent-teleported' && e.headers.X === '1');
});

test('the state view follows the answered call and the abandon; counters are left to the lists', () => {
  const view = new StateView();
  view.replaceQueues([{ name: 'support@default', config: { discard_abandoned_after: '60' }, callsAnswered: 0, callsAbandoned: 0 }]);
  view.putAgent({ ...newAgent('1001@default'), status: 'Available' });
  const seenWaiting: number[] = [];
  for (const e of decoded('02-call-answered.plain.txt')) {
    view.apply(e);
    seenWaiting.push(view.waitingCount('support@default'));
  }
  assert.ok(seenWaiting.includes(1));
  assert.equal(view.members.size, 0);
  const agent = view.agents.get('1001@default')!;
  assert.equal(agent.state, 'Waiting');
  assert.ok(agent.lastBridgeEnd > 0);
  // mod_callcenter counts after firing, in another thread: only its lists say what it counted.
  assert.equal(agent.callsAnswered, 0);
  assert.equal(agent.talkTime, 0);
  assert.equal(view.queues.get('support@default')!.callsAnswered, 0);

  for (const e of decoded('03-caller-abandons.plain.txt')) view.apply(e);
  const [m] = view.members.values();
  assert.equal(m!.state, 'Abandoned');
  assert.equal(view.waitingCount('support@default'), 0);
  assert.equal(view.queues.get('support@default')!.callsAbandoned, 0);
  view.pruneAbandoned(m!.abandonedEpoch + 61);
  assert.equal(view.members.size, 0);
});

test('no-answer: the view shows the status the switch moved the agent to', () => {
  const view = new StateView();
  view.putAgent({ ...newAgent('1002@default'), status: 'Available' });
  for (const e of decoded('04-agent-no-answer.plain.txt')) view.apply(e);
  assert.equal(view.agents.get('1002@default')!.status, 'On Break');
  assert.equal(view.agents.get('1002@default')!.noAnswerCount, 1);
});

test('deleting an agent removes its tiers from the view, although no event says so', () => {
  const view = new StateView();
  view.putAgent(newAgent('1001@default'));
  view.putTier({ queue: 'support@default', agent: '1001@default', state: 'Ready', level: 1, position: 1 });
  view.putTier({ queue: 'sales@default', agent: '1001@default', state: 'Ready', level: 1, position: 1 });
  const changes: string[] = [];
  view.on('change', (c) => changes.push(`${c.kind}:${c.kind === 'tier' ? c.queue : ''}:${c.kind === 'tier' ? c.tier === null : c.kind === 'agent' ? c.agent === null : ''}`));
  view.removeAgent('1001@default');
  assert.equal(view.tiers.size, 0);
  assert.deepEqual(changes, ['tier:support@default:true', 'tier:sales@default:true', 'agent::true']);
});

test('an event about an unknown agent asks for a resync', () => {
  const view = new StateView();
  let asked = '';
  view.on('unknown', (w) => (asked = w));
  view.apply({ action: 'agent-status-change', timestampUs: 0, agent: 'x@y', status: 'Available', knownStatus: 'Available' });
  assert.equal(asked, 'agent x@y');
  assert.equal(view.agents.get('x@y')!.status, 'Available');
});
