/**
 * One JSON text frame → a typed message, checked by the compiled schema of its `type`.
 * Shared by the desk socket (messages.ts) and the supervisor socket (supervisor/protocol.ts):
 * both refuse with the same codes and texts.
 */
export interface TypeCheck {
  Check(value: unknown): boolean;
  Errors(value: unknown): Iterable<{ instancePath: string; message: string }>;
}

export type Parsed<M> =
  | { ok: true; message: M }
  | { ok: false; code: 'BAD_JSON' | 'BAD_MESSAGE' | 'UNKNOWN_TYPE'; message: string; id: string | number | null };

export function parseTypedMessage<M>(text: string, validators: Readonly<Record<string, TypeCheck>>): Parsed<M> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: 'BAD_JSON', message: 'message is not JSON', id: null };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, code: 'BAD_MESSAGE', message: 'message must be a JSON object', id: null };
  const obj = value as Record<string, unknown>;
  const id = typeof obj.id === 'string' || (typeof obj.id === 'number' && Number.isInteger(obj.id)) ? obj.id : null;
  const type = obj.type;
  if (typeof type !== 'string' || !Object.hasOwn(validators, type)) return { ok: false, code: 'UNKNOWN_TYPE', message: `unknown message type ${JSON.stringify(String(type)).slice(0, 40)}`, id };
  const v = validators[type]!;
  if (!v.Check(value)) {
    const first = [...v.Errors(value)][0];
    return { ok: false, code: 'BAD_MESSAGE', message: `invalid ${type} message${first ? `: ${first.instancePath || '/'} ${first.message}` : ''}`, id };
  }
  // The schema of its type accepted it: it is that message.
  return { ok: true, message: value as M };
}
