import type { TimeRange } from './types.js';

/** KPI intervals are 15 minutes, aligned to the quarter hour (every time zone's offset is a whole number of quarters). */
export const INTERVAL_MS = 15 * 60_000;

export function intervalOf(ms: number): TimeRange {
  const from = Math.floor(ms / INTERVAL_MS) * INTERVAL_MS;
  return { from, to: from + INTERVAL_MS };
}

/** The local calendar day (the gateway process's time zone, TZ) holding `ms`. */
export function dayOf(ms: number): TimeRange {
  const d = new Date(ms);
  const from = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const to = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  return { from, to };
}
