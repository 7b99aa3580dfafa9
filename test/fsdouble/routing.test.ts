import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeSwitchDouble, type FsEvent } from '../../src/fsdouble/index.js';

/** mod_callcenter behaviour driven through the control API; events observed in-process (deterministic). */

async function withDouble(fn: (d: FreeSwitchDouble, log: FsEvent[]) => Promise<void>, opts: Parameters<typeof FreeSwitchDouble.start>[0] = {}): Promise<void> {
  const d = await FreeSwitchDouble.start({ ringMs: 5, ...opts });
  const log: FsEvent[] = [];
  d.onEvent((e) => log.push(e));
  try {
    await fn(d, log);
  } finally {
    await d.stop();
  }
}

function addAgent(d: FreeSwitchDouble, name: string, opts: { contact?: string; status?: string; level?: number; position?: number; extra?: string[] } = {}): void {
  const cmds = [
    `agent add ${name} callback`,
    `agent set contact ${name} ${opts.contact ?? `null/${name.split('@')[0]}`}`,
    ...(opts.extra ?? []),
    `agent set status ${name} ${opts.status ?? 'Available'}`,
    `tier add support@default ${name} ${opts.level ?? 1} ${opts.position ?? 1}`,
  ];
  for (const c of cmds) assert.equal(d.api(`callcenter_config ${c}`), '+OK\n', c);
}

const cc = (action: string, extra: (e: FsEvent) => boolean = () => true) => (e: FsEvent): boolean => e.get('CC-Action') === action && extra(e);
const actions = (log: FsEvent[], from = 0): string[] => log.slice(from).filter((e) => e.name === 'CUSTOM').map((e) => `${e.get('CC-Action')}${e.get('CC-Agent-State') ? ':' + e.get('CC-Agent-State') : ''}${e.get('CC-Agent-Status') ? ':' + e.get('CC-Agent-Status') : ''}`);

test('direct (non-loopback) agent: answered, bridged, ended by the agent', () =>
  withDouble(async (d, log) => {
    addAgent(d, '1001@default');
    log.length = 0;
    const started = d.waitForEvent(cc('bridge-agent-start'));
    const ids = d.injectCaller({ number: '15550001', name: 'Eve' });
    const start = await started;
    assert.equal(start.get('Channel-Name'), 'null/1001');
    assert.equal(start.get('CC-Member-UUID'), ids.memberUuid);
    assert.equal(d.agent('1001@default')!.uuid, start.get('CC-Agent-UUID'));
    assert.deepEqual(d.members().map((m) => m.state), ['Answered']);
    assert.equal(d.api('callcenter_config agent get uuid 1001@default'), start.get('CC-Agent-UUID'));
    const ended = d.waitForEvent(cc('agent-state-change', (e) => e.get('CC-Agent-State') === 'Waiting'));
    assert.equal(d.hangupAgent('1001@default'), true);
    await ended;
    assert.deepEqual(actions(log), [
      'member-queue-start',
      'members-count',
      'agent-state-change:Receiving',
      'agent-offering',
      'bridge-agent-start',
      'agent-state-change:In a queue call',
      'members-count',
      'agent-uuid-get',
      'bridge-agent-end',
      'member-queue-end',
      'agent-state-change:Waiting',
    ]);
    const channelEvents = log.filter((e) => e.name.startsWith('CHANNEL_')).map((e) => `${e.name} ${e.get('Channel-Name')}`);
    assert.deepEqual(channelEvents, [
      'CHANNEL_CREATE loopback/7000-a',
      'CHANNEL_CREATE loopback/7000-b',
      'CHANNEL_ANSWER loopback/7000-a',
      'CHANNEL_ANSWER loopback/7000-b',
      'CHANNEL_CREATE null/1001',
      'CHANNEL_ANSWER null/1001',
      'CHANNEL_BRIDGE loopback/7000-b',
      'CHANNEL_HANGUP_COMPLETE null/1001',
      'CHANNEL_HANGUP_COMPLETE loopback/7000-b',
      'CHANNEL_HANGUP_COMPLETE loopback/7000-a',
    ]);
    assert.equal(d.members().length, 0);
    assert.equal(d.channels().length, 0);
    const a = d.agent('1001@default')!;
    assert.equal(a.callsAnswered, 1);
    assert.equal(a.uuid, '');
    assert.match(d.api('callcenter_config queue list'), /\|\|1\|0\|0\|true\|On Break\n/);
  }));

test('longest-idle-agent: the agent whose last call ended first gets the next caller; tier level first', () =>
  withDouble(async (d) => {
    addAgent(d, 'a@default');
    addAgent(d, 'b@default');
    addAgent(d, 'backup@default', { level: 2 });
    // Give `a` a call that ends now: `b` (never bridged, last_bridge_end 0) is then the longest idle.
    const first = d.waitForEvent(cc('bridge-agent-start'));
    const one = d.injectCaller({ number: '1', name: 'one' });
    const firstAgent = (await first).get('CC-Agent');
    assert.equal(firstAgent, 'a@default', 'equal idle time: tier position, then insertion order');
    const back = d.waitForEvent(cc('agent-state-change', (e) => e.get('CC-Agent-State') === 'Waiting'));
    d.hangupCaller(one.callerUuid);
    await back;
    d.api('callcenter_config agent set status b@default Available');
    const second = d.waitForEvent(cc('bridge-agent-start'));
    d.injectCaller({ number: '2', name: 'two' });
    assert.equal((await second).get('CC-Agent'), 'b@default');
    const third = d.waitForEvent(cc('bridge-agent-start'));
    d.injectCaller({ number: '3', name: 'three' });
    assert.equal((await third).get('CC-Agent'), 'a@default');
    const fourth = d.waitForEvent(cc('bridge-agent-start'));
    d.injectCaller({ number: '4', name: 'four' });
    assert.equal((await fourth).get('CC-Agent'), 'backup@default');
  }));

test('Available (On Demand): Idle after a bridged call, no new offer until Waiting again', () =>
  withDouble(async (d, log) => {
    addAgent(d, 'od@default', { status: "'Available (On Demand)'" });
    const started = d.waitForEvent(cc('bridge-agent-start'));
    const call = d.injectCaller({ number: '1', name: 'x' });
    await started;
    const idle = d.waitForEvent(cc('agent-state-change', (e) => e.get('CC-Agent-State') === 'Idle'));
    d.hangupCaller(call.callerUuid);
    await idle;
    const from = log.length;
    d.injectCaller({ number: '2', name: 'y' });
    await new Promise((r) => setImmediate(r));
    assert.equal(d.agent('od@default')!.state, 'Idle');
    assert.ok(!actions(log, from).includes('agent-offering'));
    const offered = d.waitForEvent(cc('agent-offering'));
    d.api('callcenter_config agent set state od@default Waiting');
    await offered;
  }));

test('reject: bridge-agent-fail CALL_REJECTED, reject_delay_time sets ready_time, the member goes to the next agent', () =>
  withDouble(async (d) => {
    addAgent(d, 'r@default', { extra: ['agent set reject_delay_time r@default 20'] });
    addAgent(d, 's@default', { position: 2 });
    d.setAgentAnswer('r@default', { mode: 'reject' });
    const fail = d.waitForEvent(cc('bridge-agent-fail'));
    const next = d.waitForEvent(cc('bridge-agent-start'));
    d.injectCaller({ number: '1', name: 'x' });
    assert.equal((await fail).get('CC-Hangup-Cause'), 'CALL_REJECTED');
    assert.equal((await next).get('CC-Agent'), 's@default');
    const r = d.agent('r@default')!;
    assert.equal(r.noAnswerCount, 0);
    assert.ok(Math.abs(r.readyTime - (Math.floor(Date.now() / 1000) + 20)) <= 1);
    assert.equal(d.tiers().find((t) => t.agent === 'r@default')!.state, 'Ready');
  }));

test('error/user_busy contact: immediate USER_BUSY, busy_delay_time', () =>
  withDouble(async (d) => {
    addAgent(d, 'busy@default', { contact: 'error/user_busy', extra: ['agent set busy_delay_time busy@default 7'] });
    const fail = d.waitForEvent(cc('bridge-agent-fail'));
    d.injectCaller({ number: '1', name: 'x' });
    assert.equal((await fail).get('CC-Hangup-Cause'), 'USER_BUSY');
    assert.ok(d.agent('busy@default')!.readyTime >= Math.floor(Date.now() / 1000) + 6);
    assert.deepEqual(d.members().map((m) => m.state), ['Waiting']);
  }));

test('no answer: no_answer_count, tier No Answer, no_answer_delay_time; max_no_answer puts the agent On Break', () =>
  withDouble(async (d, log) => {
    addAgent(d, 'n@default', { extra: ['agent set max_no_answer n@default 2', 'agent set no_answer_delay_time n@default 0'] });
    d.setAgentAnswer('n@default', { mode: 'no-answer', afterMs: 5 });
    let fails = 0;
    const second = d.waitForEvent(cc('bridge-agent-fail', () => ++fails === 2));
    d.injectCaller({ number: '1', name: 'x' });
    await second;
    assert.ok(actions(log).includes('agent-max-no-answer'));
    assert.ok(actions(log).includes('agent-status-change:On Break'));
    const a = d.agent('n@default')!;
    assert.equal(a.status, 'On Break');
    assert.equal(a.noAnswerCount, 2);
    assert.equal(d.tiers()[0]!.state, 'No Answer');
    const failEvent = log.find(cc('bridge-agent-fail'))!;
    assert.equal(failEvent.get('CC-Hangup-Cause'), 'NO_ANSWER');
    // `agent set status Available` resets the counters.
    d.api('callcenter_config agent set status n@default Available');
    assert.equal(d.agent('n@default')!.noAnswerCount, 0);
  }));

test('status change while ringing cancels the offer (ORIGINATOR_CANCEL) and the member waits again', () =>
  withDouble(async (d) => {
    addAgent(d, 'p@default');
    d.setAgentAnswer('p@default', { mode: 'no-answer', afterMs: 60_000 });
    const offered = d.waitForEvent(cc('agent-offering'));
    d.injectCaller({ number: '1', name: 'x' });
    await offered;
    const fail = d.waitForEvent(cc('bridge-agent-fail'));
    d.api("callcenter_config agent set status p@default 'On Break'");
    assert.equal((await fail).get('CC-Hangup-Cause'), 'ORIGINATOR_CANCEL');
    assert.deepEqual(d.members().map((m) => m.state), ['Waiting']);
    assert.equal(d.agent('p@default')!.state, 'Waiting');
    assert.equal(d.channels().length, 2);
  }));

test('caller hangs up while the agent rings: agent legs cancelled, member Abandoned', () =>
  withDouble(async (d, log) => {
    addAgent(d, 'q@default', { contact: 'loopback/9000/default' });
    d.setAgentAnswer('q@default', { mode: 'no-answer', afterMs: 60_000 });
    const offered = d.waitForEvent(cc('agent-offering'));
    const ids = d.injectCaller({ number: '1', name: 'x' });
    await offered;
    const from = log.length;
    assert.equal(d.api(`uuid_kill ${ids.callerUuid}`), '+OK\n');
    assert.deepEqual(actions(log, from), ['bridge-agent-fail', 'agent-state-change:Waiting', 'member-queue-end', 'members-count']);
    assert.equal(log.find(cc('bridge-agent-fail'))!.get('CC-Hangup-Cause'), 'ORIGINATOR_CANCEL');
    assert.equal(log.find(cc('member-queue-end'))!.get('CC-Cancel-Reason'), 'BREAK_OUT');
    assert.deepEqual(d.members().map((m) => m.state), ['Abandoned']);
    assert.equal(d.channels().length, 0);
  }));

test('wrap_up_time keeps the agent from the next call until it has passed', () =>
  withDouble(async (d, log) => {
    addAgent(d, 'w@default', { extra: ['agent set wrap_up_time w@default 1'] });
    const started = d.waitForEvent(cc('bridge-agent-start'));
    const one = d.injectCaller({ number: '1', name: 'one' });
    await started;
    const ended = d.waitForEvent(cc('bridge-agent-end'));
    d.hangupCaller(one.callerUuid);
    const end = await ended;
    const offered = d.waitForEvent(cc('agent-offering'), 3000);
    d.injectCaller({ number: '2', name: 'two' });
    // The dispatch has run (it runs on the next tick after a change) and left the caller waiting.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(d.members().map((m) => m.state), ['Waiting']);
    const offer = await offered;
    // The switch's own clock on its events (not the test's): the offer came a full wrap-up after the end.
    const gapUs = Number(offer.get('Event-Date-Timestamp')) - Number(end.get('Event-Date-Timestamp'));
    assert.ok(gapUs >= 1_000_000 - 1000, `offered ${gapUs} µs after the call ended`);
    assert.equal(actions(log).filter((a) => a === 'agent-offering').length, 2);
  }));

test('max-wait-time: member-queue-end Cancel/TIMEOUT, then the caller hangs up', () =>
  withDouble(
    async (d, log) => {
      const ended = d.waitForEvent(cc('member-queue-end'));
      d.injectCaller({ number: '1', name: 'x' });
      const e = await ended;
      assert.equal(e.get('CC-Cause'), 'Cancel');
      assert.equal(e.get('CC-Cancel-Reason'), 'TIMEOUT');
      assert.equal(e.get('Answer-State'), 'answered');
      const hangups = log.filter((x) => x.name === 'CHANNEL_HANGUP_COMPLETE').map((x) => x.get('Channel-Name'));
      assert.deepEqual(hangups, ['loopback/7000-b', 'loopback/7000-a']);
    },
    { queues: [{ name: 'support@default', maxWaitTime: 1 }] },
  ));

test('agent del removes its tiers and fires nothing; a deleted agent in a call gets no state event', () =>
  withDouble(async (d, log) => {
    addAgent(d, 'del@default');
    const started = d.waitForEvent(cc('bridge-agent-start'));
    const call = d.injectCaller({ number: '1', name: 'x' });
    await started;
    const from = log.length;
    assert.equal(d.api('callcenter_config agent del del@default'), '+OK\n');
    assert.equal(d.api('callcenter_config tier list'), '+OK\n');
    assert.deepEqual(actions(log, from), []);
    d.hangupCaller(call.callerUuid);
    assert.deepEqual(actions(log, from), ['bridge-agent-end', 'member-queue-end']);
  }));

test('callcenter_config details: case-insensitive status stored as given, tier set errors, queue load/unload', () =>
  withDouble(async (d) => {
    addAgent(d, 'c@default', { status: 'available' });
    assert.equal(d.api('callcenter_config agent get status c@default'), 'available');
    // The dispatcher matches the exact spelling `Available`: a lower-case status is never offered calls.
    d.injectCaller({ number: '1', name: 'x' });
    // One dispatch pass later nothing was offered.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(d.agent('c@default')!.state, 'Waiting');
    assert.deepEqual(d.members().map((m) => m.state), ['Waiting']);
    assert.equal(d.api('callcenter_config tier set level support@default nobody@default 2'), '-ERR Unknown Error!\n');
    assert.equal(d.api('callcenter_config tier set colour support@default c@default 2'), '-ERR Invalid Tier Update KEY!\n');
    assert.equal(d.api('callcenter_config tier set state support@default c@default Sleeping'), '-ERR Invalid Tier State!\n');
    assert.equal(d.api("callcenter_config tier set state support@default c@default 'No Answer'"), '+OK\n');
    assert.equal(d.api('callcenter_config agent set type c@default fax'), '-ERR Invalid Agent Type!\n');
    assert.equal(d.api('callcenter_config agent get colour c@default'), '-ERR Invalid Agent Update KEY!\n');
    assert.equal(d.api('callcenter_config agent list a b'), '-ERR Invalid!\n');
    assert.equal(d.api('callcenter_config queue list bogus support@default'), '-ERR Invalid!\n');
    assert.equal(d.api('callcenter_config queue count agents support@default available Waiting'), '1\n');
    assert.equal(d.api('callcenter_config queue count agents support@default Available'), '0\n');
    assert.equal(d.api('callcenter_config queue count members support@default'), '1\n');
    assert.equal(d.api('callcenter_config queue unload support@default'), '+OK\n');
    assert.equal(d.api('callcenter_config queue count'), '0\n');
    assert.equal(d.api('callcenter_config queue load support@default'), '+OK\n');
    assert.equal(d.api('callcenter_config queue reload support@default'), '+OK\n');
    assert.equal(d.api('callcenter_config queue reload nosuch@default'), '-ERR Invalid Queue not found!\n');
    assert.equal(d.api('callcenter_config agent set status c@default Unknown'), '-ERR Invalid Agent Status!\n');
  }));

test('hupall ends every call; originate into the queue extension returns the -a uuid', () =>
  withDouble(async (d, log) => {
    const reply = d.api('originate {origination_uuid=11111111-1111-4111-8111-111111111111,origination_caller_id_number=555,origination_caller_id_name=Orig}loopback/7000/default &park');
    assert.equal(reply, '+OK 11111111-1111-4111-8111-111111111111\n');
    assert.equal(d.api('originate {origination_uuid=22222222-2222-4222-8222-222222222222}loopback/9999/default &park'), '+OK 22222222-2222-4222-8222-222222222222\n');
    assert.equal(d.api('originate error/user_busy &park'), '-ERR USER_BUSY\n');
    assert.equal(d.channels().length, 4);
    assert.equal(d.api('hupall NORMAL_CLEARING'), '+OK hangup all channels with cause NORMAL_CLEARING\n');
    assert.equal(d.channels().length, 0);
    assert.deepEqual(d.members().map((m) => m.state), ['Abandoned']);
    assert.ok(log.some(cc('member-queue-end', (e) => e.get('CC-Member-CID-Name') === 'Orig')));
  }));

test('abandoned-resume-allowed: the same number gets its place back (member-queue-resume)', () =>
  withDouble(
    async (d) => {
      const first = d.injectCaller({ number: '555', name: 'x' });
      d.hangupCaller(first.callerUuid);
      const again = d.injectCaller({ number: '555', name: 'x' });
      assert.equal(again.memberUuid, first.memberUuid);
      assert.deepEqual(d.members().map((m) => m.state), ['Waiting']);
      assert.ok(d.members()[0]!.rejoinedEpoch > 0);
    },
    { queues: [{ name: 'support@default', abandonedResumeAllowed: true }] },
  ));
