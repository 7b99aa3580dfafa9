import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { RawClient, ccAction, events, sentCommands, transcript, type Item } from './helpers.js';

/**
 * Fixtures 02, 03, 04, 07 replayed against the double over TCP: the
 * commands of each *.sent.txt (callers injected through the control API
 * instead of `bgapi originate`), compared with the recorded transcript:
 * same events in the same order, same header names in the same order,
 * same reply types and structurally equal list replies.
 */

const SUBSCRIBE_INDEX = 1;
const FIXTURE_VARS = { cc_export_vars: 'fixture_tag,caller_lang', fixture_tag: 'esl-capture', caller_lang: 'en' };

interface Caller {
  uuid: string;
  number: string;
  name: string;
}

function originateCaller(cmd: string): Caller {
  const m = /origination_uuid=([^,}]+),origination_caller_id_number=([^,}]+),origination_caller_id_name=([^,}]+)/.exec(cmd);
  assert.ok(m, cmd);
  return { uuid: m[1]!, number: m[2]!, name: m[3]! };
}

async function withAgent(d: FreeSwitchDouble, name: string, contact: string, extra: string[] = []): Promise<void> {
  for (const c of [
    `agent add ${name} callback`,
    `agent set contact ${name} ${contact}`,
    ...extra,
    `agent set status ${name} Available`,
    `agent set state ${name} Waiting`,
    `tier add support@default ${name} 1 1`,
  ]) {
    assert.equal(d.api(`callcenter_config ${c}`), '+OK\n', c);
  }
}

const label = (i: Item): string => {
  const chan = i.headers.get('Channel-Name');
  return [i.name, ccAction(i), chan && !ccAction(i) ? chan : ''].filter(Boolean).join(' ');
};

/** Events minus BACKGROUND_JOB (the recorded originate's job; callers are injected here). */
const comparable = (items: readonly Item[]): Item[] => events(items).filter((e) => e.name !== 'BACKGROUND_JOB');

/**
 * The recorded switch runs callcenter and channel threads concurrently, so
 * the plain and json recordings of one scenario interleave a few events
 * differently. The double follows the plain recording's order; against the
 * json recording the CC-Action order, the per-channel order and the
 * multiset must match. Header names are compared event by event, pairing
 * the n-th occurrence of each label.
 */
function assertSameEvents(got: readonly Item[], want: readonly Item[], strictOrder: boolean): void {
  if (strictOrder) assert.deepEqual(got.map(label), want.map(label), 'event sequence');
  else {
    const cc = (l: readonly Item[]): string[] => l.filter((i) => ccAction(i)).map(label);
    assert.deepEqual(cc(got), cc(want), 'CC-Action sequence');
    const byChannel = (l: readonly Item[]): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const i of l) if (!ccAction(i)) (out[i.headers.get('Channel-Name') ?? i.name] ??= []).push(i.name);
      return out;
    };
    assert.deepEqual(byChannel(got), byChannel(want), 'per-channel event order');
  }
  const keyed = (l: readonly Item[]): Map<string, Item> => {
    const seen = new Map<string, number>();
    const out = new Map<string, Item>();
    for (const i of l) {
      const n = (seen.get(label(i)) ?? 0) + 1;
      seen.set(label(i), n);
      out.set(`${label(i)} #${n}`, i);
    }
    return out;
  };
  const g = keyed(got);
  const w = keyed(want);
  assert.deepEqual([...g.keys()].sort(), [...w.keys()].sort(), 'same events');
  for (const [key, item] of w) {
    if (strictOrder) assert.deepEqual(g.get(key)!.names, item.names, `header names of ${key}`);
    else {
      // Channel variables set by racing threads may land in another order; the rest may not.
      const fixed = (n: readonly string[]): string[] => n.filter((x) => !x.startsWith('variable_'));
      // last_bridge_hangup_cause exists only if the other leg hung up first, which the json run did not.
      const vars = (n: readonly string[]): string[] => n.filter((x) => x.startsWith('variable_') && x !== 'variable_last_bridge_hangup_cause').sort();
      assert.deepEqual(fixed(g.get(key)!.names), fixed(item.names), `header names of ${key}`);
      assert.deepEqual(vars(g.get(key)!.names), vars(item.names), `variables of ${key}`);
    }
  }
}

/** Run-specific values: uuids, epochs/µs times, dates. */
function maskValue(v: string): string {
  return v
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b1[0-9]{9,15}\b/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '<date>')
    .replace(/\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/g, '<gmt>');
}

/** Headers whose values depend on the run (counters, durations, media positions) or the capture host. */
const RUN_SPECIFIC = /^(Event-Sequence|variable_Event-Sequence|variable_session_id|variable_playback_.*|variable_.*(sec|msec|usec|duration)|(variable_)?(FreeSWITCH-Hostname|FreeSWITCH-Switchname|FreeSWITCH-IPv4|FreeSWITCH-IPv6))$/;

/** Every other header value equals the recorded one once uuids and times are masked. */
function assertSameValues(got: readonly Item[], want: readonly Item[]): void {
  for (let k = 0; k < want.length; k++) {
    for (const [name, value] of want[k]!.headers) {
      if (RUN_SPECIFIC.test(name)) continue;
      assert.equal(maskValue(got[k]!.headers.get(name) ?? '<absent>'), maskValue(value), `${name} of event #${k + 1} (${label(want[k]!)})`);
    }
  }
}

/** A list reply with uuids and epochs masked; members' `score` (seconds waited) dropped. */
function maskList(body: string, members = false): string {
  return body
    .split('\n')
    .map((line) => (members && line.includes('|') ? line.slice(0, line.lastIndexOf('|')) : line))
    .map(maskValue)
    .join('\n');
}

/** Same list shape: the column line, the row count and the column count of each row. */
function assertSameListShape(got: string, want: string): void {
  const g = got.split('\n');
  const w = want.split('\n');
  assert.equal(g.length, w.length, `line count\n${got}\nvs\n${want}`);
  assert.equal(g[0], w[0]);
  for (let k = 1; k < w.length; k++) assert.equal(g[k]!.split('|').length, w[k]!.split('|').length, `columns of line ${k}`);
}

const replies = (items: readonly Item[]): Item[] => items.filter((i) => i.type !== 'event' && i.type !== 'auth/request');

for (const fmt of ['plain', 'json'] as const) {
  test(`02 call answered (${fmt}) matches the recording`, async () => {
    const d = await FreeSwitchDouble.start({ ringMs: 20, hostname: 'vm' });
    try {
      await withAgent(d, '1001@default', 'loopback/9000/default');
      const sent = sentCommands(`02-call-answered.${fmt}.sent.txt`);
      const c = await RawClient.ready(d.port, sent[SUBSCRIBE_INDEX]!);
      const caller = originateCaller(sent[2]!);
      const ids = d.injectCaller({ ...caller, variables: FIXTURE_VARS });
      assert.equal(ids.callerUuid, caller.uuid);
      await c.waitFor((i) => i.name === 'CHANNEL_BRIDGE' && i.headers.get('Channel-Name') === 'loopback/7000-b');
      const members = await c.command(sent[3]!);
      const agents = await c.command(sent[4]!);
      const kill = await c.command(sent[5]!);
      await c.waitFor((i) => ccAction(i) === 'agent-state-change' && i.headers.get('CC-Agent-State') === 'Waiting', 3000, c.items.indexOf(kill));
      const want = transcript(`02-call-answered.${fmt}.txt`);
      assertSameEvents(comparable(c.items), comparable(want), fmt === 'plain');
      if (fmt === 'plain') assertSameValues(comparable(c.items), comparable(want));
      const wantReplies = replies(want).filter((i) => !(i.headers.get('Reply-Text') ?? '').startsWith('+OK Job-UUID'));
      assert.deepEqual(replies(c.items).map((i) => i.type), wantReplies.map((i) => i.type));
      assertSameListShape(members.body, wantReplies.at(-3)!.body);
      assertSameListShape(agents.body, wantReplies.at(-2)!.body);
      assert.equal(maskList(members.body, true), maskList(wantReplies.at(-3)!.body, true));
      assert.equal(maskList(agents.body), maskList(wantReplies.at(-2)!.body));
      assert.equal(kill.body, '+OK\n');
      // The values that can match do.
      const start = events(c.items).find((e) => ccAction(e) === 'member-queue-start')!;
      assert.equal(start.headers.get('CC-Member-CID-Name'), 'Alice');
      assert.equal(start.headers.get('variable_fixture_tag'), 'esl-capture');
      assert.equal(start.headers.get('Unique-ID'), ids.memberSessionUuid);
      assert.equal(start.headers.get('CC-Member-UUID'), ids.memberUuid);
      const end = events(c.items).find((e) => ccAction(e) === 'member-queue-end')!;
      assert.equal(end.headers.get('CC-Cause'), 'Terminated');
      c.close();
    } finally {
      await d.stop();
    }
  });

  test(`03 caller abandons (${fmt}) matches the recording`, async () => {
    const d = await FreeSwitchDouble.start({ ringMs: 20, hostname: 'vm', discardAbandonedAfterS: 0.3 });
    try {
      const sent = sentCommands(`03-caller-abandons.${fmt}.sent.txt`);
      const c = await RawClient.ready(d.port, sent[SUBSCRIBE_INDEX]!);
      const caller = originateCaller(sent[2]!);
      d.injectCaller({ ...caller, variables: FIXTURE_VARS });
      await c.waitEvent('members-count');
      const waitingList = await c.command(sent[3]!);
      const count = await c.command(sent[4]!);
      const kill = await c.command(sent[5]!);
      await c.waitFor((i) => i.name === 'CHANNEL_HANGUP_COMPLETE' && i.headers.get('Channel-Name') === 'loopback/7000-b');
      const abandonedList = await c.command(sent[6]!);
      const want = transcript(`03-caller-abandons.${fmt}.txt`);
      assertSameEvents(comparable(c.items), comparable(want), fmt === 'plain');
      if (fmt === 'plain') assertSameValues(comparable(c.items), comparable(want));
      const wantReplies = replies(want).filter((i) => !(i.headers.get('Reply-Text') ?? '').startsWith('+OK Job-UUID'));
      assert.deepEqual(replies(c.items).map((i) => i.type), wantReplies.map((i) => i.type));
      assertSameListShape(waitingList.body, wantReplies.at(-4)!.body);
      assert.equal(maskList(waitingList.body, true), maskList(wantReplies.at(-4)!.body, true));
      assert.equal(count.body, '1\n');
      assert.equal(kill.body, '+OK\n');
      assertSameListShape(abandonedList.body, wantReplies.at(-1)!.body);
      assert.equal(maskList(abandonedList.body, true), maskList(wantReplies.at(-1)!.body, true));
      assert.match(abandonedList.body, /\|\|15557654321\|Bob\|.*\|Abandoned\|/);
      const end = events(c.items).find((e) => ccAction(e) === 'member-queue-end')!;
      assert.equal(end.headers.get('CC-Cause'), 'Cancel');
      assert.equal(end.headers.get('CC-Cancel-Reason'), 'BREAK_OUT');
      // discard-abandoned-after: the member goes away by itself.
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(d.api('callcenter_config queue list members support@default'), '+OK\n');
      assert.match(d.api('callcenter_config queue list'), /\|0\|1\|0\|true\|On Break\n/);
      c.close();
    } finally {
      await d.stop();
    }
  });

  test(`04 agent does not answer (${fmt}) matches the recording`, async () => {
    const d = await FreeSwitchDouble.start({ ringMs: 20, hostname: 'vm' });
    try {
      await withAgent(d, '1002@default', '[leg_timeout=5]loopback/9001/default', ['agent set max_no_answer 1002@default 1', 'agent set no_answer_delay_time 1002@default 30']);
      d.setAgentAnswer('1002@default', { mode: 'no-answer', afterMs: 50 });
      const sent = sentCommands(`04-agent-no-answer.${fmt}.sent.txt`);
      const c = await RawClient.ready(d.port, sent[SUBSCRIBE_INDEX]!);
      const caller = originateCaller(sent[2]!);
      d.injectCaller({ ...caller, variables: FIXTURE_VARS });
      await c.waitFor((i) => ccAction(i) === 'agent-state-change' && i.headers.get('CC-Agent-State') === 'Waiting');
      const list = await c.command(sent[3]!);
      const kill = await c.command(sent[4]!);
      await c.waitFor((i) => i.name === 'CHANNEL_HANGUP_COMPLETE' && i.headers.get('Channel-Name') === 'loopback/7000-b');
      const want = transcript(`04-agent-no-answer.${fmt}.txt`);
      assertSameEvents(comparable(c.items), comparable(want), fmt === 'plain');
      if (fmt === 'plain') assertSameValues(comparable(c.items), comparable(want));
      const fail = events(c.items).find((e) => ccAction(e) === 'bridge-agent-fail')!;
      assert.equal(fail.headers.get('CC-Hangup-Cause'), 'ALLOTTED_TIMEOUT');
      const wantList = replies(want).filter((i) => i.type === 'api/response')[0]!.body;
      assertSameListShape(list.body, wantList);
      assert.equal(maskList(list.body), maskList(wantList));
      const row = list.body.split('\n')[1]!.split('|');
      // status On Break, no_answer_count 1, ready_time = now + no_answer_delay_time
      assert.equal(row[5], 'On Break');
      assert.equal(row[16], '1');
      assert.ok(Math.abs(Number(row[19]) - (Math.floor(Date.now() / 1000) + 30)) <= 2, row[19]);
      assert.equal(kill.body, '+OK\n');
      c.close();
    } finally {
      await d.stop();
    }
  });
}

test('07 loopback agent that answers but never bridges matches the recording', async () => {
  const d = await FreeSwitchDouble.start({ ringMs: 20, hostname: 'vm' });
  try {
    await withAgent(d, '1001@default', 'loopback/9002/default');
    d.setAgentAnswer('1001@default', { mode: 'no-bridge', giveUpAfterMs: 30 });
    // The second attempt waits long enough for the caller's uuid_kill to arrive first.
    const off = d.onEvent((e) => {
      if (e.get('CC-Action') !== 'bridge-agent-fail') return;
      d.setAgentAnswer('1001@default', { mode: 'no-bridge', giveUpAfterMs: 10_000 });
      off();
    });
    const sent = sentCommands('07-loopback-agent-not-bridged.plain.sent.txt');
    const c = await RawClient.ready(d.port, sent[SUBSCRIBE_INDEX]!);
    const caller = originateCaller(sent[2]!);
    d.injectCaller({ ...caller, variables: FIXTURE_VARS });
    // The recording killed the caller during the second attempt, after both loopback legs answered.
    let answers = 0;
    await c.waitFor((i) => i.name === 'CHANNEL_ANSWER' && i.headers.get('Channel-Name') === 'loopback/9002-b' && ++answers === 2, 3000);
    const kill = await c.command(sent[3]!);
    await c.waitFor((i) => i.name === 'CHANNEL_HANGUP_COMPLETE' && i.headers.get('Channel-Name') === 'loopback/9002-b', 3000, c.items.indexOf(kill));
    const want = transcript('07-loopback-agent-not-bridged.plain.txt');
    assertSameEvents(comparable(c.items), comparable(want), true);
    assertSameValues(comparable(c.items), comparable(want));
    const fails = events(c.items).filter((e) => ccAction(e) === 'bridge-agent-fail');
    assert.deepEqual(fails.map((f) => f.headers.get('CC-Hangup-Cause')), ['SUCCESS', 'SUCCESS']);
    c.close();
  } finally {
    await d.stop();
  }
});
