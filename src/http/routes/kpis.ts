import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { anyRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { AgentName, QueueName, errors } from '../schemas.js';
import { RecordsUnavailableError } from '../../records/service.js';
import type { KpiReader } from '../../kpis/types.js';
import { KpiFiguresSchema, LiveFloorSchema } from './kpi-schemas.js';
import { checkQueueFilter, scopeOfRequest, scopeQueues } from '../scope.js';

const BUCKETS = { '15m': 15 * 60_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
const MAX_BUCKETS = 5000;
const MAX_RANGE_MS = 400 * 86_400_000;

const KpiQuery = Type.Object(
  {
    queue: Type.Optional(QueueName),
    agent: Type.Optional(AgentName),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'start of a range from the history (with `to`)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'end of the range, exclusive (with `from`)' })),
    interval: Type.Optional(
      Type.Union([Type.Literal('current'), Type.Literal('today'), Type.Literal('15m'), Type.Literal('1h'), Type.Literal('1d')], {
        description: 'without from/to: current (this 15-minute interval) or today (default), from the live counters; with from/to: 15m, 1h or 1d splits the range into a series (buckets from `from`)',
      }),
    ),
  },
  { additionalProperties: false },
);

const KpiBody = Type.Object({
  scope: Type.Object({
    queue: Type.Union([Type.String(), Type.Null()]),
    agent: Type.Union([Type.String(), Type.Null()]),
    queues: Type.Optional(Type.Array(Type.String(), { description: 'a token limited to queues, without `queue`: the queues the figures add up' })),
  }),
  source: Type.String({ description: 'live (counters) or history (SQL over call_records)' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  settings: Type.Object({ slThresholdS: Type.Integer({ description: "the queue's T (the default T without a queue)" }), shortAbandonS: Type.Integer() }),
  totals: KpiFiguresSchema,
  series: Type.Array(Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), figures: KpiFiguresSchema })),
  live: Type.Optional(LiveFloorSchema),
});

const iso = (ms: number) => new Date(ms).toISOString();

function dateOf(field: string, s: string): number {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new ApiError(400, 'INVALID_INPUT', `querystring/${field} is not a date-time`);
  return ms;
}

function reader(kpis: KpiReader | null | undefined): KpiReader {
  if (!kpis) throw new ApiError(503, 'RECORDS_OFF', 'KPIs need call records, which are turned off (CALL_RECORDS=off)');
  return kpis;
}

export const kpiRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/kpis',
      {
        preValidation: anyRole,
        schema: {
          tags: ['kpis'],
          summary: 'KPIs of a queue, an agent, or everything: live (current interval, today) or over any range from the call history',
          description: 'Definitions in the README (KPIs). A call counts in the window its record ended in. Agent scope: the calls the agent answered. A token limited to queues (TOKEN_QUEUES) reads its queues only: `queue` outside them is 403 OUT_OF_SCOPE; without `queue`, its queues together (an agent: the calls it answered in them).',
          querystring: KpiQuery,
          response: { 200: KpiBody, ...errors(400, 401, 403, 503) },
        },
      },
      async (req) => {
        const q = req.query;
        const kpis = reader(deps.kpis);
        // A token limited to queues: a `queue` outside them is 403; without one, its queues together (never the whole switch).
        const tokenScope = scopeOfRequest(req);
        checkQueueFilter(tokenScope, q.queue);
        const scopeList = q.queue === undefined ? scopeQueues(tokenScope) : null;
        const scope = {
          ...(q.queue !== undefined ? { queue: q.queue } : {}),
          ...(scopeList !== null ? { queues: scopeList } : {}),
          ...(q.agent !== undefined ? { agent: q.agent } : {}),
        };
        const snap = kpis.snapshot(q.queue !== undefined ? { queues: [q.queue] } : scopeList !== null ? { queues: scopeList } : {});
        const settings = { slThresholdS: (q.queue !== undefined ? snap.queues[0]?.slThresholdS : undefined) ?? snap.total.slThresholdS, shortAbandonS: snap.shortAbandonS };
        const out = { scope: { queue: q.queue ?? null, agent: q.agent ?? null, ...(scopeList !== null ? { queues: scopeList } : {}) }, settings };
        if (q.from === undefined && q.to === undefined) {
          const period = q.interval ?? 'today';
          if (period !== 'current' && period !== 'today') throw new ApiError(400, 'INVALID_INPUT', `querystring/interval ${period} needs a range (from and to)`);
          const { range, figures } = kpis.liveFigures(period, scope);
          const floor = q.queue !== undefined ? snap.queues[0] : snap.total;
          return {
            ...out,
            source: 'live',
            from: iso(range.from),
            to: iso(range.to),
            totals: figures,
            series: [],
            ...(q.agent === undefined && floor
              ? { live: { waitingNow: floor.waitingNow, longestWaitS: floor.longestWaitS, agentsByStatus: floor.agentsByStatus, agentsByState: floor.agentsByState, agents: floor.agents } }
              : {}),
          };
        }
        if (q.from === undefined || q.to === undefined) throw new ApiError(400, 'INVALID_INPUT', 'querystring: from and to go together');
        if (q.interval === 'current' || q.interval === 'today') throw new ApiError(400, 'INVALID_INPUT', `querystring/interval ${q.interval} is live: leave out from and to`);
        // Field names come from the object's keys: the build test scans dist/ for import specifiers textually.
        const [from, to] = Object.entries({ from: q.from, to: q.to }).map(([field, value]) => dateOf(field, value));
        if (from === undefined || to === undefined) throw new ApiError(400, 'INVALID_INPUT', 'querystring: from and to go together');
        if (to <= from) throw new ApiError(400, 'INVALID_INPUT', 'querystring/to must come after the start (from)');
        if (to - from > MAX_RANGE_MS) throw new ApiError(400, 'INVALID_INPUT', 'querystring: the range may span 400 days at most');
        const bucketMs = q.interval ? BUCKETS[q.interval] : undefined;
        if (bucketMs !== undefined && Math.ceil((to - from) / bucketMs) > MAX_BUCKETS) throw new ApiError(400, 'INVALID_INPUT', `querystring/interval: at most ${MAX_BUCKETS} buckets; choose a longer interval or a shorter range`);
        let history;
        try {
          history = await kpis.history({ from, to, ...scope, ...(bucketMs !== undefined ? { bucketMs } : {}) });
        } catch (err) {
          // Nothing is wrong with the request: the database is down or slow; the cause goes to the log.
          req.log.warn({ err: (err as Error).message }, 'KPI history query failed');
          throw new ApiError(503, 'DATABASE_DOWN', err instanceof RecordsUnavailableError ? 'the call records database is not available' : 'the call records database did not answer');
        }
        return {
          ...out,
          source: 'history',
          from: iso(from),
          to: iso(to),
          totals: history.totals,
          series: history.series.map((b) => ({ from: iso(b.from), to: iso(b.to), figures: b.figures })),
        };
      },
    );
  };
