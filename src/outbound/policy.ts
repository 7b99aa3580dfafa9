/**
 * The dial policy: which numbers may be called, by whom. Toll fraud is the
 * risk (a stolen desk session or CRM token used to call premium or foreign
 * numbers), so everything here denies by default:
 *
 * - a number is digits with an optional leading `+`, nothing else: no spaces,
 *   letters, `|`, `,`, braces, brackets, `/`, `@` — characters that mean
 *   something in a FreeSWITCH dial string or dialplan never get near one;
 * - it must match an allowed rule of the caller's role (prefix and length);
 * - a blocked prefix (premium ranges) refuses it whatever the allow rules say.
 *
 * Pure: the configuration comes in, a decision goes out.
 */

/** Who asks: an agent from the desk, or a REST token (supervisor, admin, CRM integration). */
export type DialRole = 'agent' | 'api';

/** An allowed range: numbers starting with `prefix` and `minDigits`…`maxDigits` digits long (the `+` not counted). */
export interface DialRule {
  readonly prefix: string;
  readonly minDigits: number;
  readonly maxDigits: number;
}

export interface DialPolicy {
  readonly allow: { readonly agent: readonly DialRule[]; readonly api: readonly DialRule[] };
  /** Prefixes refused for every role, checked before the allow rules. */
  readonly block: readonly string[];
}

export type PolicyRefusal = 'NUMBER_INVALID' | 'NUMBER_NOT_ALLOWED';

export type PolicyDecision = { readonly ok: true; readonly number: string } | { readonly ok: false; readonly code: PolicyRefusal; readonly reason: string };

/** The number grammar: `+` optional, then 3 to 20 digits. */
export const NUMBER_PATTERN = '^\\+?[0-9]{3,20}$';
const NUMBER = new RegExp(NUMBER_PATTERN);
/** A prefix in the configuration: the same alphabet, at least one digit. */
const PREFIX = /^\+?[0-9]{0,20}$/;

export function isDialNumber(value: unknown): value is string {
  return typeof value === 'string' && NUMBER.test(value);
}

const digits = (s: string): string => (s.startsWith('+') ? s.slice(1) : s);

/**
 * A blocked prefix matches the number as written and also in the other
 * spelling of the same digits (`+1900` blocks `1900…` too), so that dropping
 * or adding the `+` does not walk around the block list.
 */
function blockedBy(number: string, block: readonly string[]): string | null {
  const d = digits(number);
  for (const p of block) if (number.startsWith(p) || d.startsWith(digits(p))) return p;
  return null;
}

function allowedBy(number: string, rules: readonly DialRule[]): DialRule | null {
  const n = digits(number).length;
  for (const r of rules) if (number.startsWith(r.prefix) && n >= r.minDigits && n <= r.maxDigits) return r;
  return null;
}

export function checkNumber(policy: DialPolicy, role: DialRole, number: unknown): PolicyDecision {
  if (!isDialNumber(number)) {
    return { ok: false, code: 'NUMBER_INVALID', reason: 'a number is 3 to 20 digits with an optional leading + (no spaces, letters or other characters)' };
  }
  const blocked = blockedBy(number, policy.block);
  if (blocked !== null) return { ok: false, code: 'NUMBER_NOT_ALLOWED', reason: `numbers starting with ${blocked} are blocked` };
  if (!allowedBy(number, policy.allow[role])) return { ok: false, code: 'NUMBER_NOT_ALLOWED', reason: 'the number is outside the ranges allowed for outbound calls' };
  return { ok: true, number };
}

/**
 * Parses an allow list: `<prefix>[:<digits>|:<min>-<max>]`, comma-separated,
 * e.g. `+1555:11,+44:11-13,1001:4`. Without a length, 3 to 20 digits.
 */
export function parseRules(text: string, what: string): DialRule[] {
  const rules: DialRule[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\+?[0-9]*)(?::([0-9]{1,2})(?:-([0-9]{1,2}))?)?$/.exec(raw);
    if (!m || !PREFIX.test(m[1] ?? '')) throw new Error(`${what}: ${JSON.stringify(raw)} must be <prefix>[:<digits>|:<min>-<max>] (prefix: digits with an optional +)`);
    const prefix = m[1] ?? '';
    const min = m[2] === undefined ? 3 : Number(m[2]);
    const max = m[3] === undefined ? (m[2] === undefined ? 20 : min) : Number(m[3]);
    if (min < 3 || max > 20 || min > max) throw new Error(`${what}: ${JSON.stringify(raw)}: lengths must be within 3-20 digits, min ≤ max`);
    if (digits(prefix).length > max) throw new Error(`${what}: ${JSON.stringify(raw)}: the prefix is longer than the numbers it allows`);
    rules.push({ prefix, minDigits: min, maxDigits: max });
  }
  return rules;
}

export function parseBlock(text: string, what: string): string[] {
  const out: string[] = [];
  for (const p of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!PREFIX.test(p) || digits(p).length === 0) throw new Error(`${what}: ${JSON.stringify(p)} must be digits with an optional leading +`);
    out.push(p);
  }
  return out;
}
