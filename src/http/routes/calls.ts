import { Transform } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { anyRole } from '../auth.js';
import type { HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { AgentName, QueueName, errors } from '../schemas.js';
import { OUTCOMES } from '../../records/model.js';
import { queueInScope, type QueueScope } from '../../supervisor/scope.js';
import { checkQueueFilter, scopeOfRequest, scopeQueues } from '../scope.js';
import { Iso, NullableIso, NullableString, OfferSchema, iso } from '../call-schemas.js';
import type { CallRecords } from '../../records/service.js';
import { recordFromRow, type Keyset, type RecordFilter, type RecordRow, type StoredRecord } from '../../records/store.js';

const NullableInt = (description: string) => Type.Union([Type.Integer({ description }), Type.Null()]);

const CallRecordSchema = Type.Object({
  memberUuid: Type.String({ description: 'CC-Member-UUID: one record per member UUID' }),
  sessionUuid: Type.String(),
  queue: Type.String(),
  callerNumber: Type.String(),
  callerName: Type.String(),
  destination: Type.String(),
  variables: Type.Record(Type.String(), Type.String()),
  joinedAt: Iso('joined the queue'),
  offeredAt: NullableIso('first offered to an agent'),
  answeredAt: NullableIso('answered'),
  endedAt: Iso('left the queue call (member-queue-end)'),
  waitS: Type.Integer({ description: 'joined to answered, or to the end when not answered' }),
  ringS: NullableInt('offered to answered, for the answered offer'),
  talkS: NullableInt('answered to the end'),
  holdS: NullableInt('not recorded yet (later work)'),
  afterCallS: NullableInt('seconds the agent spent in after-call work (from the end of the call)'),
  offers: Type.Array(OfferSchema, { description: 'every agent the call was offered to, in order' }),
  agent: NullableString('the agent who answered'),
  agentUuid: NullableString('the agent leg'),
  outcome: Type.String({ description: `${OUTCOMES.join(', ')}: answered; abandoned (caller hung up waiting, BREAK_OUT); timeout (TIMEOUT); no-agent (NO_AGENT_TIMEOUT); exited (EXIT_WITH_KEY); cancelled (another Cancel)` }),
  cause: Type.String({ description: 'CC-Cause: Terminated or Cancel' }),
  cancelReason: NullableString('CC-Cancel-Reason'),
  hangupCause: NullableString('CC-Hangup-Cause'),
  disposition: NullableString('the code the agent filed in after-call work (DISPOSITIONS); null until filed'),
  notes: NullableString('the agent\'s notes filed with the disposition'),
  transfers: Type.Unknown({ description: 'not recorded yet (later work)' }),
  recordingPath: NullableString('not recorded yet (later work)'),
});

const Digits = Type.String({ pattern: '^[0-9]{1,32}$', description: 'caller number, digits only (see the number rule in the README)' });
const Outcome = Type.Union([Type.Literal('answered'), Type.Literal('abandoned'), Type.Literal('timeout'), Type.Literal('no-agent'), Type.Literal('exited'), Type.Literal('cancelled')]);

const FilterQuery = {
  from: Type.Optional(Iso('records that ended at or after this time')),
  to: Type.Optional(Iso('records that ended before this time')),
  queue: Type.Optional(QueueName),
  agent: Type.Optional(AgentName),
  caller: Type.Optional(Digits),
  outcome: Type.Optional(Outcome),
  order: Type.Optional(Type.Union([Type.Literal('desc'), Type.Literal('asc')], { description: 'by end time; newest first (desc) by default' })),
};
const ListQuery = Type.Object(
  {
    ...FilterQuery,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 300, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page (same filters and order)' })),
  },
  { additionalProperties: false },
);
const CsvQuery = Type.Object(FilterQuery, { additionalProperties: false });
const RecordPageSchema = Type.Object({ items: Type.Array(CallRecordSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });
const UuidParams = Type.Object({ memberUuid: Type.String({ pattern: '^[0-9A-Za-z-]{1,64}$' }) });


function recordOut(r: StoredRecord) {
  return {
    ...r,
    joinedAt: new Date(r.joinedAt).toISOString(),
    offeredAt: iso(r.offeredAt),
    answeredAt: iso(r.answeredAt),
    endedAt: new Date(r.endedAt).toISOString(),
    offers: r.offers.map((o) => ({ ...o, offeredAt: new Date(o.offeredAt).toISOString(), endedAt: iso(o.endedAt) })),
    transfers: r.transfers ?? null,
  };
}

function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify([k.endedAt.toISOString(), k.memberUuid])).toString('base64url');
}

function decodeCursor(s: string): Keyset {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && v[1].length <= 64) {
      const endedAt = new Date(v[0]);
      if (!Number.isNaN(endedAt.getTime())) return { endedAt, memberUuid: v[1] };
    }
  } catch {
    /* falls through */
  }
  throw new ApiError(400, 'INVALID_INPUT', 'querystring/cursor is not a cursor this API gave out');
}

/** The request's filters, within the token's queue scope (a `queue` outside it: 403 OUT_OF_SCOPE). */
function filterOf(q: Static<typeof CsvQuery>, scope: QueueScope): RecordFilter {
  checkQueueFilter(scope, q.queue);
  const queues = q.queue === undefined ? scopeQueues(scope) : null;
  const [from, to] = Object.entries({ from: q.from, to: q.to }).map(([field, s]) => {
    if (s === undefined) return undefined;
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new ApiError(400, 'INVALID_INPUT', `querystring/${field} is not a date-time`);
    return d;
  });
  return {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(q.queue !== undefined ? { queue: q.queue } : {}),
    ...(queues !== null ? { queues } : {}),
    ...(q.agent !== undefined ? { agent: q.agent } : {}),
    ...(q.caller !== undefined ? { callerNumber: q.caller } : {}),
    ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
  };
}

const CSV_COLUMNS = [
  'member_uuid', 'queue', 'caller_number', 'caller_name', 'destination', 'joined_at', 'offered_at', 'answered_at', 'ended_at',
  'wait_s', 'ring_s', 'talk_s', 'hold_s', 'after_call_s', 'agent', 'outcome', 'cause', 'cancel_reason', 'hangup_cause',
  'offered_agents', 'variables', 'disposition', 'notes', 'recording_path',
] as const;

/**
 * One CSV field (RFC 4180 quoting). Text that a spreadsheet would run as a
 * formula (=, +, -, @, tab, CR first) gets a leading apostrophe: caller names
 * come from the network.
 */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(r: StoredRecord): string {
  const t = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    member_uuid: r.memberUuid,
    queue: r.queue,
    caller_number: r.callerNumber,
    caller_name: r.callerName,
    destination: r.destination,
    joined_at: t(r.joinedAt),
    offered_at: t(r.offeredAt),
    answered_at: t(r.answeredAt),
    ended_at: t(r.endedAt),
    wait_s: r.waitS,
    ring_s: r.ringS,
    talk_s: r.talkS,
    hold_s: r.holdS,
    after_call_s: r.afterCallS,
    agent: r.agent,
    outcome: r.outcome,
    cause: r.cause,
    cancel_reason: r.cancelReason,
    hangup_cause: r.hangupCause,
    offered_agents: r.offers.map((o) => `${o.agent}:${o.outcome}`).join(' '),
    variables: Object.keys(r.variables).length ? JSON.stringify(r.variables) : null,
    disposition: r.disposition,
    notes: r.notes,
    recording_path: r.recordingPath,
  };
  return CSV_COLUMNS.map((c) => csvField(values[c])).join(',') + '\r\n';
}

/** Database failures are 503 (nothing is wrong with the request); the cause goes to the log only. */
async function guarded<T>(records: CallRecords | null | undefined, f: (r: CallRecords) => Promise<T>): Promise<T> {
  if (!records) throw new ApiError(503, 'RECORDS_OFF', 'call records are turned off (CALL_RECORDS=off)');
  if (!records.ready) throw new ApiError(503, 'DATABASE_DOWN', 'the call records database is not available');
  try {
    return await f(records);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw Object.assign(new ApiError(503, 'DATABASE_DOWN', 'the call records database did not answer'), { cause: err });
  }
}

export const callRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['calls'];
    const records = deps.records;

    app.get(
      '/calls',
      {
        preValidation: anyRole,
        schema: { tags, summary: 'Call history: one record per queue call, filtered, keyset-paginated by end time', querystring: ListQuery, response: { 200: RecordPageSchema, ...errors(400, 401, 403, 503) } },
      },
      async (req) => {
        const q = req.query;
        // Ajv's type coercion lets "Infinity" through an integer schema with bounds.
        if (q.limit !== undefined && !(Number.isSafeInteger(q.limit) && q.limit >= 1 && q.limit <= 1000)) throw new ApiError(400, 'INVALID_INPUT', 'querystring/limit must be an integer from 1 to 1000');
        const filter = filterOf(q, scopeOfRequest(req));
        const after = q.cursor !== undefined ? decodeCursor(q.cursor) : null;
        const page = await guarded(records, (r) => r.query(filter, { limit: q.limit ?? 100, order: q.order ?? 'desc', after }));
        return { items: page.items.map(recordOut), nextCursor: page.next ? encodeCursor(page.next) : null };
      },
    );

    app.get(
      '/calls.csv',
      {
        preValidation: anyRole,
        schema: {
          tags,
          summary: 'Call history as CSV, streamed from a database cursor (any size, constant memory)',
          querystring: CsvQuery,
          response: { 200: Type.String({ description: `text/csv; columns: ${CSV_COLUMNS.join(', ')}` }), ...errors(400, 401, 403, 503) },
        },
      },
      async (req, reply) => {
        const filter = filterOf(req.query, scopeOfRequest(req));
        const { rows, release } = await guarded(records, (r) => r.stream(filter, req.query.order ?? 'desc'));
        const csv = new Transform({
          writableObjectMode: true,
          transform(row: RecordRow, _enc, done) {
            done(null, csvLine(recordFromRow(row)));
          },
        });
        csv.push(CSV_COLUMNS.join(',') + '\r\n');
        // The cursor's connection goes back to the pool when the rows end, fail, or the client goes away.
        rows.on('error', (err) => {
          req.log.warn({ err: err.message }, 'CSV export failed mid-stream');
          release(err);
          csv.destroy(err);
        });
        rows.on('end', () => release());
        csv.on('close', () => {
          if (!rows.destroyed && !rows.readableEnded) {
            rows.destroy();
            release(new Error('CSV export abandoned by the client'));
          }
        });
        rows.pipe(csv);
        const day = new Date().toISOString().slice(0, 10);
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="calls-${day}.csv"`).send(csv as unknown as string); // documented as the CSV text; Fastify streams a Readable as it comes
      },
    );

    app.get(
      '/calls/:memberUuid',
      { preValidation: anyRole, schema: { tags, summary: 'One call record by member UUID', params: UuidParams, response: { 200: CallRecordSchema, ...errors(400, 401, 404, 503) } } },
      async (req) => {
        const found = await guarded(records, (r) => r.get(req.params.memberUuid));
        // Another queue's record is answered as if there were none.
        if (!found || !queueInScope(scopeOfRequest(req), found.queue)) throw new ApiError(404, 'CALL_NOT_FOUND', `no call record for member ${req.params.memberUuid}`);
        return recordOut(found);
      },
    );
  };
