import { EslWireError } from './errors.js';

// Any control character could end or split an ESL command block (LF), or be
// mangled by the switch (CR is stripped, NUL ends a C string).
// eslint-disable-next-line no-control-regex -- matching control characters is this regex's job
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Throws EslWireError when `text` contains a character that must not reach the switch. */
export function assertWireSafe(text: string, what = 'command'): void {
  if (CONTROL.test(text)) throw new EslWireError(`${what} contains a control character; refused`);
}
