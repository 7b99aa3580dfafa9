import type { KpiFigures, KpiSettings, KpiSums } from './types.js';

/**
 * One record's contribution to the KPI sums. The same rules are written once
 * more in SQL (sql.ts): the agreement test proves the two say the same.
 */
export interface KpiRecord {
  readonly queue: string;
  readonly agent: string | null;
  readonly outcome: string;
  readonly endedAt: number;
  readonly waitS: number;
  readonly talkS: number | null;
  readonly holdS?: number | null;
  readonly afterCallS?: number | null;
}

export const emptySums = (): KpiSums => ({ offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, otherUnanswered: 0, answeredWithinSl: 0, waitAnsweredS: 0, handleS: 0 });

export function slThreshold(settings: KpiSettings, queue: string): number {
  return Object.hasOwn(settings.slSecondsByQueue, queue) ? (settings.slSecondsByQueue[queue] ?? settings.slSeconds) : settings.slSeconds;
}

/** Adds one record to `s` (in place). */
export function addRecord(s: KpiSums, r: KpiRecord, settings: KpiSettings): void {
  s.offered++;
  if (r.outcome === 'answered') {
    s.answered++;
    if (r.waitS <= slThreshold(settings, r.queue)) s.answeredWithinSl++;
    s.waitAnsweredS += r.waitS;
    s.handleS += (r.talkS ?? 0) + (r.holdS ?? 0) + (r.afterCallS ?? 0);
  } else if (r.outcome === 'abandoned') {
    if (r.waitS < settings.shortAbandonS) s.shortAbandoned++;
    else s.abandoned++;
  } else {
    s.otherUnanswered++;
  }
}

export function addSums(into: KpiSums, s: KpiSums): void {
  into.offered += s.offered;
  into.answered += s.answered;
  into.abandoned += s.abandoned;
  into.shortAbandoned += s.shortAbandoned;
  into.otherUnanswered += s.otherUnanswered;
  into.answeredWithinSl += s.answeredWithinSl;
  into.waitAnsweredS += s.waitAnsweredS;
  into.handleS += s.handleS;
}

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** The derived figures (rates, averages) of exact sums. */
export function figuresOf(s: KpiSums): KpiFigures {
  const base = s.offered - s.shortAbandoned;
  return {
    ...s,
    abandonRate: ratio(s.abandoned, base),
    serviceLevel: ratio(s.answeredWithinSl, base),
    asaS: ratio(s.waitAnsweredS, s.answered),
    ahtS: ratio(s.handleS, s.answered),
  };
}
