import type { KpiSettings } from './types.js';

/** Thrown for a KPI setting that does not parse (the config loader turns it into a ConfigError). */
export class KpiConfigError extends Error {
  override readonly name = 'KpiConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function seconds(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 86_400) throw new KpiConfigError(`${key} must be an integer number of seconds in [0, 86400], got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * KPI_SL_SECONDS (service-level threshold T, default 20), KPI_SL_SECONDS_BY_QUEUE
 * (`queue:seconds,…`, e.g. `support@default:30,sales@default:15`), KPI_SHORT_ABANDON_S
 * (abandons under this many seconds are short abandons, default 5).
 */
export function kpiSettings(env: Env): KpiSettings {
  const byQueue: Record<string, number> = {};
  for (const entry of (env.KPI_SL_SECONDS_BY_QUEUE ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = entry.lastIndexOf(':');
    const queue = entry.slice(0, i);
    const raw = entry.slice(i + 1);
    const n = Number(raw);
    if (i <= 0 || !/^[0-9]{1,5}$/.test(raw) || n > 86_400) throw new KpiConfigError(`KPI_SL_SECONDS_BY_QUEUE entry ${JSON.stringify(entry)} must be queue:seconds`);
    byQueue[queue] = n;
  }
  return { slSeconds: seconds(env, 'KPI_SL_SECONDS', 20), slSecondsByQueue: byQueue, shortAbandonS: seconds(env, 'KPI_SHORT_ABANDON_S', 5) };
}
