import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as cmd from '../../src/callcenter/commands.js';
import { GrammarError, contact, agentName } from '../../src/callcenter/grammar.js';
import { apiReplies } from '../helpers/fixtures.js';

test('builders produce exactly the commands the real switch accepted', () => {
  const sent = new Set(apiReplies().filter((r) => r.body === '+OK\n').map((r) => r.command.replace(/^api /, '')));
  const built = [
    cmd.agentAdd('1001@default', 'callback'),
    cmd.agentSetContact('1001@default', 'loopback/9000/default'),
    cmd.agentSetStatus('1001@default', 'Available'),
    cmd.agentSetState('1001@default', 'Waiting'),
    cmd.tierAdd('support@default', '1001@default', 1, 1),
    cmd.agentSetStatus('1001@default', 'On Break'),
    cmd.agentSetStatus('1001@default', 'Logged Out'),
    cmd.agentSetStatus('1001@default', 'Available (On Demand)'),
    cmd.agentDel('1001@default'),
    cmd.tierDel('support@default', '1001@default'),
  ];
  for (const c of built) assert.ok(sent.has(c), c);
  assert.equal(cmd.agentSetStatus('1001@default', 'On Break'), "callcenter_config agent set status 1001@default 'On Break'");
});

test('contacts: ordinary dial strings pass', () => {
  for (const ok of ['user/1001', 'user/1001@default', 'sofia/gateway/gw1/15551234567', 'sofia/internal/1001@10.0.0.5:5060', 'loopback/9000/default', 'null/agent-1', '[leg_timeout=5]loopback/9001/default', '{ignore_early_media=true,originate_timeout=20}user/1002']) {
    assert.equal(contact(ok), ok);
  }
});

test('contacts: injection attempts are refused', () => {
  const bad = [
    'user/1001\napi shutdown',
    'user/1001 &park',
    "user/1001'",
    'user/1001;x',
    'user/1001|user/1002',
    'user/1001,user/1002',
    'user/${system(rm -rf /)}',
    '{api_on_answer=system reboot}user/1001',
    '[execute_on_answer=transfer 9999]user/1001',
    '{leg_timeout=5 }user/1001',
    'error/USER_BUSY',
    'user/１００１',
    'user/1001\u2028',
    'user/1001:_:loopback/9999',
    '[leg_timeout=5]sofia/gateway/gw1/1555:_:user/1002',
    'user/../../etc/passwd',
    'sofia/gateway/./x',
    '',
    'x'.repeat(300),
  ];
  for (const b of bad) assert.throws(() => contact(b), GrammarError, JSON.stringify(b));
});

test('names: name@domain only', () => {
  for (const ok of ['1001@default', 'alice.smith@example.com', 'support@default']) assert.equal(agentName(ok), ok);
  for (const b of ['1001', '@default', '1001@', '10 01@default', '1001@default ', "1001@default'", '1001@default\n', 'a@b@c', '../x@y', 'a'.repeat(200) + '@x']) {
    assert.throws(() => agentName(b), GrammarError, JSON.stringify(b));
  }
});

test('statuses, states and integers are checked before a command is built', () => {
  assert.throws(() => cmd.agentSetStatus('1001@default', 'Vacation' as never), GrammarError);
  assert.throws(() => cmd.agentSetStatus('1001@default', 'available' as never), GrammarError);
  assert.throws(() => cmd.tierAdd('support@default', '1001@default', -1, 1), GrammarError);
  assert.throws(() => cmd.agentSetNumber('1001@default', 'max_no_answer', 1.5), GrammarError);
  assert.equal(cmd.tierSetState('support@default', '1001@default', 'No Answer'), "callcenter_config tier set state support@default 1001@default 'No Answer'");
});
