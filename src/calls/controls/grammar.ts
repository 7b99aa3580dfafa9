import { NAME_PATTERN } from '../../callcenter/grammar.js';
import { ControlError } from './errors.js';

/**
 * Strict grammars for the values a client may give a call control. Channel
 * uuids are never among them: every uuid reaching a command comes from the
 * call model (what the switch reported). Anything outside these sets is
 * refused before a command is built; the switch splits api arguments on
 * spaces, and a destination is run through the dialplan, so the sets are small
 * on purpose (no spaces, quotes, `|`, `,`, `{`, `$`, `@`, `/`).
 */

/** DTMF digits as `uuid_send_dtmf` takes them (no `@duration`, no `w`/`W` pauses). */
export const DIGITS_PATTERN = '^[0-9*#A-D]{1,32}$';
/** A dialplan extension of the transfer context. */
export const EXTENSION_PATTERN = '^[0-9]{2,10}$';
/** An outside number: digits with an optional leading `+`; then it must match an admin route. */
export const NUMBER_PATTERN = '^\\+?[0-9]{3,20}$';
export { NAME_PATTERN as QUEUE_PATTERN, NAME_PATTERN as AGENT_PATTERN };

const DIGITS = new RegExp(DIGITS_PATTERN);
const EXTENSION = new RegExp(EXTENSION_PATTERN);
const NUMBER = new RegExp(NUMBER_PATTERN);
const QUEUE = new RegExp(NAME_PATTERN);
/** A channel uuid as the switch prints it (checked again before it is used in a command). */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A hold-music source (`local_stream://moh`, a file path): no spaces or expansion characters. */
const MUSIC = /^[A-Za-z0-9_./:+-]{1,200}$/;

/**
 * `agent`: another agent by name (`name@domain`); the gateway resolves it to the
 * extension of the agent's current contact from the view when the control runs
 * (agent-target.ts), so a page never names a phone.
 */
export type TransferKind = 'extension' | 'queue' | 'number' | 'agent';
export interface TransferTarget {
  readonly kind: TransferKind;
  readonly to: string;
}

function bad(field: string, value: unknown, rule: string): never {
  throw new ControlError('BAD_MESSAGE', `${field} ${JSON.stringify(String(value)).slice(0, 40)} ${rule}`);
}

export function digits(value: unknown): string {
  if (typeof value !== 'string' || !DIGITS.test(value)) bad('digits', value, 'must be 1 to 32 of 0-9 * # A-D');
  return value;
}

export function transferTarget(kind: unknown, to: unknown): TransferTarget {
  if (typeof to !== 'string') bad('to', to, 'must be a string');
  switch (kind) {
    case 'extension':
      if (!EXTENSION.test(to)) bad('extension', to, 'must be 2 to 10 digits');
      return { kind, to };
    case 'queue':
      if (to.length > 128 || !QUEUE.test(to)) bad('queue', to, 'must look like name@domain');
      return { kind, to };
    case 'number':
      if (!NUMBER.test(to)) bad('number', to, 'must be 3 to 20 digits with an optional leading +');
      return { kind, to };
    case 'agent':
      if (to.length > 128 || !QUEUE.test(to)) bad('agent', to, 'must look like name@domain');
      return { kind, to };
    default:
      return bad('kind', kind, 'must be extension, queue, number or agent');
  }
}

/** A uuid from the model, checked once more before it goes into a command. */
export function legUuid(value: string): string {
  if (!UUID.test(value)) throw new ControlError('CALL_GONE', 'the call has no usable channel id');
  return value;
}

/** The queue's music for the caller on hold, when it is a plain source; null otherwise. */
export function holdMusic(value: string | undefined): string | null {
  return value && MUSIC.test(value) ? value : null;
}
