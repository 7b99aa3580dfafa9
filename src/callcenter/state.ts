import { EventEmitter } from 'node:events';
import type { CallcenterEvent } from './events.js';
import type { ParsedTable } from './replies.js';

/**
 * What the gateway believes the switch holds, fed by callcenter events and
 * replaced table by table on every resync. Everything the HTTP and realtime
 * edges show comes from here; nothing here is a guess the switch did not state,
 * except for the few things the switch changes silently (see apply()).
 */

export interface AgentView {
  name: string;
  type: string;
  contact: string;
  /** As stored by the switch (it keeps whatever string was set). */
  status: string;
  state: string;
  uuid: string;
  maxNoAnswer: number;
  wrapUpTime: number;
  rejectDelayTime: number;
  busyDelayTime: number;
  noAnswerDelayTime: number;
  lastBridgeStart: number;
  lastBridgeEnd: number;
  lastOfferedCall: number;
  lastStatusChange: number;
  noAnswerCount: number;
  callsAnswered: number;
  talkTime: number;
  readyTime: number;
}

export interface TierView {
  queue: string;
  agent: string;
  state: string;
  level: number;
  position: number;
}

export interface QueueView {
  name: string;
  /** Every column of `queue list` as the switch printed it (columns vary by version). */
  config: Record<string, string>;
  callsAnswered: number;
  callsAbandoned: number;
}

export interface MemberView {
  queue: string;
  uuid: string;
  sessionUuid: string;
  cidNumber: string;
  cidName: string;
  /** Waiting, Trying, Answered or Abandoned. */
  state: string;
  servingAgent: string;
  joinedEpoch: number;
  bridgeEpoch: number;
  abandonedEpoch: number;
}

export type StateChange =
  | { readonly kind: 'agent'; readonly name: string; readonly agent: AgentView | null; readonly previous: AgentView | null }
  | { readonly kind: 'tier'; readonly queue: string; readonly agent: string; readonly tier: TierView | null }
  | { readonly kind: 'queue'; readonly name: string; readonly queue: QueueView | null }
  | { readonly kind: 'member'; readonly uuid: string; readonly queue: string; readonly member: MemberView | null };

export interface StateViewEvents {
  change: [change: StateChange];
  /** An event named an agent or queue the view did not know: a resync is due. */
  unknown: [what: string];
}

const tierKey = (queue: string, agent: string): string => `${queue}\u0000${agent}`;
const int = (v: string | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

export function newAgent(name: string, type = 'callback'): AgentView {
  return {
    name,
    type,
    contact: '',
    status: 'Logged Out',
    state: 'Waiting',
    uuid: '',
    maxNoAnswer: 0,
    wrapUpTime: 0,
    rejectDelayTime: 0,
    busyDelayTime: 0,
    noAnswerDelayTime: 0,
    lastBridgeStart: 0,
    lastBridgeEnd: 0,
    lastOfferedCall: 0,
    lastStatusChange: 0,
    noAnswerCount: 0,
    callsAnswered: 0,
    talkTime: 0,
    readyTime: 0,
  };
}

/**
 * Agents straight from a parsed `agent list` table, read by column name, without
 * building a keyed record per row (the hot path of GET /api/agents with hundreds
 * of agents).
 */
export function agentsFromTable(t: ParsedTable): AgentView[] {
  const c = (name: string) => t.columns.indexOf(name);
  const [name, type, contact, status, state, uuid] = ['name', 'type', 'contact', 'status', 'state', 'uuid'].map(c) as [number, number, number, number, number, number];
  const nums = ['max_no_answer', 'wrap_up_time', 'reject_delay_time', 'busy_delay_time', 'no_answer_delay_time', 'last_bridge_start', 'last_bridge_end', 'last_offered_call', 'last_status_change', 'no_answer_count', 'calls_answered', 'talk_time', 'ready_time'].map(c);
  const s = (f: readonly string[], i: number): string => (i < 0 ? '' : (f[i] ?? ''));
  // An index of a column this version of the switch does not list reads as 0.
  const n = (f: readonly string[], i: number | undefined): number => (i === undefined || i < 0 ? 0 : int(f[i]));
  return t.rows.map((f) => ({
    name: s(f, name),
    type: s(f, type),
    contact: s(f, contact),
    status: s(f, status),
    state: s(f, state),
    uuid: s(f, uuid),
    maxNoAnswer: n(f, nums[0]),
    wrapUpTime: n(f, nums[1]),
    rejectDelayTime: n(f, nums[2]),
    busyDelayTime: n(f, nums[3]),
    noAnswerDelayTime: n(f, nums[4]),
    lastBridgeStart: n(f, nums[5]),
    lastBridgeEnd: n(f, nums[6]),
    lastOfferedCall: n(f, nums[7]),
    lastStatusChange: n(f, nums[8]),
    noAnswerCount: n(f, nums[9]),
    callsAnswered: n(f, nums[10]),
    talkTime: n(f, nums[11]),
    readyTime: n(f, nums[12]),
  }));
}

export function tierFromRow(r: Record<string, string>): TierView {
  return { queue: r.queue ?? '', agent: r.agent ?? '', state: r.state ?? '', level: int(r.level), position: int(r.position) };
}

export function queueFromRow(r: Record<string, string>): QueueView {
  return { name: r.name ?? '', config: { ...r }, callsAnswered: int(r.calls_answered), callsAbandoned: int(r.calls_abandoned) };
}

export function memberFromRow(r: Record<string, string>): MemberView {
  return {
    queue: r.queue ?? '',
    uuid: r.uuid ?? '',
    sessionUuid: r.session_uuid ?? '',
    cidNumber: r.cid_number ?? '',
    cidName: r.cid_name ?? '',
    state: r.state ?? '',
    servingAgent: r.serving_agent ?? '',
    joinedEpoch: int(r.joined_epoch),
    bridgeEpoch: int(r.bridge_epoch),
    abandonedEpoch: int(r.abandoned_epoch),
  };
}

/** Shallow equality of flat records (every view row is one); `config` is compared one level down. */
function sameJson<T extends object>(a: T, b: T): boolean {
  // for…in over plain objects: no key arrays allocated (twice as fast as Object.keys on a 500-agent list).
  let n = 0;
  for (const k in a) {
    n++;
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null && sameJson(x, y)) continue;
    return false;
  }
  for (const _ in b) n--;
  return n === 0;
}

/**
 * The view as the parts outside the callcenter domain see it: read-only. Only the
 * domain (CallCenter: events, confirmed commands, lists) writes it.
 */
export interface ViewReader {
  readonly agents: ReadonlyMap<string, Readonly<AgentView>>;
  readonly tiers: ReadonlyMap<string, Readonly<TierView>>;
  readonly queues: ReadonlyMap<string, Readonly<QueueView>>;
  readonly members: ReadonlyMap<string, Readonly<MemberView>>;
  getTier(queue: string, agent: string): Readonly<TierView> | undefined;
  tiersOfAgent(agent: string): Array<Readonly<TierView>>;
  tiersOfQueue(queue: string): Array<Readonly<TierView>>;
  membersOfQueue(queue: string): Array<Readonly<MemberView>>;
  waitingCount(queue: string): number;
  on(event: 'change', listener: (change: StateChange) => void): this;
  off(event: 'change', listener: (change: StateChange) => void): this;
}

export class StateView extends EventEmitter<StateViewEvents> implements ViewReader {
  private readonly agentRows = new Map<string, AgentView>();
  private readonly tierRows = new Map<string, TierView>();
  private readonly queueRows = new Map<string, QueueView>();
  private readonly memberRows = new Map<string, MemberView>();

  get agents(): ReadonlyMap<string, Readonly<AgentView>> {
    return this.agentRows;
  }

  /** Keyed by queue and agent; read one with getTier(). */
  get tiers(): ReadonlyMap<string, Readonly<TierView>> {
    return this.tierRows;
  }

  get queues(): ReadonlyMap<string, Readonly<QueueView>> {
    return this.queueRows;
  }

  get members(): ReadonlyMap<string, Readonly<MemberView>> {
    return this.memberRows;
  }

  // ---- reads -------------------------------------------------------------

  getTier(queue: string, agent: string): TierView | undefined {
    return this.tierRows.get(tierKey(queue, agent));
  }

  tiersOfAgent(agent: string): TierView[] {
    return [...this.tierRows.values()].filter((t) => t.agent === agent);
  }

  tiersOfQueue(queue: string): TierView[] {
    return [...this.tierRows.values()].filter((t) => t.queue === queue);
  }

  membersOfQueue(queue: string): MemberView[] {
    return [...this.memberRows.values()].filter((m) => m.queue === queue);
  }

  /** Callers still waiting for an agent (not yet answered, not abandoned). */
  waitingCount(queue: string): number {
    let n = 0;
    for (const m of this.memberRows.values()) if (m.queue === queue && (m.state === 'Waiting' || m.state === 'Trying')) n++;
    return n;
  }

  // ---- writes after a command the switch confirmed (no event fires for these) ----

  putAgent(agent: AgentView): void {
    const previous = this.agentRows.get(agent.name) ?? null;
    if (previous && sameJson(previous, agent)) return;
    this.agentRows.set(agent.name, agent);
    this.emit('change', { kind: 'agent', name: agent.name, agent, previous });
  }

  /** The switch deletes an agent's tiers with it, silently. */
  removeAgent(name: string): void {
    for (const t of this.tiersOfAgent(name)) this.removeTier(t.queue, t.agent);
    const previous = this.agentRows.get(name);
    if (!previous) return;
    this.agentRows.delete(name);
    this.emit('change', { kind: 'agent', name, agent: null, previous });
  }

  putTier(tier: TierView): void {
    const key = tierKey(tier.queue, tier.agent);
    const previous = this.tierRows.get(key);
    if (previous && sameJson(previous, tier)) return;
    this.tierRows.set(key, tier);
    this.emit('change', { kind: 'tier', queue: tier.queue, agent: tier.agent, tier });
  }

  removeTier(queue: string, agent: string): void {
    if (this.tierRows.delete(tierKey(queue, agent))) this.emit('change', { kind: 'tier', queue, agent, tier: null });
  }

  // ---- events ------------------------------------------------------------

  apply(e: CallcenterEvent): void {
    const nowS = Math.floor(e.timestampUs / 1e6) || Math.floor(Date.now() / 1000);
    switch (e.action) {
      case 'agent-add':
        // Events can trail the replies of the commands that followed (set contact, …):
        // an agent already in the view is newer than this event.
        if (!this.agentRows.has(e.agent)) this.putAgent(newAgent(e.agent, e.agentType));
        return;
      case 'agent-status-change':
        this.patchAgent(e.agent, { status: e.status, lastStatusChange: nowS });
        return;
      case 'agent-state-change':
        this.patchAgent(e.agent, { state: e.state });
        return;
      case 'agent-contact-change':
        this.patchAgent(e.agent, { contact: e.contact });
        return;
      case 'agent-status-get':
        this.patchAgent(e.agent, { status: e.status });
        return;
      case 'agent-state-get':
        this.patchAgent(e.agent, { state: e.state });
        return;
      case 'agent-offering':
        this.patchAgent(e.agent, { lastOfferedCall: nowS });
        this.patchMember(e.member.uuid, { state: 'Trying', servingAgent: e.agent });
        return;
      // No counter (calls_answered, talk_time, the queue's calls_answered/abandoned) is
      // counted from events: mod_callcenter fires the event first and counts afterwards, in
      // another thread, and hands events to this listener up to 20 ms later, so a list can
      // arrive before or after the event it already counts. Counters come from lists only.
      case 'bridge-agent-start':
        this.patchAgent(e.agent, { uuid: e.agentUuid, lastBridgeStart: e.answeredTime || nowS, noAnswerCount: 0 });
        this.patchMember(e.member.uuid, { state: 'Answered', servingAgent: e.agent, bridgeEpoch: e.answeredTime || nowS });
        return;
      case 'bridge-agent-end':
        this.patchAgent(e.agent, { uuid: '', lastBridgeEnd: e.terminatedTime || nowS });
        return;
      case 'bridge-agent-fail':
        this.patchMember(e.member.uuid, { state: 'Waiting', servingAgent: '' });
        return;
      case 'agent-max-no-answer':
        this.patchAgent(e.agent, { noAnswerCount: e.noAnswerCount });
        return;
      case 'member-queue-start':
      case 'member-queue-resume': {
        const m: MemberView = {
          queue: e.queue,
          uuid: e.member.uuid,
          sessionUuid: e.member.sessionUuid,
          cidNumber: e.member.cidNumber,
          cidName: e.member.cidName,
          state: 'Waiting',
          servingAgent: '',
          joinedEpoch: e.joinedEpoch,
          bridgeEpoch: 0,
          abandonedEpoch: 0,
        };
        this.putMember(m);
        if (!this.queueRows.has(e.queue)) this.emit('unknown', `queue ${e.queue}`);
        return;
      }
      case 'member-queue-end':
        if (e.cause === 'Cancel') {
          // The switch keeps abandoned members listed until discard-abandoned-after.
          this.patchMember(e.member.uuid, { state: 'Abandoned', abandonedEpoch: e.leavingTime || nowS, servingAgent: '' });
        } else {
          this.removeMember(e.member.uuid);
        }
        return;
      case 'members-count':
      case 'agent-uuid-get':
      case 'unknown':
        return;
    }
  }

  /** Drops abandoned members the switch has discarded by now (it fires no event for that). */
  pruneAbandoned(nowS = Math.floor(Date.now() / 1000)): void {
    for (const m of [...this.memberRows.values()]) {
      if (m.state !== 'Abandoned') continue;
      const after = int(this.queueRows.get(m.queue)?.config.discard_abandoned_after) || 60;
      if (nowS - m.abandonedEpoch > after) this.removeMember(m.uuid);
    }
  }

  // ---- resync: replace one table with what the switch listed ----------------

  replaceAgents(rows: AgentView[]): void {
    const seen = new Set<string>();
    for (const a of rows) {
      seen.add(a.name);
      this.putAgent(a);
    }
    for (const name of [...this.agentRows.keys()]) if (!seen.has(name)) this.removeAgentOnly(name);
  }

  replaceTiers(rows: TierView[]): void {
    const seen = new Set<string>();
    for (const t of rows) {
      seen.add(tierKey(t.queue, t.agent));
      this.putTier(t);
    }
    for (const [key, t] of [...this.tierRows]) if (!seen.has(key)) this.removeTier(t.queue, t.agent);
  }

  replaceQueues(rows: QueueView[]): void {
    const seen = new Set<string>();
    for (const q of rows) {
      seen.add(q.name);
      const previous = this.queueRows.get(q.name);
      if (previous && sameJson(previous, q)) continue;
      this.queueRows.set(q.name, q);
      this.emit('change', { kind: 'queue', name: q.name, queue: q });
    }
    for (const name of [...this.queueRows.keys()]) {
      if (seen.has(name)) continue;
      this.queueRows.delete(name);
      // An unloaded queue takes its members with it, silently.
      for (const m of this.membersOfQueue(name)) this.removeMember(m.uuid);
      this.emit('change', { kind: 'queue', name, queue: null });
    }
  }

  /** Replaces the members of one queue. */
  replaceMembers(queue: string, rows: MemberView[]): void {
    const seen = new Set<string>();
    for (const m of rows) {
      seen.add(m.uuid);
      this.putMember(m);
    }
    for (const m of this.membersOfQueue(queue)) if (!seen.has(m.uuid)) this.removeMember(m.uuid);
  }

  // ---- internals -----------------------------------------------------------

  private removeAgentOnly(name: string): void {
    const previous = this.agentRows.get(name);
    if (!previous) return;
    this.agentRows.delete(name);
    this.emit('change', { kind: 'agent', name, agent: null, previous });
  }

  private patchAgent(name: string, patch: Partial<AgentView>): void {
    const current = this.agentRows.get(name);
    if (!current) {
      // Created elsewhere (XML, another gateway) before we listed it.
      this.emit('unknown', `agent ${name}`);
      this.putAgent({ ...newAgent(name), ...patch });
      return;
    }
    this.putAgent({ ...current, ...patch });
  }

  private putMember(m: MemberView): void {
    const previous = this.memberRows.get(m.uuid);
    if (previous && sameJson(previous, m)) return;
    this.memberRows.set(m.uuid, m);
    this.emit('change', { kind: 'member', uuid: m.uuid, queue: m.queue, member: m });
  }

  private patchMember(uuid: string, patch: Partial<MemberView>): void {
    const current = this.memberRows.get(uuid);
    if (!current) return;
    this.putMember({ ...current, ...patch });
  }

  private removeMember(uuid: string): void {
    const m = this.memberRows.get(uuid);
    if (!m) return;
    this.memberRows.delete(uuid);
    this.emit('change', { kind: 'member', uuid, queue: m.queue, member: null });
  }
}
