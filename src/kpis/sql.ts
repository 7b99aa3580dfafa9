import type pg from 'pg';
import { emptySums } from './figures.js';
import type { KpiScope, KpiSettings, KpiSums } from './types.js';
import { INTERVAL_MS } from './windows.js';

/**
 * The KPI rules of figures.ts, in SQL over call_records. Every value is a bind
 * parameter. Grouped by a bucket index (ended_at relative to an origin, in
 * buckets of a fixed length), and optionally by queue and agent.
 */
const SUMS = (p: { short: string; sl: string; slDefault: string }) => `
  count(*)::int AS offered,
  count(*) FILTER (WHERE outcome = 'answered')::int AS answered,
  count(*) FILTER (WHERE outcome = 'abandoned' AND wait_s >= ${p.short})::int AS abandoned,
  count(*) FILTER (WHERE outcome = 'abandoned' AND wait_s < ${p.short})::int AS short_abandoned,
  count(*) FILTER (WHERE outcome NOT IN ('answered', 'abandoned'))::int AS other_unanswered,
  count(*) FILTER (WHERE outcome = 'answered' AND wait_s <= COALESCE((${p.sl}::jsonb ->> queue)::int, ${p.slDefault}))::int AS answered_within_sl,
  COALESCE(sum(wait_s) FILTER (WHERE outcome = 'answered'), 0)::bigint AS wait_answered_s,
  COALESCE(sum(COALESCE(talk_s, 0) + COALESCE(hold_s, 0) + COALESCE(after_call_s, 0)) FILTER (WHERE outcome = 'answered'), 0)::bigint AS handle_s`;

interface SumsRow {
  bucket: string | number;
  queue?: string;
  agent?: string | null;
  offered: number;
  answered: number;
  abandoned: number;
  short_abandoned: number;
  other_unanswered: number;
  answered_within_sl: number;
  wait_answered_s: string | number;
  handle_s: string | number;
}

function sumsOf(r: SumsRow): KpiSums {
  return {
    ...emptySums(),
    offered: r.offered,
    answered: r.answered,
    abandoned: r.abandoned,
    shortAbandoned: r.short_abandoned,
    otherUnanswered: r.other_unanswered,
    answeredWithinSl: r.answered_within_sl,
    waitAnsweredS: Number(r.wait_answered_s),
    handleS: Number(r.handle_s),
  };
}

export interface BucketSums {
  /** Bucket start, epoch ms. */
  readonly from: number;
  readonly queue: string | null;
  readonly agent: string | null;
  readonly sums: KpiSums;
}

export interface SumsQuery extends KpiScope {
  readonly from: number;
  readonly to: number;
  /** Bucket length (ms), buckets start at `origin`. */
  readonly bucketMs: number;
  readonly origin: number;
  /** Also group by queue and agent (the live counters' seed). */
  readonly byQueueAndAgent?: boolean;
  /** Records to leave out (already counted live). */
  readonly exclude?: readonly string[];
}

export async function querySums(pool: Pick<pg.Pool, 'query'> | pg.PoolClient, settings: KpiSettings, q: SumsQuery): Promise<BucketSums[]> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const short = p(settings.shortAbandonS);
  const sl = p(JSON.stringify(settings.slSecondsByQueue));
  const slDefault = p(settings.slSeconds);
  const conds = [`ended_at >= ${p(new Date(q.from))}`, `ended_at < ${p(new Date(q.to))}`];
  if (q.queue !== undefined) conds.push(`queue = ${p(q.queue)}`);
  if (q.queues !== undefined) conds.push(`queue = ANY(${p(q.queues)}::text[])`);
  if (q.agent !== undefined) conds.push(`agent = ${p(q.agent)}`);
  if (q.exclude && q.exclude.length > 0) conds.push(`member_uuid <> ALL(${p(q.exclude)}::text[])`);
  // extract(epoch …) is numeric (exact) on PostgreSQL 14+ and PGlite: no float rounding at bucket edges.
  const bucket = `floor((extract(epoch from ended_at) * 1000 - ${p(q.origin)}) / ${p(q.bucketMs)})`;
  const group = q.byQueueAndAgent ? ', queue, agent' : '';
  const res = await pool.query<SumsRow>(
    `SELECT ${bucket} AS bucket${group}, ${SUMS({ short, sl, slDefault })}
     FROM call_records WHERE ${conds.join(' AND ')}
     GROUP BY 1${q.byQueueAndAgent ? ', 2, 3' : ''} ORDER BY 1`,
    params,
  );
  return res.rows.map((r) => ({
    from: q.origin + Number(r.bucket) * q.bucketMs,
    queue: r.queue ?? null,
    agent: r.agent ?? null,
    sums: sumsOf(r),
  }));
}

/** Today's records so far per 15-minute interval, queue and agent: the live counters' starting point. */
export function seedQuery(from: number, to: number, exclude: readonly string[]): SumsQuery {
  return { from, to, bucketMs: INTERVAL_MS, origin: 0, byQueueAndAgent: true, exclude };
}
