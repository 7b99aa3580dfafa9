import type { FreeSwitchDouble } from '../fsdouble/index.js';

/** Caller records the demo loads, keyed by the digits FreeSWITCH reports as caller ID. */
export const DEMO_RECORDS: ReadonlyArray<{ number: string; name: string; record: Record<string, string> }> = [
  { number: '15551234567', name: 'Alice', record: { name: 'Alice Smith', company: 'Acme Corp', tier: 'gold', account: 'AC-1001', lastTicket: 'Router keeps rebooting' } },
  { number: '15557654321', name: 'Bob', record: { name: 'Bob Jones', company: 'Globex', tier: 'silver', account: 'GX-2002', lastTicket: 'Invoice question' } },
  { number: '15550001111', name: 'Carol', record: { name: 'Carol White', company: 'Initech', tier: 'bronze', account: 'IN-3003', lastTicket: 'Password reset' } },
  { number: '15559990000', name: 'Dave', record: { name: 'Dave Brown', company: 'Umbrella', tier: 'gold', account: 'UM-4004', notes: 'Prefers email follow-up' } },
  { number: '442071234567', name: 'Erin', record: { name: 'Erin Green', company: 'Hooli', tier: 'platinum', account: 'HO-5005', language: 'en-GB' } },
];

export interface CallerGeneratorOptions {
  /** Mean time between arrivals (exponential). */
  readonly meanIntervalMs: number;
  /** Share of callers whose number has a record. */
  readonly knownShare?: number;
  /** A caller hangs up this long after arriving: an abandon if still waiting, else the end of the call. */
  readonly minStayMs?: number;
  readonly maxStayMs?: number;
}

/** Random callers dialling 7000 on the double; most match a record, some give up waiting. */
export function startCallerGenerator(fs: FreeSwitchDouble, opts: CallerGeneratorOptions): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };
  const arrive = () => {
    const pick = Math.random() < (opts.knownShare ?? 0.7) ? DEMO_RECORDS[Math.floor(Math.random() * DEMO_RECORDS.length)] : undefined;
    const ids = fs.injectCaller({
      number: pick ? pick.number : `1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
      name: pick ? pick.name : 'Unknown caller',
      variables: { cc_export_vars: 'account_number,caller_lang', account_number: String(100000 + Math.floor(Math.random() * 900000)), caller_lang: 'en' },
    });
    const min = opts.minStayMs ?? 8000;
    const max = opts.maxStayMs ?? 30000;
    later(min + Math.random() * (max - min), () => fs.hangupCaller(ids.callerUuid));
    later(-Math.log(1 - Math.random()) * opts.meanIntervalMs, arrive);
  };
  later(Math.min(1000, opts.meanIntervalMs), arrive);
  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
