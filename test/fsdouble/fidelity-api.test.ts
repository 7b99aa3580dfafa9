import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { RawClient, ccAction, events, fixture, sentCommands, transcript, type Item } from './helpers.js';

/**
 * Fixtures 00, 01, 05, 06, 06b and api-replies: command by command over TCP,
 * every reply compared with the recorded one. Times and uuids are masked;
 * everything else must be byte-identical.
 */

interface ApiReply {
  readonly scenario: string;
  readonly command: string;
  readonly body: string;
}

const API_REPLIES = JSON.parse(fixture('api-replies.json').toString('utf8')) as ApiReply[];

/** Run-specific values: uuids and epoch seconds. */
function mask(text: string): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/\b1[0-9]{9}\b/g, '<epoch>');
}

const ccEvents = (items: readonly Item[]): Item[] => events(items).filter((e) => e.name === 'CUSTOM');

function assertSameCcEvents(got: readonly Item[], want: readonly Item[]): void {
  const label = (i: Item): string => `${ccAction(i)} ${i.headers.get('CC-Agent-Status') ?? i.headers.get('CC-Agent-State') ?? ''}`;
  assert.deepEqual(got.map(label), want.map(label));
  for (let k = 0; k < want.length; k++) {
    assert.deepEqual(got[k]!.names, want[k]!.names, `header names of ${label(want[k]!)}`);
    for (const [name, value] of want[k]!.headers) {
      if (/^(Core-UUID|FreeSWITCH-.*|Event-Date-.*|Event-Sequence)$/.test(name)) continue;
      assert.equal(got[k]!.headers.get(name), value, `${name} of ${label(want[k]!)}`);
    }
  }
}

for (const fmt of ['plain', 'json'] as const) {
  test(`01 agent lifecycle (${fmt}): every reply and event as recorded`, async () => {
    const d = await FreeSwitchDouble.start({ hostname: 'vm' });
    try {
      const sent = sentCommands(`01-agent-lifecycle.${fmt}.sent.txt`);
      const c = await RawClient.ready(d.port, sent[1]!);
      const expected = API_REPLIES.filter((r) => r.scenario === '01-agent-lifecycle');
      const apiCommands = sent.slice(2);
      assert.equal(apiCommands.length, expected.length);
      for (let k = 0; k < apiCommands.length; k++) {
        const reply = await c.command(apiCommands[k]!);
        assert.equal(reply.type, 'api/response', apiCommands[k]);
        assert.equal(mask(reply.body), mask(expected[k]!.body), apiCommands[k]);
        assert.equal(reply.frame.headers['Content-Length'], String(Buffer.byteLength(expected[k]!.body)), apiCommands[k]);
      }
      const want = transcript(`01-agent-lifecycle.${fmt}.txt`);
      await c.waitFor(() => ccEvents(c.items).length === ccEvents(want).length);
      assertSameCcEvents(ccEvents(c.items), ccEvents(want));
      c.close();
    } finally {
      await d.stop();
    }
  });

  test(`05 bgapi (${fmt}): replies, CUSTOM events and BACKGROUND_JOB bodies as recorded`, async () => {
    const d = await FreeSwitchDouble.start({ hostname: 'vm', ringMs: 1 });
    try {
      await recordedHistory(d);
      const sent = sentCommands(`05-bgapi-background-job.${fmt}.sent.txt`);
      const c = await RawClient.ready(d.port, sent[1]!);
      const want = transcript(`05-bgapi-background-job.${fmt}.txt`);
      const wantJobs = events(want).filter((e) => e.name === 'BACKGROUND_JOB');
      for (const block of sent.slice(2)) {
        const reply = await c.command(block);
        assert.equal(reply.type, 'command/reply');
        const uuid = reply.frame.headers['Job-UUID']!;
        assert.equal(reply.frame.headers['Reply-Text'], `+OK Job-UUID: ${uuid}`);
        assert.deepEqual(Object.keys(reply.frame.headers), ['Content-Type', 'Reply-Text', 'Job-UUID']);
        if (block.includes('Job-UUID: ')) assert.equal(uuid, '11111111-2222-4333-8444-555555555555');
        await c.waitFor((i) => i.name === 'BACKGROUND_JOB' && i.headers.get('Job-UUID') === uuid);
      }
      const jobs = events(c.items).filter((e) => e.name === 'BACKGROUND_JOB');
      assert.equal(jobs.length, wantJobs.length);
      for (let k = 0; k < jobs.length; k++) {
        assert.deepEqual(jobs[k]!.names, wantJobs[k]!.names, `BACKGROUND_JOB #${k + 1} header names`);
        assert.equal(mask(jobs[k]!.body), mask(wantJobs[k]!.body), `BACKGROUND_JOB #${k + 1} body`);
        for (const h of ['Job-Command', 'Job-Command-Arg']) assert.equal(jobs[k]!.headers.get(h), wantJobs[k]!.headers.get(h));
      }
      assertSameCcEvents(ccEvents(c.items), ccEvents(want));
      // Byte for byte, apart from identity, dates and sequence numbers.
      const scrub = (t: string): string =>
        t.replace(/("?(?:Core-UUID|Event-Date-Local|Event-Date-GMT|Event-Date-Timestamp|Event-Sequence|FreeSWITCH-Hostname|FreeSWITCH-Switchname|FreeSWITCH-IPv4|FreeSWITCH-IPv6)"?(?:: |:))("[^"]*"|[^\n]*)/g, '$1<x>');
      for (let k = 0; k < ccEvents(want).length; k++) {
        assert.equal(scrub(ccEvents(c.items)[k]!.frame.body!.toString()), scrub(ccEvents(want)[k]!.frame.body!.toString()));
      }
      // Each job's events come before its BACKGROUND_JOB, as recorded.
      const order = (l: readonly Item[]): string[] => events(l).map((e) => e.name + ':' + ccAction(e));
      assert.deepEqual(order(c.items), order(want));
      c.close();
    } finally {
      await d.stop();
    }
  });
}

/** The recording's queue had served fixtures 02-04 twice before 05: 2 calls answered, 4 abandoned. */
async function recordedHistory(d: FreeSwitchDouble): Promise<void> {
  for (let k = 0; k < 4; k++) d.hangupCaller(d.injectCaller({ number: '1', name: 'x' }).callerUuid);
  for (const c of ['agent add h@default callback', 'agent set contact h@default null/h', "agent set status h@default Available", 'tier add support@default h@default']) d.api(`callcenter_config ${c}`);
  for (let k = 0; k < 2; k++) {
    const bridged = d.waitForEvent((e) => e.get('CC-Action') === 'bridge-agent-start');
    const ids = d.injectCaller({ number: '2', name: 'y' });
    await bridged;
    d.hangupCaller(ids.callerUuid);
  }
  d.api('callcenter_config agent del h@default');
  assert.match(d.api('callcenter_config queue list'), /\|\|2\|4\|/);
}

test('00 CUSTOM first: later words are subclasses, so no CHANNEL_* or BACKGROUND_JOB arrives', async () => {
  const d = await FreeSwitchDouble.start({ hostname: 'vm' });
  try {
    const sent = sentCommands('00-custom-first-subscription.plain.sent.txt');
    const c = await RawClient.ready(d.port, sent[1]!);
    const expected = API_REPLIES.filter((r) => r.scenario === '00-custom-first-subscription');
    const commands = sent.slice(2);
    for (let k = 0; k < commands.length; k++) {
      const reply = await c.command(commands[k]!);
      assert.equal(reply.body, expected[k]!.body, commands[k]);
    }
    // A bgapi and a queued caller produce events the subscription does not take.
    await c.command('bgapi status');
    d.injectCaller({ number: '1', name: 'x' });
    await c.waitEvent('members-count');
    const want = transcript('00-custom-first-subscription.plain.txt');
    const got = events(c.items);
    assert.deepEqual(got.slice(0, 1).map(ccAction), events(want).map(ccAction));
    assert.deepEqual(got[0]!.names, events(want)[0]!.names);
    assert.ok(got.every((e) => e.name === 'CUSTOM'), got.map((e) => e.name).join());
    assert.deepEqual(got.map(ccAction), ['agent-add', 'member-queue-start', 'members-count']);
    c.close();
  } finally {
    await d.stop();
  }
});

test('06 errors and exit: byte-identical transcript apart from uuids and times', async () => {
  const d = await FreeSwitchDouble.start({ hostname: 'vm', ipv4: '192.0.2.2', ipv6: 'fd00::2' });
  try {
    const sent = sentCommands('06-errors-and-exit.plain.sent.txt');
    const c = await RawClient.connect(d.port);
    let subscribed = false;
    for (const block of sent) {
      if (block === 'exit') {
        c.write(block + '\n\n');
        await c.waitClose();
        break;
      }
      const reply = await c.command(block);
      if (block === 'event plain BACKGROUND_JOB') subscribed = true;
      const job = reply.frame.headers['Job-UUID'];
      // The first bgapi runs before the subscription: its BACKGROUND_JOB is not delivered.
      if (job && subscribed) await c.waitFor((i) => i.name === 'BACKGROUND_JOB' && i.headers.get('Job-UUID') === job);
    }
    const got = Buffer.concat(c.raw).toString('utf8');
    const want = fixture('06-errors-and-exit.plain.txt').toString('utf8');
    const scrub = (t: string): string =>
      mask(t)
        .replace(/^(Core-UUID|Event-Date-Local|Event-Date-GMT|Event-Date-Timestamp|Event-Sequence|FreeSWITCH-Hostname|FreeSWITCH-Switchname): .*$/gm, '$1: <x>')
        .replace(/^Content-Length: \d+\nContent-Type: text\/event-plain$/gm, 'Content-Length: <n>\nContent-Type: text/event-plain');
    assert.equal(scrub(got), scrub(want));
  } finally {
    await d.stop();
  }
});

test('06b auth failure: command not found before auth, -ERR invalid, notice, close', async () => {
  const d = await FreeSwitchDouble.start();
  try {
    const c = await RawClient.connect(d.port);
    for (const block of sentCommands('06b-auth-failure.plain.sent.txt')) c.write(block + '\n\n');
    await c.waitClose();
    assert.equal(Buffer.concat(c.raw).toString('utf8'), fixture('06b-auth-failure.plain.txt').toString('utf8'));
  } finally {
    await d.stop();
  }
});

test('api-replies: 06 bodies as recorded', async () => {
  const d = await FreeSwitchDouble.start();
  try {
    const c = await RawClient.ready(d.port, '');
    for (const r of API_REPLIES.filter((x) => x.scenario === '06-errors-and-exit')) {
      const reply = await c.command(r.command);
      assert.equal(reply.body, r.body, r.command);
    }
    c.close();
  } finally {
    await d.stop();
  }
});
