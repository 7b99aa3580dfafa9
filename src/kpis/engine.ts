import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { inTransaction } from '../db/database.js';
import type { StateChange, ViewReader } from '../callcenter/state.js';
import type { Logger } from '../log.js';
import { finishCall, type LiveCall } from '../records/model.js';
import type { CallEnd } from '../records/tracker.js';
import { KpiCounters, ALL_QUEUES, agentInQueueKey, agentKey, queueKey } from './counters.js';
import { addSums, emptySums, figuresOf, slThreshold, type KpiRecord } from './figures.js';
import { agentsByQueue, countAgent, noAgents, WaitingCallers, type AgentFigures } from './floor.js';
import { querySums, seedQuery } from './sql.js';
import type { AgentKpis, IntervalFigures, KpiFigures, KpiHistory, KpiHistoryQuery, KpiReader, KpiScope, KpiSettings, KpiSnapshot, KpiSums, QueueKpis, TimeRange, WaitingSample } from './types.js';
import { intervalOf } from './windows.js';

/** Where finished calls come from: the records tracker's `ended` event (member-queue-end folded into the call). */
export interface FinishedCalls {
  on(event: 'ended', listener: (call: LiveCall, end: CallEnd) => void): unknown;
}

/** The call-records database, read-only: open it (idempotent) and read through its pool. */
export interface KpiDatabase {
  start(): Promise<void>;
  /** Throws while the database is not open. */
  reportPool(): pg.Pool;
}

export interface KpiEngineOptions {
  readonly settings: KpiSettings;
  readonly logger: Logger;
  /** How often callers waiting are sampled for the last hour's chart (ms). */
  readonly sampleMs?: number;
  /** Most often `change` fires (ms). */
  readonly coalesceMs?: number;
  readonly now?: () => number;
}

const HOUR_MS = 3_600_000;

/**
 * Live KPIs: counters fed one finished call at a time from the records
 * tracker (the same member-queue-end that becomes the call's record, folded by
 * the same finishCall), seeded once from SQL with today's earlier records;
 * callers waiting and agents from the callcenter view. Ranges beyond today
 * come from SQL (history()). Domain only: no HTTP, no sockets.
 */
export class KpiEngine extends EventEmitter<{ change: []; seeded: [] }> implements KpiReader {
  private readonly counters: KpiCounters;
  private readonly waiting: WaitingCallers;
  private readonly now: () => number;
  private readonly coalesceMs: number;
  private readonly sampleMs: number;
  /** Calls counted live before the seed ran: left out of the seed query. */
  private readonly countedBeforeSeed = new Set<string>();
  /** Calls that ended while the seed query ran: counted after it, unless it already had them. */
  private heldDuringSeed: Map<string, KpiRecord> | null = null;
  private seeded = false;
  private stopped = false;
  /** Member UUIDs counted lately (this and the previous interval): a repeated member-queue-end counts once. */
  private recent = new Set<string>();
  private older = new Set<string>();
  private recentInterval = 0;
  private dirty = false;
  private changeTimer: NodeJS.Timeout | null = null;
  private sampleTimer: NodeJS.Timeout | null = null;
  private seedTimer: NodeJS.Timeout | null = null;
  private readonly samples: Array<{ at: number; byQueue: Map<string, number> }> = [];
  private readonly log: Logger;

  constructor(
    finished: FinishedCalls,
    private readonly view: ViewReader,
    private readonly db: KpiDatabase,
    private readonly opts: KpiEngineOptions,
  ) {
    super();
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    this.coalesceMs = opts.coalesceMs ?? 1000;
    this.sampleMs = opts.sampleMs ?? 30_000;
    this.counters = new KpiCounters(opts.settings, this.now());
    this.waiting = new WaitingCallers(view);
    finished.on('ended', (call, end) => this.onEnded(call, end));
    view.on('change', (ch: StateChange) => {
      if (ch.kind === 'member') {
        if (this.waiting.apply(ch)) this.changed();
      } else if (ch.kind === 'agent' || ch.kind === 'tier') {
        this.changed();
      }
    });
  }

  get ready(): boolean {
    return this.seeded;
  }

  /** Opens the database (through the records service), seeds today's counters, starts the waiting sampler. */
  start(): void {
    this.sample();
    this.sampleTimer = setInterval(() => this.sample(), this.sampleMs);
    this.sampleTimer.unref();
    void this.seed(0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.changeTimer, this.seedTimer]) if (t) clearTimeout(t);
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.removeAllListeners('change');
  }

  /** Resolves once today's earlier records are counted. */
  whenSeeded(): Promise<void> {
    if (this.seeded) return Promise.resolve();
    return new Promise((resolve) => this.once('seeded', resolve));
  }

  // ---- feeding -----------------------------------------------------------------

  private onEnded(call: LiveCall, end: CallEnd): void {
    const rec = finishCall(call, end);
    const uuid = rec.memberUuid;
    const iv = intervalOf(this.now()).from;
    if (iv !== this.recentInterval) {
      this.older = this.recent;
      this.recent = new Set();
      this.recentInterval = iv;
    }
    if (this.recent.has(uuid) || this.older.has(uuid)) return;
    this.recent.add(uuid);
    // Hold and after-call columns are filled by later work; until then they count 0, as in SQL.
    const r: KpiRecord = { queue: rec.queue, agent: rec.agent, outcome: rec.outcome, endedAt: rec.endedAt, waitS: rec.waitS, talkS: rec.talkS, holdS: null, afterCallS: null };
    if (this.heldDuringSeed) {
      this.heldDuringSeed.set(uuid, r);
      return;
    }
    if (!this.seeded) this.countedBeforeSeed.add(uuid);
    this.counters.roll(this.now());
    if (this.counters.add(r)) this.changed();
  }

  /**
   * Counts today's records stored before this instance listened. One
   * REPEATABLE READ snapshot answers both "what was stored" and "which of the
   * calls that ended meanwhile it already holds": nothing counts twice.
   */
  private async seed(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.db.start();
      const pool = this.db.reportPool();
      const day = this.counters.range;
      this.heldDuringSeed = new Map();
      const { rows, stored } = await inTransaction(
        pool,
        async (client) => {
          const sums = await querySums(client, this.opts.settings, seedQuery(day.from, day.to, [...this.countedBeforeSeed]));
          const held = [...(this.heldDuringSeed?.keys() ?? [])];
          const res = held.length ? await client.query<{ member_uuid: string }>('SELECT member_uuid FROM call_records WHERE member_uuid = ANY($1::text[])', [held]) : { rows: [] };
          return { rows: sums, stored: new Set(res.rows.map((r) => r.member_uuid)) };
        },
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
      );
      // The day may have rolled while the query ran: counters.addSeed keeps only today's.
      this.counters.roll(this.now());
      for (const b of rows) if (b.queue !== null) this.counters.addSeed(b.from, b.queue, b.agent, b.sums);
      const held = this.heldDuringSeed;
      this.heldDuringSeed = null;
      for (const [uuid, r] of held) if (!stored.has(uuid)) this.counters.add(r);
      this.seeded = true;
      this.countedBeforeSeed.clear();
      this.emit('seeded');
      this.changed();
    } catch (err) {
      // Calls that ended meanwhile count now (live); the next attempt leaves them out of its query.
      const held = this.heldDuringSeed;
      this.heldDuringSeed = null;
      if (held) {
        for (const [uuid, r] of held) {
          this.countedBeforeSeed.add(uuid);
          this.counters.add(r);
        }
      }
      if (this.stopped) return;
      const delay = Math.min(10_000, 500 * 2 ** attempt);
      this.log.warn({ err: (err as Error).message, retryInMs: delay }, "KPI counters not seeded with today's earlier records yet");
      this.seedTimer = setTimeout(() => void this.seed(attempt + 1), delay);
      this.seedTimer.unref();
    }
  }

  private changed(): void {
    this.dirty = true;
    if (this.changeTimer || this.stopped) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      if (!this.dirty) return;
      this.dirty = false;
      this.emit('change');
    }, this.coalesceMs);
    this.changeTimer.unref();
  }

  private sample(): void {
    const at = this.now();
    const byQueue = new Map<string, number>();
    for (const [q, w] of this.waiting.byQueue()) byQueue.set(q, w.count);
    this.samples.push({ at, byQueue });
    while (this.samples.length > 0 && this.samples[0]!.at < at - HOUR_MS) this.samples.shift();
    this.changed(); // the last hour's chart moved
  }

  // ---- reading -----------------------------------------------------------------

  liveFigures(period: 'current' | 'today', scope: KpiScope): { range: TimeRange; figures: KpiFigures } {
    const now = this.now();
    this.counters.roll(now);
    const keyOf = (queue: string | undefined): string =>
      scope.agent !== undefined ? (queue !== undefined ? agentInQueueKey(queue, scope.agent) : agentKey(scope.agent)) : queue !== undefined ? queueKey(queue) : ALL_QUEUES;
    // Several queues (a scoped reader): the sum of each queue's counters, never the whole switch's.
    const keys = scope.queues !== undefined ? scope.queues.map(keyOf) : [keyOf(scope.queue)];
    const sum = (read: (key: string) => KpiSums): KpiSums => {
      const s = emptySums();
      for (const k of keys) addSums(s, read(k));
      return s;
    };
    if (period === 'current') {
      const range = intervalOf(now);
      return { range, figures: figuresOf(sum((k) => this.counters.interval(range.from, k))) };
    }
    return { range: { from: this.counters.range.from, to: now }, figures: figuresOf(sum((k) => this.counters.todaySums(k))) };
  }

  intervalsToday(queue?: string): IntervalFigures[] {
    this.counters.roll(this.now());
    return this.counters.intervalsOf(queue === undefined || queue === '*' ? ALL_QUEUES : queueKey(queue)).map((i) => ({ from: i.from, figures: figuresOf(i.sums) }));
  }

  waitingHistory(queue?: string): WaitingSample[] {
    const key = queue ?? '*';
    return this.samples.map((s) => ({ at: s.at, waiting: s.byQueue.get(key) ?? 0 }));
  }

  snapshot(opts: { queues?: readonly string[]; agents?: boolean } = {}): KpiSnapshot {
    const now = this.now();
    this.counters.roll(now);
    const interval = intervalOf(now);
    const waiting = this.waiting.byQueue();
    const agents = agentsByQueue(this.view);
    const names = new Set<string>(this.view.queues.keys());
    for (const k of this.counters.keys()) if (k.startsWith('q:') && k !== ALL_QUEUES) names.add(k.slice(2));
    const wanted = opts.queues ? new Set(opts.queues) : null;
    const queueKpis = (queue: string, key: string, slThresholdS: number): QueueKpis => {
      const w = waiting.get(queue);
      const a = agents.get(queue);
      return {
        queue,
        slThresholdS,
        current: figuresOf(this.counters.interval(interval.from, key)),
        today: figuresOf(this.counters.todaySums(key)),
        waitingNow: w?.count ?? 0,
        longestWaitS: w?.oldestJoinedAt != null ? Math.max(0, Math.floor((now - w.oldestJoinedAt) / 1000)) : 0,
        oldestJoinedAt: w?.oldestJoinedAt ?? null,
        agentsByStatus: a?.byStatus ?? {},
        agentsByState: a?.byState ?? {},
        agents: a?.counts ?? noAgents(),
      };
    };
    const queues = [...names]
      .filter((q) => !wanted || wanted.has(q))
      .sort()
      .map((q) => queueKpis(q, queueKey(q), slThreshold(this.opts.settings, q)));
    let total: QueueKpis;
    if (wanted) {
      // A scoped reader's total is the sum of its queues, never the whole switch.
      const cur = emptySums();
      const day = emptySums();
      for (const q of queues) {
        addSums(cur, this.counters.interval(interval.from, queueKey(q.queue)));
        addSums(day, this.counters.todaySums(queueKey(q.queue)));
      }
      const oldest = queues.reduce<number | null>((m, q) => (q.oldestJoinedAt !== null && (m === null || q.oldestJoinedAt < m) ? q.oldestJoinedAt : m), null);
      const mine: AgentFigures = { byStatus: {}, byState: {}, counts: noAgents() };
      const seen = new Set<string>();
      for (const t of this.view.tiers.values()) {
        const a = this.view.agents.get(t.agent);
        if (!a || !wanted.has(t.queue) || seen.has(a.name)) continue;
        seen.add(a.name);
        countAgent(mine, a.status, a.state);
      }
      total = {
        queue: '*',
        slThresholdS: this.opts.settings.slSeconds,
        current: figuresOf(cur),
        today: figuresOf(day),
        waitingNow: queues.reduce((n, q) => n + q.waitingNow, 0),
        longestWaitS: oldest !== null ? Math.max(0, Math.floor((now - oldest) / 1000)) : 0,
        oldestJoinedAt: oldest,
        agentsByStatus: mine.byStatus,
        agentsByState: mine.byState,
        agents: mine.counts,
      };
    } else {
      total = queueKpis('*', ALL_QUEUES, this.opts.settings.slSeconds);
    }
    const snap: KpiSnapshot = { at: now, interval, today: this.counters.range, shortAbandonS: this.opts.settings.shortAbandonS, seeded: this.seeded, total, queues };
    if (opts.agents) {
      const list: AgentKpis[] = [...this.view.agents.values()]
        .map((a) => ({ agent: a.name, status: a.status, state: a.state, current: figuresOf(this.counters.interval(interval.from, agentKey(a.name))), today: figuresOf(this.counters.todaySums(agentKey(a.name))) }))
        .sort((x, y) => (x.agent < y.agent ? -1 : x.agent > y.agent ? 1 : 0));
      snap.agents = list;
    }
    return snap;
  }

  async history(q: KpiHistoryQuery): Promise<KpiHistory> {
    const pool = this.db.reportPool();
    const bucketMs = q.bucketMs ?? Math.max(1, q.to - q.from);
    const buckets = await querySums(pool, this.opts.settings, {
      from: q.from,
      to: q.to,
      bucketMs,
      origin: q.from,
      ...(q.queue !== undefined ? { queue: q.queue } : {}),
      ...(q.queues !== undefined ? { queues: q.queues } : {}),
      ...(q.agent !== undefined ? { agent: q.agent } : {}),
    });
    const totals = emptySums();
    for (const b of buckets) addSums(totals, b.sums);
    const series: KpiHistory['series'] = [];
    if (q.bucketMs !== undefined) {
      const byFrom = new Map(buckets.map((b) => [b.from, b.sums]));
      for (let from = q.from; from < q.to; from += q.bucketMs) series.push({ from, to: Math.min(q.to, from + q.bucketMs), figures: figuresOf(byFrom.get(from) ?? emptySums()) });
    }
    return { totals: figuresOf(totals), series };
  }
}
