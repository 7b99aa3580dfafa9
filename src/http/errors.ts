import { GrammarError } from '../callcenter/grammar.js';
import { CallcenterError } from '../callcenter/replies.js';
import { PartialChangeError } from '../callcenter/service.js';
import { EslLinkDownError, EslTimeoutError, EslWireError } from '../esl/errors.js';
import { CallerRecordError } from '../store/callers.js';
import { isRedisError } from '../store/redis.js';
import { QueueAdminError, type QueueAdminErrorCode } from '../queues/admin.js';
import { QueueStoreUnavailableError } from '../queues/store.js';

/** `{ "error": { "code", "message", …details } }` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; [k: string]: unknown };
}

const CC_STATUS: Partial<Record<CallcenterError['code'], number>> = {
  AGENT_NOT_FOUND: 404,
  QUEUE_NOT_FOUND: 404,
  TIER_NOT_FOUND: 404,
  AGENT_EXISTS: 409,
  TIER_EXISTS: 409,
  INVALID_TYPE: 400,
  INVALID_STATUS: 400,
  INVALID_STATE: 400,
  INVALID_KEY: 400,
  INVALID_ARGUMENTS: 400,
};

const QUEUE_ADMIN_STATUS: Record<QueueAdminErrorCode, number> = {
  QUEUE_EXISTS: 409,
  QUEUE_NOT_FOUND: 404,
  QUEUE_READ_ONLY: 409,
  QUEUE_HAS_CALLERS: 409,
  QUEUE_HAS_TIERS: 409,
  QUEUE_NOT_LOADED: 404,
  SWITCH_REFUSED: 502,
};

/** Maps any failure to the error a client sees; nothing internal leaks into 5xx bodies. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof GrammarError) return new ApiError(400, 'INVALID_INPUT', err.message, { field: err.field });
  if (err instanceof QueueAdminError) return new ApiError(QUEUE_ADMIN_STATUS[err.code], err.code, err.message, err.details);
  if (err instanceof QueueStoreUnavailableError) return new ApiError(503, 'QUEUE_STORE_DOWN', err.message);
  if (err instanceof EslWireError) return new ApiError(400, 'INVALID_INPUT', err.message);
  if (err instanceof CallerRecordError) return new ApiError(err.code === 'RECORD_TOO_LARGE' ? 413 : 400, err.code, err.message);
  if (err instanceof CallcenterError) {
    const status = CC_STATUS[err.code];
    if (status) return new ApiError(status, err.code, err.message);
    return new ApiError(502, 'SWITCH_ERROR', `FreeSWITCH refused the command: ${err.reply.slice(0, 200)}`, { switchCode: err.code });
  }
  if (err instanceof PartialChangeError) {
    const cause = toApiError(err.cause);
    return new ApiError(502, 'PARTIAL_CHANGE', `${err.message}: ${cause.message}`, { applied: err.applied, cause: cause.code });
  }
  if (err instanceof EslLinkDownError) return new ApiError(503, 'ESL_DOWN', 'FreeSWITCH is not reachable; nothing was changed');
  if (err instanceof EslTimeoutError) return new ApiError(504, 'SWITCH_TIMEOUT', `FreeSWITCH did not answer within ${err.timeoutMs} ms; the change may or may not have been applied`);
  if (isRedisError(err)) return new ApiError(503, 'REDIS_DOWN', 'Redis is not reachable');
  const e = err as { statusCode?: number; code?: string; validation?: unknown; message?: string };
  if (e?.validation) return new ApiError(400, 'INVALID_INPUT', e.message ?? 'invalid input');
  if (e?.code === 'FST_ERR_BAD_URL') return new ApiError(400, 'INVALID_INPUT', 'the URL is not validly percent-encoded UTF-8');
  if (e?.code === 'FST_ERR_MAX_PARAM_LENGTH') return new ApiError(400, 'INVALID_INPUT', 'a path parameter is too long');
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError(413, 'BODY_TOO_LARGE', 'request body too large');
  if (e?.statusCode === 429) {
    // @fastify/rate-limit throws what errorResponseBuilder built: the message is in `error`.
    const built = (err as { error?: { message?: unknown } }).error?.message;
    return new ApiError(429, 'RATE_LIMITED', typeof built === 'string' ? built : 'rate limit exceeded');
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // 400 from Fastify itself: a body that is not JSON, empty, or with a forbidden __proto__ key.
    return new ApiError(e.statusCode, e.statusCode === 400 ? 'INVALID_INPUT' : 'BAD_REQUEST', e.message ?? 'bad request');
  }
  return new ApiError(500, 'INTERNAL', 'internal error');
}

export function errorBody(e: ApiError): ErrorBody {
  return { error: { code: e.code, message: e.message, ...e.details } };
}
