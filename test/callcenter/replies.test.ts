import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError, expectOk, parseList, parseTable, parseValue, CallcenterError } from '../../src/callcenter/replies.js';
import { agentsFromTable, memberFromRow, queueFromRow, tierFromRow } from '../../src/callcenter/state.js';
import { apiReplies } from '../helpers/fixtures.js';

const replies = apiReplies();
const bodyOf = (command: string, nth = 0): string => {
  const found = replies.filter((r) => r.command === `api ${command}`);
  assert.ok(found[nth], `no recorded reply for ${command}`);
  return found[nth].body;
};

test('every recorded reply is classified: ok, list, count, value or a typed error', () => {
  for (const r of replies) {
    const b = r.body;
    if (b.startsWith('-')) {
      const err = classifyError(b);
      assert.notEqual(err.code, 'SWITCH_ERROR', `${r.command} → ${b}`);
    } else if (b === '+OK\n') {
      expectOk(b);
    } else if (b.endsWith('+OK\n') && b.includes('|')) {
      assert.ok(parseList(b).rows.length > 0, r.command);
    } else if (/^\d+\n$/.test(b)) {
      // A bare count (`queue count …`): the gateway sends no such command.
    } else if (r.command.includes(' get ')) {
      assert.ok(parseValue(b).length > 0);
    } else {
      assert.match(b, /^\+OK /, `${r.command} → ${JSON.stringify(b)}`);
    }
  }
});

test('error replies map to their codes', () => {
  const cases: Array<[string, string]> = [
    ['callcenter_config agent add 1001@default callback', 'AGENT_EXISTS'],
    ['callcenter_config agent add 1009@default bogus_type', 'INVALID_TYPE'],
    ['callcenter_config agent set status nosuchagent@default Available', 'AGENT_NOT_FOUND'],
    ['callcenter_config agent set status 1001@default Vacation', 'INVALID_STATUS'],
    ['callcenter_config agent set state 1001@default Sleeping', 'INVALID_STATE'],
    ['callcenter_config agent set colour 1001@default red', 'INVALID_KEY'],
    ['callcenter_config agent set status 1001@default On Break', 'INVALID_STATUS'],
    ['callcenter_config queue load nosuchqueue@default', 'QUEUE_NOT_FOUND'],
    ['callcenter_config tier add nosuchqueue@default 1001@default 1 1', 'QUEUE_NOT_FOUND'],
    ['callcenter_config agent get uuid 1001@default', 'NO_REPLY'],
    ['callcenter_config agent bogus', 'NO_REPLY'],
    ['callcenter_config agent', 'INVALID_ARGUMENTS'],
    ['callcenter_config', 'USAGE'],
    ['no_such_api_command', 'COMMAND_NOT_FOUND'],
  ];
  for (const [command, code] of cases) {
    const body = command === 'callcenter_config agent add 1001@default callback' ? bodyOf(command, 1) : bodyOf(command);
    assert.equal(classifyError(body).code, code, command);
  }
  const tierExists = replies.filter((r) => r.command === 'api callcenter_config tier add support@default 1001@default 1 1')[1]!;
  assert.equal(classifyError(tierExists.body).code, 'TIER_EXISTS');
});

test('lists are read by their header line', () => {
  const agents = agentsFromTable(parseTable(bodyOf('callcenter_config agent list')));
  assert.equal(agents.length, 1);
  assert.deepEqual(
    { name: agents[0]!.name, contact: agents[0]!.contact, status: agents[0]!.status, state: agents[0]!.state, lastStatusChange: agents[0]!.lastStatusChange },
    { name: '1001@default', contact: 'loopback/9000/default', status: 'Available', state: 'Waiting', lastStatusChange: 1795278693 },
  );
  const tiers = parseList(bodyOf('callcenter_config tier list')).rows.map(tierFromRow);
  assert.deepEqual(tiers, [{ queue: 'support@default', agent: '1001@default', state: 'Ready', level: 1, position: 1 }]);
  const queues = parseList(bodyOf('callcenter_config queue list')).rows.map(queueFromRow);
  assert.equal(queues[0]!.name, 'support@default');
  assert.equal(queues[0]!.config.strategy, 'longest-idle-agent');
  assert.equal(queues[0]!.config.agent_no_answer_status, 'On Break');
  const waiting = replies.find((r) => r.scenario.startsWith('03') && r.command.endsWith('queue list members support@default'))!;
  const members = parseList(waiting.body).rows.map(memberFromRow);
  assert.equal(members[0]!.cidName, 'Bob');
  assert.equal(members[0]!.state, 'Waiting');
  assert.equal(members[0]!.servingAgent, '');
});

test('column order does not matter, an empty list is a bare +OK', () => {
  assert.deepEqual(parseList('+OK\n').rows, []);
  const swapped = parseList('state|agent|queue|position|level\nReady|1001@default|support@default|2|3\n+OK\n').rows.map(tierFromRow);
  assert.deepEqual(swapped, [{ queue: 'support@default', agent: '1001@default', state: 'Ready', level: 3, position: 2 }]);
  const extra = parseList('name|new_column|status\na@b|x|Available\n+OK\n').rows;
  assert.equal(extra[0]!.status, 'Available');
});

test('a row with a | inside a value is counted as malformed, not misread', () => {
  const r = parseList('queue|agent|state|level|position\nq@d|a@d|Ready|1|1\nq@d|b@d|Re|ady|1|1\n+OK\n');
  assert.equal(r.rows.length, 1);
  assert.equal(r.malformed, 1);
});

test('a | inside a free-text column (caller name, contact set with fs_cli) is kept in that column', () => {
  const members = 'queue|instance_id|uuid|session_uuid|cid_number|cid_name|system_epoch|joined_epoch|rejoined_epoch|bridge_epoch|abandoned_epoch|base_score|skill_score|serving_agent|serving_system|state|score\n' +
    'support@default|single_box|u1|s1|15551234567|Smith | ACME|1|2|0|0|0|0|0|||Waiting|2\n+OK\n';
  const [m] = parseList(members).rows.map(memberFromRow);
  assert.equal(m!.cidName, 'Smith | ACME');
  assert.equal(m!.state, 'Waiting');
  assert.equal(m!.joinedEpoch, 2);
  const agents = bodyOf('callcenter_config agent list').replace('loopback/9000/default', 'user/1001|user/1002');
  assert.equal(agentsFromTable(parseTable(agents))[0]!.contact, 'user/1001|user/1002');
});

test('bare values', () => {
  assert.equal(parseValue(bodyOf('callcenter_config agent get status 1001@default')), 'Available');
  assert.equal(parseValue(bodyOf('callcenter_config agent get state 1001@default')), 'Waiting');
  assert.throws(() => parseValue(bodyOf('callcenter_config agent get status nosuchagent@default')), (e: unknown) => e instanceof CallcenterError && e.code === 'AGENT_NOT_FOUND');
  assert.throws(() => parseList('garbage'), (e: unknown) => e instanceof CallcenterError && e.code === 'BAD_REPLY');
});
