import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiReplies } from '../helpers/fixtures.js';
import { parseList, parseTable } from '../../src/callcenter/replies.js';
import { agentsFromTable, type AgentView } from '../../src/callcenter/state.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';

const int = (v: string | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

/** Reference reading of one keyed row, written independently of agentsFromTable. */
function agentFromRow(r: Record<string, string>): AgentView {
  return {
    name: r.name ?? '',
    type: r.type ?? '',
    contact: r.contact ?? '',
    status: r.status ?? '',
    state: r.state ?? '',
    uuid: r.uuid ?? '',
    maxNoAnswer: int(r.max_no_answer),
    wrapUpTime: int(r.wrap_up_time),
    rejectDelayTime: int(r.reject_delay_time),
    busyDelayTime: int(r.busy_delay_time),
    noAnswerDelayTime: int(r.no_answer_delay_time),
    lastBridgeStart: int(r.last_bridge_start),
    lastBridgeEnd: int(r.last_bridge_end),
    lastOfferedCall: int(r.last_offered_call),
    lastStatusChange: int(r.last_status_change),
    noAnswerCount: int(r.no_answer_count),
    callsAnswered: int(r.calls_answered),
    talkTime: int(r.talk_time),
    readyTime: int(r.ready_time),
  };
}

const same = (body: string) => assert.deepEqual(agentsFromTable(parseTable(body)), parseList(body).rows.map(agentFromRow));

test('agentsFromTable reads agent lists exactly as agentFromRow on parseList rows', async () => {
  const lists = apiReplies().filter((r) => /agent list/.test(r.command) && !r.body.startsWith('-'));
  assert.ok(lists.length > 0, 'the recorded replies hold agent lists');
  for (const r of lists) same(r.body);
  const fs = await FreeSwitchDouble.start({
    initial: { agents: Array.from({ length: 50 }, (_, i) => ({ name: `${2000 + i}@default`, contact: `user/${2000 + i}`, status: i % 2 ? 'Available' : 'On Break', wrapUpTime: i, maxNoAnswer: i % 7 })) },
  });
  try {
    same(fs.api('callcenter_config agent list'));
  } finally {
    await fs.stop();
  }
  // Columns in another order, some missing, an unknown one, a malformed row, a non-number.
  same('contact|name|extra|talk_time\nuser/1|1@d|x|12\nbroken|row\nuser/2|2@d|y|abc\n+OK\n');
  same('+OK\n');
  assert.throws(() => parseTable('-ERR Agent not found!\n'));
  assert.deepEqual(parseTable('name|x\na|b\nc\n+OK\n'), { columns: ['name', 'x'], rows: [['a', 'b']], malformed: 1 });
});
