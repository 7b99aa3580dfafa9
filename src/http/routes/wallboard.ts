import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { QueueName, errors } from '../schemas.js';
import type { IntervalFigures, KpiReader, KpiSums, WaitingSample } from '../../kpis/types.js';
import { addSums, emptySums, figuresOf } from '../../kpis/figures.js';
import { checkQueueFilter, scopeOfRequest, scopeQueues } from '../scope.js';
import { QueueKpisSchema } from './kpi-schemas.js';

/** The wallboard is read-only: a `wallboard` token reads this and nothing else. */
const wallboardReader = requireRole('admin', 'supervisor', 'wallboard');

const WallboardQuery = Type.Object({ queue: Type.Optional(QueueName) }, { additionalProperties: false });

const WallboardBody = Type.Object({
  at: Type.Integer({ description: 'epoch ms (the page ticks the longest wait from here)' }),
  queue: Type.String({ description: "the queue shown, or '*' for every queue (a token limited to queues: its queues together)" }),
  seeded: Type.Boolean({ description: "false until today's earlier records are counted" }),
  shortAbandonS: Type.Integer(),
  interval: Type.Object({ from: Type.Integer(), to: Type.Integer() }),
  tiles: QueueKpisSchema,
  intervals: Type.Array(
    Type.Object({ from: Type.Integer(), offered: Type.Integer(), answered: Type.Integer(), abandoned: Type.Integer(), shortAbandoned: Type.Integer(), serviceLevel: Type.Union([Type.Number(), Type.Null()]) }),
    { description: "today's 15-minute intervals with calls, oldest first" },
  ),
  waiting: Type.Array(Type.Object({ at: Type.Integer(), waiting: Type.Integer() }), { description: 'callers waiting, sampled over the last hour' }),
});

/** At most one push a second per stream; a comment line every 15 s keeps proxies from closing it. */
const PUSH_MIN_MS = 1000;
const HEARTBEAT_MS = 15_000;
const MAX_STREAMS = 200;

/**
 * `queues`: a token's queue scope when it names no queue; the tiles, intervals and
 * waiting line are then those queues' together (never the whole switch's).
 */
export function wallboardBody(kpis: KpiReader, queue: string | undefined, queues: readonly string[] | null = null) {
  const snap = kpis.snapshot(queue !== undefined ? { queues: [queue] } : queues !== null ? { queues } : {});
  const tiles = queue !== undefined ? (snap.queues[0] ?? { ...snap.total, queue }) : snap.total;
  return {
    at: snap.at,
    queue: queue ?? '*',
    seeded: snap.seeded,
    shortAbandonS: snap.shortAbandonS,
    interval: snap.interval,
    tiles,
    intervals: intervalsOf(kpis, queue, queues).map((i) => ({
      from: i.from,
      offered: i.figures.offered,
      answered: i.figures.answered,
      abandoned: i.figures.abandoned,
      shortAbandoned: i.figures.shortAbandoned,
      serviceLevel: i.figures.serviceLevel,
    })),
    // The samples of the last hour, and now: the line always reaches the present.
    waiting: [...waitingOf(kpis, queue, queues), { at: snap.at, waiting: tiles.waitingNow }],
  };
}

/** Today's intervals of one queue, every queue, or the sum of a scope's queues. */
function intervalsOf(kpis: KpiReader, queue: string | undefined, queues: readonly string[] | null): IntervalFigures[] {
  if (queue !== undefined || queues === null) return kpis.intervalsToday(queue);
  const byFrom = new Map<number, KpiSums>();
  for (const q of queues) {
    for (const i of kpis.intervalsToday(q)) {
      const sums = byFrom.get(i.from) ?? emptySums();
      addSums(sums, i.figures);
      byFrom.set(i.from, sums);
    }
  }
  return [...byFrom.entries()].sort(([a], [b]) => a - b).map(([from, sums]) => ({ from, figures: figuresOf(sums) }));
}

/** Callers waiting over the last hour: the samples are taken for every queue at once, so a scope's add up sample by sample. */
function waitingOf(kpis: KpiReader, queue: string | undefined, queues: readonly string[] | null): WaitingSample[] {
  if (queue !== undefined || queues === null) return kpis.waitingHistory(queue);
  const byAt = new Map<number, number>();
  for (const q of queues) for (const w of kpis.waitingHistory(q)) byAt.set(w.at, (byAt.get(w.at) ?? 0) + w.waiting);
  return [...byAt.entries()].sort(([a], [b]) => a - b).map(([at, waiting]) => ({ at, waiting }));
}

export const wallboardRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['wallboard'];
    const streams = new Set<ServerResponse>();
    const reader = (): KpiReader => {
      if (!deps.kpis) throw new ApiError(503, 'RECORDS_OFF', 'KPIs need call records, which are turned off (CALL_RECORDS=off)');
      return deps.kpis;
    };
    // One body per queue and change, however many screens show it (a snapshot walks every agent and tier).
    let version = 0;
    const cache = new Map<string, { version: number; body: ReturnType<typeof wallboardBody> }>();
    deps.kpis?.on('change', () => {
      version++;
      cache.clear();
    });
    const bodyFor = (kpis: KpiReader, queue: string | undefined, queues: readonly string[] | null) => {
      const key = queue ?? (queues ? queues.join('|') : '*');
      const hit = cache.get(key);
      if (hit && hit.version === version) return hit.body;
      const body = wallboardBody(kpis, queue, queue === undefined ? queues : null);
      cache.set(key, { version, body });
      return body;
    };
    // A token limited to queues (TOKEN_QUEUES): a queue outside them is 403; none named, its queues together.
    const scoped = (req: Parameters<typeof scopeOfRequest>[0] & { query: { queue?: string } }) => {
      const scope = scopeOfRequest(req);
      checkQueueFilter(scope, req.query.queue);
      return { queue: req.query.queue, queues: scopeQueues(scope) };
    };
    // Open streams never end on their own: the server's close would wait for them for ever.
    app.addHook('preClose', async () => {
      for (const res of streams) res.end();
    });

    app.get(
      '/wallboard',
      { preValidation: wallboardReader, schema: { tags, summary: 'What the wallboard shows, once (tiles, today per interval, callers waiting over the last hour)', querystring: WallboardQuery, response: { 200: WallboardBody, ...errors(400, 401, 403, 503) } } },
      async (req) => {
        const { queue, queues } = scoped(req);
        return bodyFor(reader(), queue, queues);
      },
    );

    app.get(
      '/wallboard/stream',
      {
        preValidation: wallboardReader,
        schema: {
          tags,
          summary: 'The wallboard as Server-Sent Events: `snapshot` events (the body of GET /wallboard) at most once a second, when something changed',
          description: 'Read it with fetch() and an Authorization header (EventSource cannot send one; a token never goes in the URL). A `:` comment line every 15 s.',
          querystring: WallboardQuery,
          response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(400, 401, 403, 503) },
        },
      },
      async (req, reply) => {
        const kpis = reader();
        if (streams.size >= MAX_STREAMS) throw new ApiError(503, 'TOO_MANY_STREAMS', `at most ${MAX_STREAMS} wallboard streams at once`);
        const { queue, queues } = scoped(req);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
        streams.add(res);
        let lastSent = 0;
        let timer: NodeJS.Timeout | null = null;
        const send = () => {
          timer = null;
          lastSent = Date.now();
          res.write(`event: snapshot\ndata: ${JSON.stringify(bodyFor(kpis, queue, queues))}\n\n`);
        };
        const onChange = () => {
          if (timer) return;
          const wait = lastSent + PUSH_MIN_MS - Date.now();
          if (wait <= 0) send();
          else timer = setTimeout(send, wait);
        };
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        kpis.on('change', onChange);
        res.on('close', () => {
          streams.delete(res);
          kpis.off('change', onChange);
          clearInterval(heartbeat);
          if (timer) clearTimeout(timer);
        });
        send();
      },
    );
  };
