import type { CallCenter, CcStatus } from './callcenter.js';
import { atoi } from './callcenter.js';
import type { SwitchModel, Agent, Member, Queue, Tier } from './switch-model.js';
import { SwitchModel as Model } from './switch-model.js';
import { separateString } from './separate.js';

/**
 * `callcenter_config` (cc_config_api_function): argument parsing and the
 * exact reply texts of mod_callcenter.c. Returns the api output; an empty
 * string becomes `-ERR no reply` in mod_event_socket, as on the real switch.
 */

export const CC_CONFIG_API_SYNTAX =
  'callcenter_config <target> <args>,\n' +
  '\tcallcenter_config agent add [name] [type] | \n' +
  '\tcallcenter_config agent del [name] | \n' +
  '\tcallcenter_config agent reload [name] | \n' +
  '\tcallcenter_config agent set status [agent_name] [status] | \n' +
  '\tcallcenter_config agent set state [agent_name] [state] | \n' +
  '\tcallcenter_config agent set contact [agent_name] [contact] | \n' +
  '\tcallcenter_config agent set ready_time [agent_name] [wait till epoch] | \n' +
  '\tcallcenter_config agent set reject_delay_time [agent_name] [wait second] | \n' +
  '\tcallcenter_config agent set busy_delay_time [agent_name] [wait second] | \n' +
  '\tcallcenter_config agent set no_answer_delay_time [agent_name] [wait second] | \n' +
  '\tcallcenter_config agent get status [agent_name] | \n' +
  '\tcallcenter_config agent get state [agent_name] | \n' +
  '\tcallcenter_config agent get uuid [agent_name] | \n' +
  '\tcallcenter_config agent list [[agent_name]] | \n' +
  '\tcallcenter_config tier add [queue_name] [agent_name] [[level]] [[position]] | \n' +
  '\tcallcenter_config tier set state [queue_name] [agent_name] [state] | \n' +
  '\tcallcenter_config tier set level [queue_name] [agent_name] [level] | \n' +
  '\tcallcenter_config tier set position [queue_name] [agent_name] [position] | \n' +
  '\tcallcenter_config tier del [queue_name] [agent_name] | \n' +
  '\tcallcenter_config tier reload [queue_name] [agent_name] | \n' +
  '\tcallcenter_config tier list | \n' +
  '\tcallcenter_config queue load [queue_name] | \n' +
  '\tcallcenter_config queue unload [queue_name] | \n' +
  '\tcallcenter_config queue reload [queue_name] | \n' +
  '\tcallcenter_config queue list | \n' +
  '\tcallcenter_config queue list agents [queue_name] [status] [state] | \n' +
  '\tcallcenter_config queue list members [queue_name] | \n' +
  '\tcallcenter_config queue list tiers [queue_name] | \n' +
  '\tcallcenter_config queue count | \n' +
  '\tcallcenter_config queue count agents [queue_name] [status] [state] | \n' +
  '\tcallcenter_config queue count members [queue_name] | \n' +
  '\tcallcenter_config queue count tiers [queue_name]';

const AGENT_COLUMNS =
  'name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|reject_delay_time|busy_delay_time|no_answer_delay_time|last_bridge_start|last_bridge_end|last_offered_call|last_status_change|no_answer_count|calls_answered|talk_time|ready_time|external_calls_count';
const TIER_COLUMNS = 'queue|agent|state|level|position';
const MEMBER_COLUMNS =
  'queue|instance_id|uuid|session_uuid|cid_number|cid_name|system_epoch|joined_epoch|rejoined_epoch|bridge_epoch|abandoned_epoch|base_score|skill_score|serving_agent|serving_system|state|score';
const QUEUE_COLUMNS =
  'name|strategy|moh_sound|time_base_score|tier_rules_apply|tier_rule_wait_second|tier_rule_wait_multiply_level|tier_rule_no_agent_no_wait|discard_abandoned_after|abandoned_resume_allowed|max_wait_time|max_wait_time_with_no_agent|max_wait_time_with_no_agent_time_reached|record_template|calls_answered|calls_abandoned|ring_progressively_delay|skip_agents_with_external_calls|agent_no_answer_status';

export function agentRow(a: Agent): string {
  return [
    a.name, a.instanceId, a.uuid, a.type, a.contact, a.status, a.state, a.maxNoAnswer, a.wrapUpTime,
    a.rejectDelayTime, a.busyDelayTime, a.noAnswerDelayTime, a.lastBridgeStart, a.lastBridgeEnd,
    a.lastOfferedCall, a.lastStatusChange, a.noAnswerCount, a.callsAnswered, a.talkTime, a.readyTime,
    a.externalCallsCount,
  ].join('|');
}

const tierRow = (t: Tier): string => [t.queue, t.agent, t.state, t.level, t.position].join('|');

function memberRow(m: Member, nowS: number): string {
  return [
    m.queue, m.instanceId, m.uuid, m.sessionUuid, m.cidNumber, m.cidName, m.systemEpoch, m.joinedEpoch,
    m.rejoinedEpoch, m.bridgeEpoch, m.abandonedEpoch, m.baseScore, m.skillScore, m.servingAgent,
    m.servingSystem, m.state, Model.score(m, nowS),
  ].join('|');
}

const bool = (b: boolean): string => (b ? 'true' : 'false');

function queueRow(q: Queue): string {
  return [
    q.name, q.strategy, q.mohSound, q.timeBaseScore, bool(q.tierRulesApply), q.tierRuleWaitSecond,
    bool(q.tierRuleWaitMultiplyLevel), bool(q.tierRuleNoAgentNoWait), Math.floor(q.discardAbandonedAfter),
    bool(q.abandonedResumeAllowed), q.maxWaitTime, q.maxWaitTimeWithNoAgent, q.maxWaitTimeWithNoAgentTimeReached,
    q.recordTemplate, q.callsAnswered, q.callsAbandoned, q.ringProgressivelyDelay,
    bool(q.skipAgentsWithExternalCalls), q.agentNoAnswerStatus,
  ].join('|');
}

/** list_result_callback + the trailing "+OK": the column line only when there is a row. */
function list(columns: string, rows: readonly string[]): string {
  if (rows.length === 0) return '+OK\n';
  return columns + '\n' + rows.join('\n') + '\n+OK\n';
}

const INVALID = '-ERR Invalid!\n';

export class CallCenterApi {
  constructor(
    private readonly cc: CallCenter,
    private readonly model: SwitchModel,
    private readonly nowS: () => number,
  ) {}

  execute(cmd: string | null): string {
    if (cmd === null || cmd === '') return `-USAGE: \n${CC_CONFIG_API_SYNTAX}\n`;
    const argv = separateString(cmd, 8);
    if (argv.length < 2) return INVALID;
    const [section, action] = [argv[0]!.toLowerCase(), argv[1]!.toLowerCase()];
    const args = argv.slice(2);
    if (section === 'agent') return this.agent(action, args);
    if (section === 'tier') return this.tier(action, args);
    if (section === 'queue') return this.queue(action, args);
    return '';
  }

  private agent(action: string, args: string[]): string {
    const cc = this.cc;
    switch (action) {
      case 'add': {
        if (args.length < 2) return INVALID;
        return reply(cc.agentAdd(args[0]!, args[1]!), {
          SUCCESS: '+OK\n',
          AGENT_ALREADY_EXIST: '-ERR Agent already exist!\n',
          AGENT_INVALID_TYPE: '-ERR Agent type invalid!\n',
        });
      }
      case 'del':
        if (args.length < 1) return INVALID;
        return reply(cc.agentDel(args[0]!), { SUCCESS: '+OK\n' });
      case 'reload':
        // load_agent() reads callcenter.conf; the double has no XML agents, which is a success.
        if (args.length < 1) return INVALID;
        return '+OK\n';
      case 'set': {
        if (args.length < 3) return INVALID;
        return reply(cc.agentUpdate(args[0]!, args[2]!, args[1]!), {
          SUCCESS: '+OK\n',
          AGENT_INVALID_STATUS: '-ERR Invalid Agent Status!\n',
          AGENT_INVALID_STATE: '-ERR Invalid Agent State!\n',
          AGENT_INVALID_TYPE: '-ERR Invalid Agent Type!\n',
          INVALID_KEY: '-ERR Invalid Agent Update KEY!\n',
          AGENT_NOT_FOUND: '-ERR Agent not found!\n',
        });
      }
      case 'get': {
        if (args.length < 2) return INVALID;
        const r = cc.agentGet(args[0]!, args[1]!);
        if (r.status === 'SUCCESS') return truncate(r.value, 63);
        return reply(r.status, { INVALID_KEY: '-ERR Invalid Agent Update KEY!\n', AGENT_NOT_FOUND: '-ERR Agent not found!\n' });
      }
      case 'list': {
        if (args.length > 1) return INVALID;
        const rows: string[] = [];
        if (args.length === 1) {
          const a = this.model.agents.get(args[0]!);
          if (a) rows.push(agentRow(a));
        } else {
          for (const a of this.model.agents.values()) rows.push(agentRow(a));
        }
        return list(AGENT_COLUMNS, rows);
      }
      default:
        return '';
    }
  }

  private tier(action: string, args: string[]): string {
    const cc = this.cc;
    switch (action) {
      case 'add': {
        if (args.length < 2) return INVALID;
        const level = args[2] ? atoi(args[2]) : 1;
        const position = args[3] ? atoi(args[3]) : 1;
        return reply(cc.tierAdd(args[0]!, args[1]!, level, position), {
          SUCCESS: '+OK\n',
          QUEUE_NOT_FOUND: '-ERR Queue not found!\n',
          TIER_INVALID_STATE: '-ERR Invalid Tier State!\n',
          AGENT_NOT_FOUND: '-ERR Agent not found!\n',
          TIER_ALREADY_EXIST: '-ERR Tier already exist!\n',
        });
      }
      case 'set': {
        if (args.length < 4) return INVALID;
        return reply(cc.tierUpdate(args[0]!, args[3]!, args[1]!, args[2]!), {
          SUCCESS: '+OK\n',
          AGENT_INVALID_STATUS: '-ERR Invalid Agent Status!\n',
          TIER_INVALID_STATE: '-ERR Invalid Tier State!\n',
          INVALID_KEY: '-ERR Invalid Tier Update KEY!\n',
          AGENT_NOT_FOUND: '-ERR Agent not found!\n',
          // sic: mod_callcenter answers a missing queue with this text.
          QUEUE_NOT_FOUND: '-ERR Agent not found!\n',
        });
      }
      case 'del':
        if (args.length < 2) return INVALID;
        return reply(cc.tierDel(args[0]!, args[1]!), { SUCCESS: '+OK\n' });
      case 'reload':
        // load_tiers() finds no XML tiers in the double: SWITCH_STATUS_FALSE.
        if (args.length < 1) return INVALID;
        return '-ERR Unknown Error!\n';
      case 'list': {
        const tiers = this.model.allTiers().sort((a, b) => a.level - b.level || a.position - b.position || a.rowid - b.rowid);
        return list(TIER_COLUMNS, tiers.map(tierRow));
      }
      default:
        return '';
    }
  }

  private queue(action: string, args: string[]): string {
    const cc = this.cc;
    const model = this.model;
    switch (action) {
      case 'load':
        if (args.length < 1) return INVALID;
        return cc.loadQueue(args[0]!) ? '+OK\n' : '-ERR Invalid Queue not found!\n';
      case 'unload':
        if (args.length < 1) return INVALID;
        cc.unloadQueue(args[0]!);
        return '+OK\n';
      case 'reload':
        if (args.length < 1) return INVALID;
        cc.unloadQueue(args[0]!);
        return cc.loadQueue(args[0]!) ? '+OK\n' : '-ERR Invalid Queue not found!\n';
      case 'list': {
        if (args.length < 1) {
          let out = QUEUE_COLUMNS + '\n';
          for (const q of model.queues.values()) out += queueRow(q) + '\n';
          return out + '+OK\n';
        }
        const sub = args[0]!.toLowerCase();
        const queueName = args[1] ?? '(null)';
        if (sub === 'agents') {
          return list(AGENT_COLUMNS, this.queueAgents(queueName, args[2], args[3]).map(agentRow));
        }
        if (sub === 'members') {
          const now = this.nowS();
          const members = args[1] !== undefined ? [...model.membersOfQueue(queueName)] : sortByQueue([...model.members.values()]);
          const sorted = stableSortByScore(members, now, args[1] === undefined);
          return list(MEMBER_COLUMNS, sorted.map((m) => memberRow(m, now)));
        }
        if (sub === 'tiers') {
          const tiers = [...model.tiersOfQueue(queueName)].sort((a, b) => a.rowid - b.rowid);
          return list(TIER_COLUMNS, tiers.map(tierRow));
        }
        return INVALID;
      }
      case 'count': {
        if (args.length < 1) return `${model.queues.size}\n`;
        const sub = args[0]!.toLowerCase();
        const queueName = args[1] ?? '(null)';
        if (sub === 'agents') return `${this.queueAgents(queueName, args[2], args[3]).length}\n`;
        if (sub === 'members') {
          let n = 0;
          for (const _ of model.membersOfQueue(queueName)) n++;
          return `${n}\n`;
        }
        if (sub === 'tiers') {
          let n = 0;
          for (const _ of model.tiersOfQueue(queueName)) n++;
          return `${n}\n`;
        }
        return INVALID;
      }
      default:
        return '';
    }
  }

  /** `SELECT agents.* FROM agents,tiers WHERE tiers.agent = agents.name AND tiers.queue = ... [AND status/state]` */
  private queueAgents(queue: string, status: string | undefined, state: string | undefined): Agent[] {
    const out: Agent[] = [];
    for (const t of this.model.tiersOfQueue(queue)) {
      const a = this.model.agents.get(t.agent);
      if (!a) continue;
      if (status !== undefined && a.status !== status) continue;
      if (state !== undefined && a.state !== state) continue;
      out.push(a);
    }
    return out.sort((x, y) => x.rowid - y.rowid);
  }
}

function sortByQueue(members: Member[]): Member[] {
  return members;
}

/** ORDER BY [queue,] score DESC; rows with equal keys stay in rowid order. */
function stableSortByScore(members: Member[], nowS: number, byQueue: boolean): Member[] {
  return members
    .map((m) => ({ m, s: Model.score(m, nowS) }))
    .sort((a, b) => (byQueue && a.m.queue !== b.m.queue ? (a.m.queue < b.m.queue ? -1 : 1) : 0) || b.s - a.s || a.m.rowid - b.m.rowid)
    .map((x) => x.m);
}

function truncate(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= max ? s : b.subarray(0, max).toString('utf8');
}

function reply(status: CcStatus, texts: Partial<Record<CcStatus, string>>): string {
  return texts[status] ?? '-ERR Unknown Error!\n';
}
