import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/stack.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { DISCONNECT_NOTICE } from '../../src/fsdouble/esl-server.js';
import { RawClient, ccAction, events, settle } from './helpers.js';

async function withDouble(fn: (d: FreeSwitchDouble) => Promise<void>, opts: Parameters<typeof FreeSwitchDouble.start>[0] = {}): Promise<void> {
  const d = await FreeSwitchDouble.start({ ringMs: 5, ...opts });
  try {
    await fn(d);
  } finally {
    await d.stop();
  }
}

const agentSetup = (d: FreeSwitchDouble, name = '1001@default', contact = 'null/agent-1001'): void => {
  for (const c of [`agent add ${name} callback`, `agent set contact ${name} ${contact}`, `agent set status ${name} Available`, `tier add support@default ${name}`]) {
    assert.equal(d.api(`callcenter_config ${c}`), '+OK\n');
  }
};

test('greeting, wrong password: -ERR invalid, disconnect notice, close', () =>
  withDouble(async (d) => {
    const c = await RawClient.connect(d.port);
    c.write('auth nope\n\n');
    await c.waitClose();
    assert.equal(Buffer.concat(c.raw).toString(), 'Content-Type: auth/request\n\nContent-Type: command/reply\nReply-Text: -ERR invalid\n\n' + DISCONNECT_NOTICE);
  }, { password: 'secret' }));

test('before auth: anything but auth/exit is "command not found"; exit works unauthenticated', () =>
  withDouble(async (d) => {
    const c = await RawClient.connect(d.port);
    for (const cmd of ['api status', 'event plain ALL', 'bgapi status']) {
      const r = await c.command(cmd);
      assert.equal(r.frame.headers['Reply-Text'], '-ERR command not found', cmd);
    }
    const bye = await c.command('exit');
    assert.equal(bye.frame.headers['Reply-Text'], '+OK bye');
    await c.waitFor((i) => i.type === 'text/disconnect-notice');
    await c.waitClose();
  }));

test('exit after auth: +OK bye, notice, close; queued events are dropped', () =>
  withDouble(async (d) => {
    const c = await RawClient.ready(d.port, 'event plain ALL');
    d.api('callcenter_config agent add 1@default callback');
    c.write('exit\n\n');
    await c.waitClose();
    assert.equal(c.items.at(-2)!.frame.headers['Reply-Text'], '+OK bye');
    assert.equal(c.items.at(-1)!.type, 'text/disconnect-notice');
  }));

test('api: unknown command, garbage, empty output -> -ERR no reply, Content-Length in bytes', () =>
  withDouble(async (d) => {
    const c = await RawClient.ready(d.port, '');
    assert.equal((await c.command('api nope x y')).body, '-ERR nope Command not found!\n');
    assert.equal((await c.command('frobnicate')).frame.headers['Reply-Text'], '-ERR command not found');
    assert.equal((await c.command('api')).frame.headers['Reply-Text'], '-ERR command not found');
    assert.equal((await c.command('api callcenter_config agent bogus')).body, '-ERR no reply\n');
    d.api("callcenter_config agent add 'Zoë@default' callback");
    const r = await c.command('api callcenter_config agent get status Zoë@default');
    assert.equal(r.body, 'Logged Out');
    const list = await c.command('api callcenter_config agent list Zoë@default');
    assert.equal(list.frame.headers['Content-Length'], String(Buffer.byteLength(list.body)));
    assert.equal((await c.command('api uuid_kill 00000000-0000-0000-0000-000000000000')).body, '-ERR No Such Channel!\n');
    assert.equal((await c.command('api uuid_kill ')).body, '-USAGE: <uuid> [cause]\n');
    assert.match((await c.command('api status')).body, /^UP 0 years, 0 days, 0 hours, 0 minutes, \d+ seconds, \d+ milliseconds, \d+ microseconds\nFreeSWITCH \(Version 1\.10\.12/);
    assert.equal((await c.command('api hupall')).body, '+OK hangup all channels with cause MANAGER_REQUEST\n');
    c.close();
  }));

test('bgapi: client Job-UUID header is used; BACKGROUND_JOB only to listeners subscribed to it', () =>
  withDouble(async (d) => {
    const sub = await RawClient.ready(d.port, 'event plain BACKGROUND_JOB');
    const other = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    const r = await sub.command('bgapi callcenter_config agent add 5@default callback\nJob-UUID: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    assert.equal(r.frame.headers['Job-UUID'], 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    const job = await sub.waitEvent('BACKGROUND_JOB');
    assert.equal(job.headers.get('Job-UUID'), 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    assert.equal(job.headers.get('Job-Command'), 'callcenter_config');
    assert.equal(job.headers.get('Job-Command-Arg'), 'agent add 5@default callback');
    assert.equal(job.body, '+OK\n');
    await other.waitEvent('agent-add');
    const noArg = await sub.command('bgapi status');
    const statusJob = await sub.waitFor((i) => i.name === 'BACKGROUND_JOB' && i.headers.get('Job-UUID') === noArg.frame.headers['Job-UUID']);
    assert.equal(statusJob.headers.get('Job-Command-Arg'), undefined);
    await settle();
    assert.equal(events(other.items).filter((e) => e.name === 'BACKGROUND_JOB').length, 0);
    assert.ok(d.received.includes('bgapi callcenter_config agent add 5@default callback\nJob-UUID: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'));
    sub.close();
    other.close();
  }));

test('event: words after CUSTOM are subclasses; names before it are events; invalid names are ignored', () =>
  withDouble(async (d) => {
    agentSetup(d);
    const customFirst = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info CHANNEL_CREATE');
    const customLast = await RawClient.ready(d.port, 'event plain CHANNEL_CREATE NOT_AN_EVENT CUSTOM callcenter::info');
    const noSubclass = await RawClient.ready(d.port, 'event plain CUSTOM');
    d.injectCaller({ number: '1', name: 'A' });
    await customFirst.waitEvent('bridge-agent-start');
    await customLast.waitEvent('bridge-agent-start');
    await settle();
    assert.ok(events(customFirst.items).every((e) => e.name === 'CUSTOM'));
    assert.ok(events(customLast.items).some((e) => e.name === 'CHANNEL_CREATE'));
    assert.ok(events(customLast.items).every((e) => e.name === 'CUSTOM' || e.name === 'CHANNEL_CREATE'));
    assert.equal(events(noSubclass.items).length, 0);
    for (const c of [customFirst, customLast, noSubclass]) c.close();
  }));

test('event: only unknown names -> -ERR no keywords supplied; subscriptions accumulate; the last format wins', () =>
  withDouble(async (d) => {
    const c = await RawClient.ready(d.port, '');
    assert.equal((await c.command('event plain NOT_AN_EVENT')).frame.headers['Reply-Text'], '-ERR no keywords supplied');
    assert.equal((await c.command('event')).frame.headers['Reply-Text'], '-ERR no keywords supplied');
    assert.equal((await c.command('event plain CUSTOM callcenter::info')).frame.headers['Reply-Text'], '+OK event listener enabled plain');
    assert.equal((await c.command('event json background_job')).frame.headers['Reply-Text'], '+OK event listener enabled json');
    await c.command('bgapi callcenter_config agent add 7@default callback');
    const cc = await c.waitEvent('agent-add');
    const job = await c.waitEvent('BACKGROUND_JOB');
    assert.equal(cc.frame.headers['Content-Type'], 'text/event-json');
    assert.equal(job.frame.headers['Content-Type'], 'text/event-json');
    assert.equal(job.body, '+OK\n');
    // SWITCH_EVENT_ prefix and case are accepted like switch_name_event().
    assert.equal((await c.command('event plain SWITCH_EVENT_channel_create')).frame.headers['Reply-Text'], '+OK event listener enabled plain');
    c.close();
  }));

test('event ALL, nixevent, noevents (ALL delivers every event until an event type is nixed)', () =>
  withDouble(async (d) => {
    const c = await RawClient.ready(d.port, 'event plain ALL');
    d.api('callcenter_config agent add 8@default callback');
    await c.waitEvent('agent-add');
    assert.equal((await c.command('nixevent CUSTOM callcenter::info')).frame.headers['Reply-Text'], '+OK events nixed');
    assert.equal((await c.command('nixevent NOT_AN_EVENT')).frame.headers['Reply-Text'], '-ERR no keywords supplied');
    // event_list[ALL] is still set: the subclass removal does not matter yet.
    let from = c.items.length;
    d.api('callcenter_config agent set status 8@default Available');
    await c.waitEvent('agent-status-change', 3000, from);
    // Nixing any type leaves ALL: now the removed subclass is really gone.
    await c.command('nixevent CHANNEL_CREATE');
    from = c.items.length;
    d.api('callcenter_config agent set status 8@default Available');
    await c.command('bgapi status');
    await c.waitEvent('BACKGROUND_JOB', 3000, from);
    assert.equal(events(c.items.slice(from)).filter((e) => e.name === 'CUSTOM').length, 0);
    assert.equal((await c.command('noevents')).frame.headers['Reply-Text'], '+OK no longer listening for events');
    assert.equal((await c.command('noevents')).frame.headers['Reply-Text'], '-ERR not listening for events');
    c.close();
  }));

test('plain events are URL-encoded like switch_url_encode; json events are not', () =>
  withDouble(async (d) => {
    const plain = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    const json = await RawClient.ready(d.port, 'event json CUSTOM callcenter::info');
    d.api("callcenter_config agent add 9@default callback");
    d.api('callcenter_config agent set contact 9@default {a=b\\ c,d=(e)}user/1001@default;x%41y%zz');
    const p = await plain.waitEvent('agent-contact-change');
    const j = await json.waitEvent('agent-contact-change');
    const text = p.frame.body!.toString();
    assert.match(text, /\nCC-Agent: 9%40default\n/);
    assert.match(text, /\nCC-Agent-Contact: %7Ba%3Db%20c,d%3D\(e\)%7Duser\/1001%40default%3Bx%41y%25zz\n/);
    assert.equal(j.headers.get('CC-Agent-Contact'), '{a=b c,d=(e)}user/1001@default;x%41y%zz');
    plain.close();
    json.close();
  }));

test('dropConnections destroys sockets without notice; stop sends the notice; restart keeps the port', async () => {
  const d = await FreeSwitchDouble.start();
  try {
    const a = await RawClient.ready(d.port, '');
    const b = await RawClient.ready(d.port, '');
    assert.equal(d.connectionCount, 2);
    d.dropConnections();
    await a.waitClose();
    await b.waitClose();
    assert.ok(!a.items.some((i) => i.type === 'text/disconnect-notice'));
    const c = await RawClient.ready(d.port, '');
    const port = d.port;
    const core = d.coreUuid;
    await d.restart();
    await c.waitClose();
    assert.equal(c.items.at(-1)!.type, 'text/disconnect-notice');
    assert.equal(d.port, port);
    assert.notEqual(d.coreUuid, core);
    const again = await RawClient.ready(d.port, '');
    assert.equal((await again.command('api callcenter_config queue count')).body, '1\n');
    again.close();
  } finally {
    await d.stop();
  }
});

test('restart without state empties the callcenter db; with state keeps it like the switch reloads it', async () => {
  const d = await FreeSwitchDouble.start({ ringMs: 5 });
  try {
    agentSetup(d);
    d.api('callcenter_config agent set status 1001@default Available');
    await d.restart({ keepState: false });
    assert.equal(d.api('callcenter_config agent list'), '+OK\n');
    agentSetup(d);
    d.setAgentAnswer('1001@default', { mode: 'no-answer', afterMs: 10_000 });
    const offered = d.waitForEvent((e) => e.get('CC-Action') === 'agent-offering');
    d.injectCaller({ number: '1', name: 'A' });
    await offered;
    assert.equal(d.agent('1001@default')!.state, 'Receiving');
    assert.equal(d.channels().length, 3);
    await d.restart({ keepState: true });
    // load_config(): agents Waiting without uuid, tiers Ready, members Abandoned; no sessions survive.
    const agent = d.agent('1001@default')!;
    assert.equal(agent.status, 'Available');
    assert.equal(agent.state, 'Waiting');
    assert.deepEqual(d.tiers().map((t) => t.state), ['Ready']);
    assert.deepEqual(d.members().map((m) => [m.state, m.sessionUuid]), [['Abandoned', '']]);
    assert.equal(d.channels().length, 0);
    assert.match(d.api('callcenter_config queue list'), /\|\|0\|0\|0\|true\|On Break\n/);
    const c = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    d.setAgentAnswer('1001@default', null);
    d.injectCaller({ number: '2', name: 'B' });
    await c.waitEvent('bridge-agent-start');
    c.close();
  } finally {
    await d.stop();
  }
});

test('received logs every command block; api() from the control API is not logged', () =>
  withDouble(async (d) => {
    const c = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    await c.command('api callcenter_config queue count');
    d.api('callcenter_config queue count');
    assert.deepEqual(d.received, ['auth ClueCon', 'event plain CUSTOM callcenter::info', 'api callcenter_config queue count']);
    d.clearReceived();
    assert.deepEqual(d.received, []);
    c.close();
  }));

test('pipelined commands are answered in order, events after the replies of the same input', () =>
  withDouble(async (d) => {
    const c = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    const from = c.items.length;
    c.write('api callcenter_config agent add 1@default callback\n\napi callcenter_config agent add 2@default callback\n\napi callcenter_config agent add 1@default callback\n\n');
    await c.waitFor((i) => ccAction(i) === 'agent-add' && i.headers.get('CC-Agent') === '2@default');
    assert.deepEqual(
      c.items.slice(from).map((i) => i.body || ccAction(i)),
      ['+OK\n', '+OK\n', '-ERR Agent already exist!\n', 'agent-add', 'agent-add'],
    );
    c.close();
  }));

test('pause(match) holds that command and what follows on its connection; resume answers them in order', () =>
  withDouble(async (d) => {
    const c = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    d.pause((cmd) => cmd.includes('agent list'));
    await c.command('api callcenter_config queue count');
    const from = c.items.length;
    c.write('api callcenter_config agent list\n\napi callcenter_config queue count\n\n');
    d.api('callcenter_config agent add p@default callback');
    await c.waitEvent('agent-add', 3000, from);
    await settle();
    assert.equal(c.items.slice(from).filter((i) => i.type === 'api/response').length, 0);
    assert.equal(d.received.at(-1), 'api callcenter_config queue count');
    d.resume();
    await c.waitFor((i) => i.type === 'api/response' && i.body === '1\n', 3000, from);
    assert.deepEqual(c.items.slice(from).filter((i) => i.type === 'api/response').map((i) => i.body.split('\n')[0]), [AGENT_LIST_HEADER, '1']);
    c.close();
  }));

test('a list holds mod_callcenter\'s mutex for its cost: callcenter commands on another connection wait, others do not', () =>
  withDouble(
    async (d) => {
      d.api('callcenter_config agent add m@default callback');
      const bulk = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
      const main = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
      // 3 lines (header, one row, +OK) at 2 s each: the list "runs" far longer than this test looks.
      bulk.write('api callcenter_config agent list\n\n');
      await waitFor(() => d.received.includes('api callcenter_config agent list'), 'list received');
      // Not a callcenter command: answered while the list runs.
      assert.match((await main.command('api version short')).body, /^1\.10/);
      // A callcenter command is received but not carried out while the list holds the mutex.
      main.write('api callcenter_config agent set status m@default Available\n\n');
      await waitFor(() => d.received.includes('api callcenter_config agent set status m@default Available'), 'status command received');
      assert.equal(d.agent('m@default')?.status, 'Logged Out');
      assert.ok(!bulk.items.some((i) => i.type === 'api/response'), 'the list is still running');
      bulk.close();
      main.close();
    },
    { listRowCostUs: 2_000_000 },
  ));

const AGENT_LIST_HEADER =
  'name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|reject_delay_time|busy_delay_time|no_answer_delay_time|last_bridge_start|last_bridge_end|last_offered_call|last_status_change|no_answer_count|calls_answered|talk_time|ready_time|external_calls_count';
