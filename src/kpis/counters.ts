import { addRecord, addSums, emptySums, type KpiRecord } from './figures.js';
import type { KpiSettings, KpiSums, TimeRange } from './types.js';
import { dayOf, intervalOf } from './windows.js';

/** Scope keys: one queue, every queue, one agent. */
export const queueKey = (queue: string): string => `q:${queue}`;
export const ALL_QUEUES = 'q:*';
export const agentKey = (agent: string): string => `a:${agent}`;
/** One agent's calls in one queue. */
export const agentInQueueKey = (queue: string, agent: string): string => `aq:${queue}\u0000${agent}`;

function keysOf(queue: string, agent: string | null): string[] {
  return agent ? [queueKey(queue), ALL_QUEUES, agentKey(agent), agentInQueueKey(queue, agent)] : [queueKey(queue), ALL_QUEUES];
}

/**
 * Today's KPI sums per 15-minute interval and scope, fed one finished call at
 * a time (O(1) per call: up to four scope entries in one interval and in the day).
 * A call counts in the interval its record's ended_at falls in, as in SQL.
 * The day rolls over at local midnight; earlier days live in SQL only.
 */
export class KpiCounters {
  private day: TimeRange;
  /** Interval start -> scope key -> sums. */
  private readonly intervals = new Map<number, Map<string, KpiSums>>();
  private readonly today = new Map<string, KpiSums>();

  constructor(
    private readonly settings: KpiSettings,
    now: number,
  ) {
    this.day = dayOf(now);
  }

  get range(): TimeRange {
    return this.day;
  }

  /** Starts a new day when `now` is past this one. */
  roll(now: number): void {
    if (now < this.day.to && now >= this.day.from) return;
    this.day = dayOf(now);
    this.intervals.clear();
    this.today.clear();
  }

  /** Counts one finished call; false when it ended outside today (it is in SQL only). */
  add(r: KpiRecord): boolean {
    if (r.endedAt < this.day.from || r.endedAt >= this.day.to) return false;
    const keys = keysOf(r.queue, r.agent);
    const slot = this.slot(intervalOf(r.endedAt).from);
    for (const k of keys) {
      addRecord(this.entry(slot, k), r, this.settings);
      addRecord(this.entry(this.today, k), r, this.settings);
    }
    return true;
  }

  /** Adds sums read from SQL (the seed) for one interval, queue and agent. */
  addSeed(intervalFrom: number, queue: string, agent: string | null, sums: KpiSums): void {
    if (intervalFrom < this.day.from || intervalFrom >= this.day.to) return;
    const keys = keysOf(queue, agent);
    const slot = this.slot(intervalFrom);
    for (const k of keys) {
      addSums(this.entry(slot, k), sums);
      addSums(this.entry(this.today, k), sums);
    }
  }

  /** Sums of one scope in the interval starting at `intervalFrom` (zeros when none). */
  interval(intervalFrom: number, key: string): KpiSums {
    return { ...(this.intervals.get(intervalFrom)?.get(key) ?? emptySums()) };
  }

  todaySums(key: string): KpiSums {
    return { ...(this.today.get(key) ?? emptySums()) };
  }

  /** Every interval of today with calls for `key`, oldest first. */
  intervalsOf(key: string): Array<{ from: number; sums: KpiSums }> {
    const out: Array<{ from: number; sums: KpiSums }> = [];
    for (const [from, m] of this.intervals) {
      const s = m.get(key);
      if (s) out.push({ from, sums: { ...s } });
    }
    return out.sort((a, b) => a.from - b.from);
  }

  /** Scope keys with counts today (agents: 'a:…'). */
  keys(): IterableIterator<string> {
    return this.today.keys();
  }

  private slot(from: number): Map<string, KpiSums> {
    let m = this.intervals.get(from);
    if (!m) {
      m = new Map();
      this.intervals.set(from, m);
    }
    return m;
  }

  private entry(m: Map<string, KpiSums>, key: string): KpiSums {
    let s = m.get(key);
    if (!s) {
      s = emptySums();
      m.set(key, s);
    }
    return s;
  }
}
