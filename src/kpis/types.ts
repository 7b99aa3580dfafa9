/**
 * The KPI shapes other modules read (supervisor console, wallboard, REST).
 * Counts and second-sums are exact integers; rates and averages are derived
 * from them (see figures.ts and the README's KPI definitions).
 */

/** Exact integer sums over a set of call records; every rate and average is derived from them. */
export interface KpiSums {
  /** Calls that ended in the window, every outcome. */
  offered: number;
  answered: number;
  /** The caller hung up while waiting (outcome `abandoned`), after the short-abandon threshold. */
  abandoned: number;
  /** The caller hung up while waiting within the short-abandon threshold: counted apart, not in `abandoned`. */
  shortAbandoned: number;
  /** Ended unanswered for another reason: timeout, no-agent, exited, cancelled. */
  otherUnanswered: number;
  /** Answered with wait_s <= the queue's service-level threshold. */
  answeredWithinSl: number;
  /** Sum of wait_s over answered calls (numerator of ASA). */
  waitAnsweredS: number;
  /** Sum of talk_s + hold_s + after_call_s over answered calls (null columns count 0; numerator of AHT). */
  handleS: number;
}

export interface KpiFigures extends KpiSums {
  /** abandoned / (offered − shortAbandoned); null when that is 0. */
  abandonRate: number | null;
  /** answeredWithinSl / (offered − shortAbandoned); null when that is 0. */
  serviceLevel: number | null;
  /** Average speed of answer: waitAnsweredS / answered (seconds); null without answered calls. */
  asaS: number | null;
  /** Average handle time: handleS / answered (seconds); null without answered calls. */
  ahtS: number | null;
}

export interface QueueKpis {
  /** The queue, or '*' for every queue together. */
  queue: string;
  /** Service-level threshold T of this queue (seconds). */
  slThresholdS: number;
  /** The current 15-minute interval. */
  current: KpiFigures;
  /** Since local midnight. */
  today: KpiFigures;
  /** Callers waiting for an agent now (members Waiting or Trying). */
  waitingNow: number;
  /** Now minus the oldest waiting caller's join time (0 when nobody waits). */
  longestWaitS: number;
  /** Epoch ms of the oldest waiting caller's join, so a page can tick the clock itself. */
  oldestJoinedAt: number | null;
  /** Agents with a tier in the queue (every agent for '*'), by status ('Available', 'On Break', …). */
  agentsByStatus: Record<string, number>;
  /** …and by state ('Waiting', 'Receiving', 'In a queue call', 'Idle'). */
  agentsByState: Record<string, number>;
  /** The wallboard's agent tiles (definitions in the README). */
  agents: AgentCounts;
}

export interface AgentCounts {
  /** Status Available or Available (On Demand), and state Waiting: ready for the next call. */
  available: number;
  /** State Receiving (phone ringing) or In a queue call. */
  onCall: number;
  /** Status On Break. */
  onBreak: number;
  /** Any status but Logged Out. */
  loggedIn: number;
}

export interface AgentKpis {
  agent: string;
  status: string;
  state: string;
  /** Calls this agent answered, current interval. */
  current: KpiFigures;
  today: KpiFigures;
}

export interface TimeRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

export interface KpiSnapshot {
  /** Epoch ms the snapshot was taken. */
  at: number;
  interval: TimeRange;
  today: TimeRange;
  shortAbandonS: number;
  /** False until today's records stored before this instance started are counted (the database may be slow to open). */
  seeded: boolean;
  total: QueueKpis;
  /** Sorted by name. */
  queues: QueueKpis[];
  /** Only when asked for (snapshot({ agents: true })), sorted by name. */
  agents?: AgentKpis[];
}

export interface IntervalFigures {
  /** Start of the 15-minute interval, epoch ms. */
  from: number;
  figures: KpiFigures;
}

export interface WaitingSample {
  at: number;
  waiting: number;
}

/** What the KPI engine offers to readers (edges). */
export interface KpiReader {
  snapshot(opts?: { queues?: readonly string[]; agents?: boolean }): KpiSnapshot;
  /** Today's 15-minute intervals that have calls, oldest first, for one queue or all ('*'). */
  intervalsToday(queue?: string): IntervalFigures[];
  /** Callers waiting, sampled every 30 s over the last hour, oldest first. */
  waitingHistory(queue?: string): WaitingSample[];
  /** Figures over any range, from SQL over call_records. */
  history(q: KpiHistoryQuery): Promise<KpiHistory>;
  /** Live figures (counters) for the current interval or today, for a queue or an agent. */
  liveFigures(period: 'current' | 'today', scope: KpiScope): { range: TimeRange; figures: KpiFigures };
  /** Fires at most once per second after anything a snapshot shows changed. */
  on(event: 'change', listener: () => void): this;
  off(event: 'change', listener: () => void): this;
}

export interface KpiScope {
  readonly queue?: string;
  /** Several queues together (a token's queue scope): their sums added; with `queue` unused. */
  readonly queues?: readonly string[];
  readonly agent?: string;
}

export interface KpiHistoryQuery extends KpiScope {
  readonly from: number;
  readonly to: number;
  /** Split into buckets of this many ms starting at `from` (none: totals only). */
  readonly bucketMs?: number;
}

export interface KpiHistory {
  readonly totals: KpiFigures;
  readonly series: Array<{ from: number; to: number; figures: KpiFigures }>;
}

/** Settings: service-level threshold per queue, short-abandon threshold. */
export interface KpiSettings {
  /** Default service-level threshold T (seconds). */
  readonly slSeconds: number;
  /** T per queue, overriding the default. */
  readonly slSecondsByQueue: Readonly<Record<string, number>>;
  /** An abandon with wait_s below this is a short abandon (seconds). */
  readonly shortAbandonS: number;
}
