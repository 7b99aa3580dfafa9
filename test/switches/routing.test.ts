/**
 * The pure parts of the several-switches router: ESL_HOSTS, where each command
 * the gateway builds goes, how per-box replies merge, which box holds a channel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../src/config.js';
import { routeOf } from '../../src/switches/route.js';
import { mergeReplies, withoutMembersOf } from '../../src/switches/merge.js';
import { ChannelLocator } from '../../src/switches/locator.js';
import * as cc from '../../src/callcenter/commands.js';
import * as controls from '../../src/calls/controls/commands.js';
import { eavesdropOriginate } from '../../src/supervisor/commands.js';

const U1 = '11111111-2222-4333-8444-555555555555';
const U2 = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

test('ESL_HOSTS: ids given or derived, ESL_HOST/ESL_PORT as the one switch when unset, bad entries refused', () => {
  assert.deepEqual(loadConfig({ ESL_HOSTS: 'fs1@10.0.0.1:8021, 10.0.0.2:8022' }).esl.switches, [
    { id: 'fs1', host: '10.0.0.1', port: 8021 },
    { id: '10.0.0.2:8022', host: '10.0.0.2', port: 8022 },
  ]);
  const one = loadConfig({ ESL_HOST: 'fs.local', ESL_PORT: '9000' });
  assert.deepEqual(one.esl.switches, [{ id: 'fs.local:9000', host: 'fs.local', port: 9000 }]);
  assert.equal(one.esl.host, 'fs.local');
  // ESL_HOSTS wins; host/port name its first switch.
  const both = loadConfig({ ESL_HOSTS: 'a@h1:1,b@h2:2', ESL_HOST: 'ignored', ESL_PORT: '3' });
  assert.deepEqual([both.esl.host, both.esl.port], ['h1', 1]);
  for (const bad of ['h1', 'h1:0', 'h1:70000', 'bad id@h:1', 'a@h:1,a@h:2', 'h:1,x@h:1', 'h;rm:1', ' , ']) {
    assert.throws(() => loadConfig({ ESL_HOSTS: bad }), ConfigError, bad);
  }
});

test('routes: agents and tiers to one box, members and channel lists from every box, call commands by channel, new originates round robin', () => {
  assert.deepEqual(routeOf(cc.agentSetStatus('1001@default', 'Available')), { kind: 'shared' });
  assert.deepEqual(routeOf(cc.tierAdd('support@default', '1001@default')), { kind: 'shared' });
  assert.deepEqual(routeOf(cc.agentList()), { kind: 'shared' });
  assert.deepEqual(routeOf(cc.queueList()), { kind: 'shared' });
  assert.deepEqual(routeOf(cc.queueListMembers('support@default')), { kind: 'shared', members: true });
  assert.deepEqual(routeOf(cc.queueLoad('support@default')), { kind: 'every', merge: 'all-ok' });
  assert.deepEqual(routeOf('show calls as json'), { kind: 'every', merge: 'json-rows' });
  assert.deepEqual(routeOf('show channels as json'), { kind: 'every', merge: 'json-rows' });
  assert.deepEqual(routeOf(controls.kill(U1)), { kind: 'call', uuids: [U1] });
  assert.deepEqual(routeOf(controls.breakAgent(U1)), { kind: 'call', uuids: [U1] });
  assert.deepEqual(routeOf(controls.bridge(U1, U2)), { kind: 'call', uuids: [U1, U2] });
  assert.deepEqual(routeOf(controls.conferenceList(controls.conferenceName(U1))), { kind: 'call', uuids: [U1] });
  // An eavesdrop names its own new leg and then the agent's: the router picks the first one it knows.
  const { leg, command } = eavesdropOriginate('user/1001', U2, 'listen', 'Supervisor', U1);
  assert.equal(leg, U1);
  assert.deepEqual(routeOf(command), { kind: 'new-call', uuids: [U1, U2] });
  assert.equal(routeOf('status').kind, 'shared');
});

test('replies: members of a box that is down dropped (the shared table keeps them), json rows of every box joined', () => {
  // As the real switches listed it (two boxes on one database, cc-instance-id fs1 and fs2).
  const header = 'queue|instance_id|uuid|session_uuid|state';
  const both = `${header}\nq|fs1|a|s1|Waiting\nq|fs2|b|s2|Trying\nq|single_box|c|s3|Waiting\n+OK\n`;
  assert.equal(withoutMembersOf(new Set(['fs1']), both), `${header}\nq|fs2|b|s2|Trying\nq|single_box|c|s3|Waiting\n+OK\n`);
  assert.equal(withoutMembersOf(new Set(), both), both);
  assert.equal(withoutMembersOf(new Set(['fs1']), `${header}\nq|fs1|a|s1|Waiting\n+OK\n`), '+OK\n');
  assert.equal(withoutMembersOf(new Set(['fs1']), '+OK\n'), '+OK\n');
  const merged = JSON.parse(mergeReplies('json-rows', ['{"row_count":1,"rows":[{"uuid":"a"}]}', '{"row_count":0}', '{"row_count":1,"rows":[{"uuid":"b"}]}'])) as unknown;
  assert.deepEqual(merged, { row_count: 2, rows: [{ uuid: 'a' }, { uuid: 'b' }] });
  assert.equal(mergeReplies('json-rows', ['{"row_count":0}', '{"row_count":0}']), '{"row_count":0}');
  assert.equal(mergeReplies('all-ok', ['+OK\n', '+OK\n']), '+OK\n');
});

test('locator: channels placed by the events of their switch, forgotten at their end or with their switch', () => {
  const where = new ChannelLocator();
  const ev = (name: string, headers: Record<string, string>) => ({ name, headers: new Map(Object.entries(headers)), body: '' });
  where.learn('fs1', ev('CUSTOM', { 'CC-Member-Session-UUID': U1, 'CC-Agent-UUID': U2 }));
  assert.equal(where.switchOf(U1), 'fs1');
  assert.equal(where.switchOf(U2), 'fs1');
  where.learn('fs1', ev('CHANNEL_HANGUP_COMPLETE', { 'Unique-ID': U2 }));
  assert.equal(where.switchOf(U2), undefined);
  where.place(U2, 'fs2');
  assert.deepEqual([...where.forgetSwitch('fs1')], [U1]);
  assert.equal(where.switchOf(U1), undefined);
  assert.equal(where.switchOf(U2), 'fs2');
});
