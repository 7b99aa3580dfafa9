/**
 * Why a call control was refused. Every refusal leaves the call as it was,
 * except SWITCH_TIMEOUT: the switch may still carry the command out (the
 * pushes and GET /api/calls/active then show what it did).
 */
export type ControlErrorCode =
  | 'NO_CALL'
  | 'CALL_GONE'
  | 'NOT_ALLOWED'
  | 'BAD_TARGET'
  | 'CONTROL_BUSY'
  | 'BAD_MESSAGE'
  | 'SWITCH_REFUSED'
  | 'SWITCH_TIMEOUT'
  | 'SWITCH_DOWN';

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly code: ControlErrorCode,
    message: string,
  ) {
    super(message);
  }
}
