import type { SwitchCore } from './core.js';
import { SITES } from './event-builder.js';
import { makeQueue, type Agent, type Queue } from './switch-model.js';

/**
 * mod_callcenter's cc_* functions (cc_agent_add/update/get, cc_tier_*,
 * cc_queue_count, get_queue) over the in-memory tables, with the events the
 * real functions fire. Lookups of names are case-insensitive (strcasecmp),
 * but values are stored as given, exactly like the sqlite-backed module.
 */

export type CcStatus =
  | 'SUCCESS'
  | 'AGENT_NOT_FOUND'
  | 'QUEUE_NOT_FOUND'
  | 'AGENT_ALREADY_EXIST'
  | 'AGENT_INVALID_TYPE'
  | 'AGENT_INVALID_STATUS'
  | 'AGENT_INVALID_STATE'
  | 'TIER_ALREADY_EXIST'
  | 'TIER_NOT_FOUND'
  | 'TIER_INVALID_STATE'
  | 'INVALID_KEY';

const AGENT_STATUS = ['Logged Out', 'Available', 'Available (On Demand)', 'On Break'];
const AGENT_STATE = ['Waiting', 'Receiving', 'In a queue call', 'Idle', 'Reserved'];
const TIER_STATE = ['No Answer', 'Ready', 'Offering', 'Active Inbound', 'Standby'];

function lookup(list: readonly string[], value: string): string | undefined {
  const v = value.toLowerCase();
  return list.find((x) => x.toLowerCase() === v);
}

/** cc_agent_str2status(); undefined is CC_AGENT_STATUS_UNKNOWN. */
export const str2status = (v: string): string | undefined => lookup(AGENT_STATUS, v);
export const str2state = (v: string): string | undefined => lookup(AGENT_STATE, v);
export const str2tierState = (v: string): string | undefined => lookup(TIER_STATE, v);

export const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** C atoi()/atol(): leading integer, 0 when there is none. */
export function atoi(text: string | undefined): number {
  const m = /^\s*([+-]?\d+)/.exec(text ?? '');
  return m ? parseInt(m[1]!, 10) : 0;
}

export function isAgentType(type: string): boolean {
  return eq(type, 'Callback') || eq(type, 'uuid-standby');
}

export interface CallCenterHooks {
  /** An agent left `Available`: ringing offers served by it are cancelled (ORIGINATOR_CANCEL). */
  cancelOffersOf(agent: string): void;
  /** Something routing depends on changed. */
  changed(): void;
  /** A delay (ready_time, wrap-up) ends at this time; routing must look again then. */
  wakeAt(ms: number): void;
}

export class CallCenter {
  hooks: CallCenterHooks = { cancelOffersOf: () => {}, changed: () => {}, wakeAt: () => {} };

  constructor(private readonly core: SwitchCore) {}

  private get model() {
    return this.core.model;
  }

  agent(name: string): Agent | undefined {
    return this.model.agents.get(name);
  }

  /** get_queue(): a loaded queue, or load it from callcenter.conf. */
  getQueue(name: string): Queue | undefined {
    const q = this.model.queues.get(name);
    if (q) return q;
    return this.loadQueue(name);
  }

  /** load_queue(): (re)creates the queue from its configuration, counters at 0. */
  loadQueue(name: string): Queue | undefined {
    const cfg = this.model.xmlCurlQueues.get(name) ?? this.model.queueConfigs.get(name);
    if (!cfg) return undefined;
    const q = makeQueue(cfg);
    this.model.queues.set(name, q);
    this.hooks.changed();
    return q;
  }

  unloadQueue(name: string): void {
    this.model.queues.delete(name);
  }

  agentAdd(name: string, type: string): CcStatus {
    if (!isAgentType(type)) return 'AGENT_INVALID_TYPE';
    if (this.model.agents.has(name)) return 'AGENT_ALREADY_EXIST';
    this.model.addAgent(name, type, this.core.nowS());
    this.fireCc(SITES.agentAdd, [
      ['CC-Agent', name],
      ['CC-Agent-Type', type],
      ['CC-Action', 'agent-add'],
    ]);
    return 'SUCCESS';
  }

  agentDel(name: string): CcStatus {
    this.model.deleteAgent(name);
    this.hooks.changed();
    return 'SUCCESS';
  }

  /** cc_agent_get(); `value` is the full column value (the api reply truncates it). */
  agentGet(key: string, name: string): { status: CcStatus; value: string } {
    const a = this.agent(name);
    if (!a) return { status: 'AGENT_NOT_FOUND', value: '' };
    const k = key.toLowerCase();
    if (k !== 'status' && k !== 'state' && k !== 'uuid') return { status: 'INVALID_KEY', value: '' };
    const value = k === 'status' ? a.status : k === 'state' ? a.state : a.uuid;
    const header = k === 'uuid' ? 'CC-Agent-UUID' : 'CC-Agent-' + key.charAt(0).toUpperCase() + key.slice(1);
    this.fireCc(SITES.agentGet, [
      ['CC-Agent', name],
      ['CC-Action', `agent-${key}-get`],
      [header, value],
    ]);
    return { status: 'SUCCESS', value };
  }

  /** cc_agent_update(key, value, agent). */
  agentUpdate(key: string, value: string, name: string): CcStatus {
    const a = this.agent(name);
    if (!a) return 'AGENT_NOT_FOUND';
    const now = this.core.nowS();
    switch (key.toLowerCase()) {
      case 'status': {
        const status = str2status(value);
        if (!status) return 'AGENT_INVALID_STATUS';
        if (status === 'Available') {
          // "... WHERE name = '%q' AND NOT status = '%q'": counters reset only on a real change.
          if (a.status !== value) {
            a.status = value;
            a.lastStatusChange = now;
            a.talkTime = 0;
            a.callsAnswered = 0;
            a.noAnswerCount = 0;
          }
        } else {
          a.status = value;
          a.lastStatusChange = now;
          this.hooks.cancelOffersOf(name);
        }
        this.fireCc(SITES.agentStatus, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-status-change'],
          ['CC-Agent-Status', value],
        ]);
        break;
      }
      case 'state': {
        const state = str2state(value);
        if (!state) return 'AGENT_INVALID_STATE';
        a.state = value;
        if (state === 'Receiving') a.lastOfferedCall = now;
        this.fireCc(SITES.agentState, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-state-change'],
          ['CC-Agent-State', value],
        ]);
        break;
      }
      case 'uuid':
        a.uuid = value;
        a.instanceId = 'single_box';
        break;
      case 'contact':
        a.contact = value;
        a.instanceId = 'single_box';
        this.fireCc(SITES.agentContact, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-contact-change'],
          ['CC-Agent-Contact', value],
        ]);
        break;
      case 'ready_time':
        a.readyTime = atoi(value);
        this.hooks.wakeAt(a.readyTime * 1000);
        break;
      case 'busy_delay_time':
        a.busyDelayTime = atoi(value);
        break;
      case 'reject_delay_time':
        a.rejectDelayTime = atoi(value);
        break;
      case 'no_answer_delay_time':
        a.noAnswerDelayTime = atoi(value);
        break;
      case 'type':
        if (!isAgentType(value)) return 'AGENT_INVALID_TYPE';
        a.type = value;
        break;
      case 'max_no_answer':
        a.maxNoAnswer = atoi(value);
        break;
      case 'wrap_up_time':
        a.wrapUpTime = atoi(value);
        // The real dispatcher reads wrap_up_time on every pass: 0 makes an agent in wrap-up routable at once (fixture 19).
        this.hooks.wakeAt(this.core.nowMs());
        break;
      case 'state_if_waiting': {
        if (!str2state(value)) return 'AGENT_INVALID_STATE';
        if (a.state !== 'Waiting' || (a.status !== 'Available' && a.status !== 'Available (On Demand)')) return 'AGENT_NOT_FOUND';
        a.state = value;
        this.fireCc(SITES.agentStateIfWaiting, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-state-change'],
          ['CC-Agent-State', value],
        ]);
        break;
      }
      default:
        return 'INVALID_KEY';
    }
    this.hooks.changed();
    return 'SUCCESS';
  }

  tierAdd(queue: string, agent: string, level: number, position: number): CcStatus {
    if (!this.getQueue(queue)) return 'QUEUE_NOT_FOUND';
    if (!this.agent(agent)) return 'AGENT_NOT_FOUND';
    if (this.model.getTier(queue, agent)) return 'TIER_ALREADY_EXIST';
    this.model.addTier(queue, agent, 'Ready', level, position);
    this.hooks.changed();
    return 'SUCCESS';
  }

  tierUpdate(key: string, value: string, queue: string, agent: string): CcStatus {
    const t = this.model.getTier(queue, agent);
    if (!t) return 'TIER_NOT_FOUND';
    if (!this.agent(agent)) return 'AGENT_NOT_FOUND';
    if (!this.getQueue(queue)) return 'QUEUE_NOT_FOUND';
    switch (key.toLowerCase()) {
      case 'state':
        if (!str2tierState(value)) return 'TIER_INVALID_STATE';
        t.state = value;
        break;
      case 'level':
        t.level = atoi(value);
        break;
      case 'position':
        t.position = atoi(value);
        break;
      default:
        return 'INVALID_KEY';
    }
    this.hooks.changed();
    return 'SUCCESS';
  }

  tierDel(queue: string, agent: string): CcStatus {
    this.model.deleteTier(queue, agent);
    this.hooks.changed();
    return 'SUCCESS';
  }

  /** cc_queue_count(): members Waiting or Trying, fired as `members-count`. */
  queueCount(queue: string): number {
    if (!queue) return 0;
    let count = 0;
    if (queue.startsWith('*')) {
      for (const m of this.model.members.values()) if (m.state === 'Waiting' || m.state === 'Trying') count++;
    } else {
      for (const m of this.model.membersOfQueue(queue)) if (m.state === 'Waiting' || m.state === 'Trying') count++;
    }
    this.fireCc(SITES.queueCount, [
      ['CC-Queue', queue],
      ['CC-Action', 'members-count'],
      ['CC-Count', String(count)],
      ['CC-Selection', queue.startsWith('*') ? 'All-Queues' : 'Single-Queue'],
    ]);
    return count;
  }

  private fireCc(site: (typeof SITES)[keyof typeof SITES], headers: ReadonlyArray<readonly [string, string]>): void {
    this.core.fire(this.core.events.callcenter(site, headers));
  }
}
