import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originateCommand, customerEndpoint, type OriginatePlan } from '../../src/outbound/originate.js';
import { moveFor, reconciledMove } from '../../src/outbound/lifecycle.js';
import { GrammarError } from '../../src/callcenter/grammar.js';
import { parseInline } from '../../src/fsdouble/click-to-dial.js';
import type { EslEvent } from '../../src/esl/event.js';

const plan: OriginatePlan = {
  actionId: '11111111-1111-4111-8111-111111111111',
  agent: '1001@default',
  contact: 'user/1001',
  agentLegUuid: '22222222-2222-4222-8222-222222222222',
  customerLegUuid: '33333333-3333-4333-8333-333333333333',
  number: '+15551230800',
  callerId: { number: '+15550001000', name: 'Support' },
  route: 'sofia/gateway/pstn/{digits}',
  agentRingS: 20,
};

test('the originate: callcenter_track when the agent leg rings, again (guarded) once answered, then the customer bridge inline', () => {
  assert.equal(
    originateCommand(plan),
    "originate {origination_uuid=22222222-2222-4222-8222-222222222222,cc_outbound=true,cc_outbound_action=11111111-1111-4111-8111-111111111111,cc_outbound_leg=agent,origination_caller_id_number=+15551230800,origination_caller_id_name=+15551230800,originate_timeout=20,execute_on_ring=callcenter_track:1001@default}user/1001 " +
      "'m:~:callcenter_track:${regex(x${cc_tracked_agent}|^x$|1001@default)}~bridge:[origination_uuid=33333333-3333-4333-8333-333333333333,cc_outbound=true,cc_outbound_action=11111111-1111-4111-8111-111111111111,cc_outbound_leg=customer,origination_caller_id_number=+15550001000,origination_caller_id_name=Support]sofia/gateway/pstn/15551230800' inline",
  );
  // The double reads the inline list the way mod_dptools does.
  const apps = parseInline(originateCommand(plan).split("'")[1]!);
  assert.deepEqual(apps.map((a) => a.app), ['callcenter_track', 'bridge']);
  assert.ok(apps[1]!.data.startsWith('[origination_uuid=3333'));
});

test('a contact\'s own {…} block is merged into ours (two blocks would break the dial string); […] stays', () => {
  const cmd = originateCommand({ ...plan, contact: '{sip_auto_answer=true}user/1001' });
  assert.match(cmd, /originate_timeout=20,execute_on_ring=callcenter_track:1001@default,sip_auto_answer=true\}user\/1001 '/);
  assert.match(originateCommand({ ...plan, contact: '[leg_timeout=15]user/1001' }), /execute_on_ring=callcenter_track:1001@default\}\[leg_timeout=15\]user\/1001 '/);
});

test('nothing outside the grammars reaches the command', () => {
  const bad: Array<Partial<OriginatePlan>> = [
    { number: '1555 1230800' },
    { number: '+1555,9999' },
    { number: '9300^bridge:user/1002' },
    { agent: '1001@default^bridge:user/1002' },
    { contact: "user/1001' inline" },
    { contact: '{api_on_answer=hupall}user/1001' },
    { contact: 'user/1001,user/1002' },
    { actionId: 'x,cc_outbound=false' },
    { agentLegUuid: '../../etc' },
    { callerId: { number: '+1555000', name: 'Two words' } },
    { callerId: { number: '+1555000|x', name: 'N' } },
    { route: 'sofia/gateway/pstn/{number},user/1002' },
  ];
  for (const b of bad) assert.throws(() => originateCommand({ ...plan, ...b }), GrammarError, JSON.stringify(b));
  assert.throws(() => customerEndpoint('loopback/{number}/default/XML', '1002/../x'), GrammarError);
});

function ev(name: string, uuid: string, extra: Record<string, string> = {}): EslEvent {
  return { name, headers: new Map([['Unique-ID', uuid], ['Event-Date-Timestamp', '1700000000000000'], ...Object.entries(extra)]), body: '' };
}

test('channel events of the two legs move the lifecycle; after the bridge only the agent leg ends it', () => {
  const legs = { agentLegUuid: 'A', customerLegUuid: 'C' };
  assert.equal(moveFor({ ...legs, state: 'sent' }, ev('CHANNEL_CREATE', 'A'))?.to, 'agent-ringing');
  assert.equal(moveFor({ ...legs, state: 'agent-ringing' }, ev('CHANNEL_ANSWER', 'A'))?.to, 'agent-answered');
  assert.equal(moveFor({ ...legs, state: 'agent-answered' }, ev('CHANNEL_CREATE', 'C'))?.to, 'customer-ringing');
  assert.equal(moveFor({ ...legs, state: 'customer-ringing' }, ev('CHANNEL_BRIDGE', 'A', { 'Bridge-A-Unique-ID': 'A', 'Bridge-B-Unique-ID': 'C' }))?.to, 'bridged');
  assert.equal(moveFor({ ...legs, state: 'customer-ringing' }, ev('CHANNEL_BRIDGE', 'A', { 'Bridge-A-Unique-ID': 'A', 'Bridge-B-Unique-ID': 'X' })), null, 'a re-bridge to the far leg is not our bridge');
  const busy = moveFor({ ...legs, state: 'customer-ringing' }, ev('CHANNEL_HANGUP_COMPLETE', 'C', { 'Hangup-Cause': 'USER_BUSY' }));
  assert.deepEqual([busy?.to, busy?.cause], ['failed', 'USER_BUSY']);
  assert.equal(moveFor({ ...legs, state: 'bridged' }, ev('CHANNEL_HANGUP', 'C', { 'Hangup-Cause': 'NORMAL_CLEARING' })), null, 'loopback bow-out: the call goes on');
  assert.equal(moveFor({ ...legs, state: 'bridged' }, ev('CHANNEL_HANGUP_COMPLETE', 'A', { 'Hangup-Cause': 'NORMAL_CLEARING' }))?.to, 'ended');
  assert.equal(moveFor({ ...legs, state: 'bridged' }, ev('CHANNEL_ANSWER', 'X')), null, 'other legs are ignored');
});

test('reconcile from the channel list', () => {
  const legs = { agentLegUuid: 'A', customerLegUuid: 'C' };
  const list = (...rows: Array<[string, string]>) => new Map(rows.map(([uuid, callstate]) => [uuid, { uuid, callstate }]));
  assert.deepEqual(reconciledMove({ ...legs, state: 'sent' }, list(), 5), { to: 'failed', cause: 'LOST', at: 5 });
  assert.deepEqual(reconciledMove({ ...legs, state: 'bridged' }, list(), 5), { to: 'ended', cause: 'LOST', at: 5 });
  assert.equal(reconciledMove({ ...legs, state: 'bridged' }, list(['A', 'ACTIVE']), 5), null);
  assert.equal(reconciledMove({ ...legs, state: 'sent' }, list(['A', 'RINGING']), 5)?.to, 'agent-ringing');
  assert.equal(reconciledMove({ ...legs, state: 'sent' }, list(['A', 'ACTIVE']), 5)?.to, 'agent-answered');
  assert.equal(reconciledMove({ ...legs, state: 'sent' }, list(['A', 'ACTIVE'], ['C', 'RINGING']), 5)?.to, 'customer-ringing');
  assert.equal(reconciledMove({ ...legs, state: 'sent' }, list(['A', 'ACTIVE'], ['C', 'ACTIVE']), 5)?.to, 'bridged');
});
