import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ControlResult } from '../../calls/controls/controls.js';
import { ControlError, type ControlErrorCode } from '../../calls/controls/errors.js';
import { EXTENSION_PATTERN, NUMBER_PATTERN, QUEUE_PATTERN } from '../../calls/controls/grammar.js';
import { anyRole } from '../auth.js';
import { actorOf, type HttpDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { errors } from '../schemas.js';
import { callInScope, scopeOf } from '../../supervisor/scope.js';

const STATUS: Record<ControlErrorCode, number> = {
  BAD_MESSAGE: 400,
  BAD_TARGET: 400,
  NOT_ALLOWED: 403,
  NO_CALL: 404,
  CONTROL_BUSY: 409,
  CALL_GONE: 410,
  SWITCH_REFUSED: 502,
  SWITCH_DOWN: 503,
  SWITCH_TIMEOUT: 504,
};

const Params = Type.Object({ memberSessionUuid: Type.String({ pattern: '^[0-9a-fA-F-]{36}$', description: 'The call’s key in GET /api/calls/active' }) });
const Result = Type.Object({
  control: Type.String(),
  memberSessionUuid: Type.String(),
  memberUuid: Type.String(),
  reply: Type.String({ description: 'The switch’s reply to the command' }),
  latencyMs: Type.Number({ description: 'From the command to the switch’s confirming event' }),
});
const Transfer = Type.Union([
  Type.Object({ kind: Type.Literal('extension'), to: Type.String({ pattern: EXTENSION_PATTERN }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('queue'), to: Type.String({ pattern: QUEUE_PATTERN, maxLength: 128 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('number'), to: Type.String({ pattern: NUMBER_PATTERN, description: 'Allowed only when it matches an admin route (TRANSFER_NUMBER_ROUTES)' }) }, { additionalProperties: false }),
]);

async function run(op: () => Promise<ControlResult>): Promise<ControlResult> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof ControlError) throw new ApiError(STATUS[err.code], err.code === 'BAD_MESSAGE' ? 'INVALID_INPUT' : err.code, err.message);
    throw err;
  }
}

/**
 * Call controls for supervisors and CRMs (roles admin and supervisor): hang up
 * or blind-transfer any call of GET /api/calls/active. Answered once the switch
 * confirmed, like the desk's controls; the agent's page gets the same pushes.
 * Routes build no switch command: CallControls does (src/calls/controls).
 */
export const callControlRoutes =
  (deps: HttpDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const controls = () => {
      if (!deps.controls) throw new ApiError(503, 'SWITCH_DOWN', 'call controls are not available');
      return deps.controls;
    };
    // A token limited to some queues (TOKEN_QUEUES) acts on their calls only; another queue's call
    // is answered as if it did not exist, so a scoped token cannot even probe for it.
    const inScope = (req: { principal: { queues?: readonly string[] } | null; params: { memberSessionUuid: string } }) => {
      const call = deps.calls.get(req.params.memberSessionUuid);
      if (call && req.principal && !callInScope(scopeOf(req.principal), call)) throw new ApiError(404, 'NO_CALL', 'no such call');
    };
    const responses = { 200: Result, ...errors(400, 401, 403, 404, 409, 410, 502, 503, 504) };
    app.post(
      '/calls/active/:memberSessionUuid/hangup',
      { preValidation: anyRole, schema: { tags: ['calls'], summary: 'Hang up a call (its agent leg when bridged, else the caller)', params: Params, response: responses } },
      async (req) => {
        inScope(req);
        return run(() => controls().hangup({ memberSessionUuid: req.params.memberSessionUuid }, actorOf(req)));
      },
    );
    app.post(
      '/calls/active/:memberSessionUuid/transfer',
      { preValidation: anyRole, schema: { tags: ['calls'], summary: 'Blind-transfer the caller to an extension, a queue or an admin-routed number', params: Params, body: Transfer, response: responses } },
      async (req) => {
        inScope(req);
        return run(() => controls().transfer({ memberSessionUuid: req.params.memberSessionUuid }, { kind: req.body.kind, to: req.body.to }, actorOf(req)));
      },
    );
  };
