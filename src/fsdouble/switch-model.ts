/**
 * mod_callcenter's tables (agents, tiers, members) and loaded queues, kept in
 * memory with the indexes routing needs. Rows keep an insertion number so
 * listings come out in sqlite rowid order. No events here: see callcenter.ts.
 */

export interface Agent {
  name: string;
  instanceId: string;
  uuid: string;
  type: string;
  contact: string;
  status: string;
  state: string;
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
  externalCallsCount: number;
  /** Millisecond shadow of last_bridge_end, so wrap-up needs no whole-second wait. */
  lastBridgeEndMs: number;
  readonly rowid: number;
}

export interface Tier {
  readonly queue: string;
  readonly agent: string;
  state: string;
  level: number;
  position: number;
  readonly rowid: number;
}

export interface Member {
  readonly queue: string;
  readonly instanceId: string;
  readonly uuid: string;
  sessionUuid: string;
  readonly cidNumber: string;
  readonly cidName: string;
  systemEpoch: number;
  joinedEpoch: number;
  rejoinedEpoch: number;
  bridgeEpoch: number;
  abandonedEpoch: number;
  baseScore: number;
  skillScore: number;
  servingAgent: string;
  servingSystem: string;
  state: string;
  readonly rowid: number;
}

/** callcenter.conf queue params, with the defaults of queue_set_config(). */
export interface QueueConfig {
  readonly name: string;
  strategy?: string;
  mohSound?: string;
  timeBaseScore?: string;
  tierRulesApply?: boolean;
  tierRuleWaitSecond?: number;
  tierRuleWaitMultiplyLevel?: boolean;
  tierRuleNoAgentNoWait?: boolean;
  /** Seconds; fractions are honoured by the double (the switch has whole seconds). */
  discardAbandonedAfter?: number;
  abandonedResumeAllowed?: boolean;
  maxWaitTime?: number;
  maxWaitTimeWithNoAgent?: number;
  maxWaitTimeWithNoAgentTimeReached?: number;
  recordTemplate?: string;
  ringProgressivelyDelay?: number;
  skipAgentsWithExternalCalls?: boolean;
  agentNoAnswerStatus?: string;
}

export interface Queue extends Required<QueueConfig> {
  callsAnswered: number;
  callsAbandoned: number;
}

/** The fixture's support@default (the README's callcenter.conf). */
export const FIXTURE_QUEUE: QueueConfig = {
  name: 'support@default',
  strategy: 'longest-idle-agent',
  mohSound: 'local_stream://moh',
  timeBaseScore: 'system',
  tierRulesApply: false,
  tierRuleWaitSecond: 300,
  tierRuleWaitMultiplyLevel: true,
  tierRuleNoAgentNoWait: false,
  discardAbandonedAfter: 60,
  abandonedResumeAllowed: false,
  maxWaitTime: 0,
  maxWaitTimeWithNoAgent: 0,
  maxWaitTimeWithNoAgentTimeReached: 5,
  recordTemplate: '',
  ringProgressivelyDelay: 0,
  skipAgentsWithExternalCalls: true,
  agentNoAnswerStatus: 'On Break',
};

export function makeQueue(cfg: QueueConfig): Queue {
  return {
    name: cfg.name,
    strategy: cfg.strategy ?? 'longest-idle-agent',
    mohSound: cfg.mohSound ?? '',
    timeBaseScore: cfg.timeBaseScore ?? 'queue',
    tierRulesApply: cfg.tierRulesApply ?? false,
    tierRuleWaitSecond: cfg.tierRuleWaitSecond ?? 0,
    tierRuleWaitMultiplyLevel: cfg.tierRuleWaitMultiplyLevel ?? false,
    tierRuleNoAgentNoWait: cfg.tierRuleNoAgentNoWait ?? true,
    discardAbandonedAfter: cfg.discardAbandonedAfter ?? 60,
    abandonedResumeAllowed: cfg.abandonedResumeAllowed ?? false,
    maxWaitTime: cfg.maxWaitTime ?? 0,
    maxWaitTimeWithNoAgent: cfg.maxWaitTimeWithNoAgent ?? 0,
    maxWaitTimeWithNoAgentTimeReached: cfg.maxWaitTimeWithNoAgentTimeReached ?? 5,
    recordTemplate: cfg.recordTemplate ?? '',
    ringProgressivelyDelay: cfg.ringProgressivelyDelay ?? 0,
    skipAgentsWithExternalCalls: cfg.skipAgentsWithExternalCalls ?? true,
    agentNoAnswerStatus: cfg.agentNoAnswerStatus ?? 'On Break',
    callsAnswered: 0,
    callsAbandoned: 0,
  };
}

/** A plain, JSON-safe copy of everything a restart with keepState carries over. */
export interface ModelSnapshot {
  readonly agents: Agent[];
  readonly tiers: Tier[];
  readonly members: Member[];
  readonly queues: Queue[];
}

/**
 * mod_callcenter's tables as several boxes share them in one database (mod_pgsql,
 * `odbc-dsn` = `pgsql://…`): pass one to several doubles. Agents, tiers and members
 * are rows every box lists (two real boxes did: README "Several switches"); a member
 * row carries the `instance_id` of the box holding its caller, and only that box
 * offers it. Queues, calls and events stay each box's own. A change one box makes is
 * seen by the others at once; they look for work again as the real module's dispatch
 * loop would on its next pass.
 */
export class CallcenterDatabase {
  readonly agents = new Map<string, Agent>();
  /** queue name -> agent name -> tier */
  readonly tiersByQueue = new Map<string, Map<string, Tier>>();
  /** agent name -> queue name -> tier */
  readonly tiersByAgent = new Map<string, Map<string, Tier>>();
  readonly members = new Map<string, Member>();
  readonly membersByQueue = new Map<string, Map<string, Member>>();
  rowid = 0;
  private readonly boxes = new Set<{ changed(): void; wakeAt(ms: number): void }>();

  /** A box follows the others' changes; returns how it stops. */
  attach(box: { changed(): void; wakeAt(ms: number): void }): () => void {
    this.boxes.add(box);
    return () => this.boxes.delete(box);
  }

  /** Tells every other box that agents or tiers changed (or when a delay ends). */
  changedBy(box: object, wakeAtMs?: number): void {
    for (const b of this.boxes) {
      if (b === box) continue;
      if (wakeAtMs === undefined) b.changed();
      else b.wakeAt(wakeAtMs);
    }
  }
}

export class SwitchModel {
  readonly agents: Map<string, Agent>;
  /** queue name -> agent name -> tier */
  private readonly tiersByQueue: Map<string, Map<string, Tier>>;
  /** agent name -> queue name -> tier */
  private readonly tiersByAgent: Map<string, Map<string, Tier>>;
  readonly members: Map<string, Member>;
  private readonly membersByQueue: Map<string, Map<string, Member>>;
  /** Loaded queues (the switch's queue_hash), in load order. */
  readonly queues = new Map<string, Queue>();
  /** callcenter.conf: queues that `queue load` may (re)load. */
  readonly queueConfigs = new Map<string, QueueConfig>();
  /** What mod_xml_curl answered for a queue at its last lookup (it wins over queueConfigs, as a binding wins over the files). */
  readonly xmlCurlQueues = new Map<string, QueueConfig>();
  private readonly db: CallcenterDatabase;

  /**
   * `database`: tables shared with other boxes; absent: this box's own (sqlite).
   * `instanceId`: cc-instance-id, written into this box's member rows.
   */
  constructor(
    configs: readonly QueueConfig[],
    database?: CallcenterDatabase,
    readonly instanceId = 'single_box',
  ) {
    this.db = database ?? new CallcenterDatabase();
    this.shared = database !== undefined;
    this.agents = this.db.agents;
    this.tiersByQueue = this.db.tiersByQueue;
    this.tiersByAgent = this.db.tiersByAgent;
    this.members = this.db.members;
    this.membersByQueue = this.db.membersByQueue;
    for (const c of configs) {
      this.queueConfigs.set(c.name, c);
      this.queues.set(c.name, makeQueue(c));
    }
  }

  /** Agents and tiers live in a database other boxes share. */
  readonly shared: boolean;

  nextRowid(): number {
    return ++this.db.rowid;
  }

  // --- agents -------------------------------------------------------------

  addAgent(name: string, type: string, nowS: number): Agent {
    void nowS;
    const a: Agent = {
      name,
      instanceId: 'single_box',
      uuid: '',
      type,
      contact: '',
      status: 'Logged Out',
      state: 'Waiting',
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
      externalCallsCount: 0,
      lastBridgeEndMs: 0,
      rowid: this.nextRowid(),
    };
    this.agents.set(name, a);
    return a;
  }

  /** `DELETE FROM agents ...; DELETE FROM tiers WHERE agent = ...` */
  deleteAgent(name: string): void {
    this.agents.delete(name);
    const tiers = this.tiersByAgent.get(name);
    if (!tiers) return;
    for (const t of tiers.values()) this.tiersByQueue.get(t.queue)?.delete(name);
    this.tiersByAgent.delete(name);
  }

  // --- tiers --------------------------------------------------------------

  getTier(queue: string, agent: string): Tier | undefined {
    return this.tiersByQueue.get(queue)?.get(agent);
  }

  addTier(queue: string, agent: string, state: string, level: number, position: number): Tier {
    const t: Tier = { queue, agent, state, level, position, rowid: this.nextRowid() };
    let q = this.tiersByQueue.get(queue);
    if (!q) this.tiersByQueue.set(queue, (q = new Map<string, Tier>()));
    q.set(agent, t);
    let a = this.tiersByAgent.get(agent);
    if (!a) this.tiersByAgent.set(agent, (a = new Map<string, Tier>()));
    a.set(queue, t);
    return t;
  }

  deleteTier(queue: string, agent: string): void {
    this.tiersByQueue.get(queue)?.delete(agent);
    this.tiersByAgent.get(agent)?.delete(queue);
  }

  tiersOfQueue(queue: string): Iterable<Tier> {
    return this.tiersByQueue.get(queue)?.values() ?? [];
  }

  tiersOfAgent(agent: string): Iterable<Tier> {
    return this.tiersByAgent.get(agent)?.values() ?? [];
  }

  allTiers(): Tier[] {
    const out: Tier[] = [];
    for (const q of this.tiersByQueue.values()) for (const t of q.values()) out.push(t);
    return out.sort((a, b) => a.rowid - b.rowid);
  }

  // --- members ------------------------------------------------------------

  addMember(m: Omit<Member, 'rowid'>): Member {
    const member: Member = { ...m, rowid: this.nextRowid() };
    this.members.set(member.uuid, member);
    let q = this.membersByQueue.get(member.queue);
    if (!q) this.membersByQueue.set(member.queue, (q = new Map<string, Member>()));
    q.set(member.uuid, member);
    return member;
  }

  deleteMember(uuid: string): void {
    const m = this.members.get(uuid);
    if (!m) return;
    this.members.delete(uuid);
    this.membersByQueue.get(m.queue)?.delete(uuid);
  }

  membersOfQueue(queue: string): Iterable<Member> {
    return this.membersByQueue.get(queue)?.values() ?? [];
  }

  /** `(now - joined_epoch) + base_score + skill_score` */
  static score(m: Member, nowS: number): number {
    return nowS - m.joinedEpoch + m.baseScore + m.skillScore;
  }

  // --- snapshot -----------------------------------------------------------

  snapshot(): ModelSnapshot {
    return {
      agents: [...this.agents.values()].map((a) => ({ ...a })),
      tiers: this.allTiers().map((t) => ({ ...t })),
      members: [...this.members.values()].map((m) => ({ ...m })),
      queues: [...this.queues.values()].map((q) => ({ ...q })),
    };
  }

  restore(s: ModelSnapshot): void {
    // A shared database never left: its rows are there already.
    if (!this.shared) {
      for (const a of s.agents) this.agents.set(a.name, { ...a });
      for (const t of s.tiers) this.addTier(t.queue, t.agent, t.state, t.level, t.position);
      for (const m of s.members) this.addMember({ ...m });
    }
    this.queues.clear();
    for (const q of s.queues) this.queues.set(q.name, { ...q });
    let max = 0;
    for (const a of this.agents.values()) max = Math.max(max, a.rowid);
    this.db.rowid = Math.max(this.db.rowid, max);
  }
}
