import { isDialNumber, parseBlock, parseRules, type DialPolicy } from './policy.js';

/**
 * Outbound-call settings from the environment (loadConfig calls this). The
 * defaults allow nothing: an operator names the ranges agents and REST
 * callers may dial. See README "Outbound calls".
 */

export interface CallerId {
  readonly number: string;
  /** Shown as the caller's name where the network carries one; letters, digits, `.`, `_`, `-` only. */
  readonly name: string;
}

export interface OutboundConfig {
  readonly policy: DialPolicy;
  /** Dials per agent within a minute and within an hour (all gateway instances together). */
  readonly ratePerMinute: number;
  readonly ratePerHour: number;
  /** Caller ID when neither the agent nor one of its queues has one; null: such an agent cannot dial. */
  readonly defaultCallerId: CallerId | null;
  /** Caller IDs per queue or per agent (`name@domain` → caller ID); an agent's own entry wins over its queues'. */
  readonly callerIds: ReadonlyMap<string, CallerId>;
  /** The customer's dial string with `{number}` (as dialled) or `{digits}` (without `+`) in it. */
  readonly route: string;
  /** How long the agent's phone rings before the action fails (NO_ANSWER). */
  readonly agentRingS: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Premium-rate ranges refused by default (North American 900/976, UK 09 and 087, German 0900). */
export const DEFAULT_BLOCK = ['+1900', '+1976', '+449', '+4487', '+49900'];
export const DEFAULT_ROUTE = 'loopback/{number}/default/XML';

const CID_NAME = /^[A-Za-z0-9._-]{1,40}$/;
/**
 * A route: one endpoint of a known technology, the placeholder once, and no
 * character that is syntax in a dial string, an originate argument or the
 * inline dialplan (`,` `^` `'` `{` `[` spaces, `|`, `$`).
 */
const ROUTE = /^(sofia|loopback|user|freetdm)\/[A-Za-z0-9_.@:/+-]*\{(number|digits)\}[A-Za-z0-9_.@:/+-]*$/;

function callerId(text: string, what: string): CallerId {
  const colon = text.indexOf(':');
  const number = colon === -1 ? text : text.slice(0, colon);
  const name = colon === -1 ? 'Outbound' : text.slice(colon + 1);
  if (!isDialNumber(number)) throw new Error(`${what}: caller ID number ${JSON.stringify(number)} must be digits with an optional leading +`);
  if (!CID_NAME.test(name)) throw new Error(`${what}: caller ID name ${JSON.stringify(name)} may hold letters, digits, . _ - (no spaces)`);
  return { number, name };
}

function callerIds(text: string): Map<string, CallerId> {
  const out = new Map<string, CallerId>();
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? '' : entry.slice(0, eq);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}@[A-Za-z0-9.-]{1,190}$/.test(key)) throw new Error(`OUTBOUND_CALLER_IDS: ${JSON.stringify(entry)} must be <queue-or-agent>=<number>[:<name>]`);
    out.set(key, callerId(entry.slice(eq + 1), 'OUTBOUND_CALLER_IDS'));
  }
  return out;
}

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return n;
}

/** Throws a plain Error with the variable's name; loadConfig turns it into a ConfigError. */
export function outboundConfig(env: Env): OutboundConfig {
  const agentRules = parseRules(env.OUTBOUND_ALLOW ?? '', 'OUTBOUND_ALLOW');
  const apiRules = env.OUTBOUND_ALLOW_API === undefined ? agentRules : parseRules(env.OUTBOUND_ALLOW_API, 'OUTBOUND_ALLOW_API');
  const block = env.OUTBOUND_BLOCK === undefined ? DEFAULT_BLOCK : parseBlock(env.OUTBOUND_BLOCK, 'OUTBOUND_BLOCK');
  const route = env.OUTBOUND_ROUTE || DEFAULT_ROUTE;
  if (!ROUTE.test(route) || route.split('/').some((seg) => seg === '.' || seg === '..')) {
    throw new Error(`OUTBOUND_ROUTE: ${JSON.stringify(route)} must be one endpoint such as sofia/gateway/pstn/{number} (with {number} or {digits} once; no spaces, commas, quotes, braces or brackets besides the placeholder)`);
  }
  return {
    policy: { allow: { agent: agentRules, api: apiRules }, block },
    ratePerMinute: int(env, 'OUTBOUND_RATE_PER_MINUTE', 5, 1, 10_000),
    ratePerHour: int(env, 'OUTBOUND_RATE_PER_HOUR', 60, 1, 100_000),
    defaultCallerId: env.OUTBOUND_CALLER_ID ? callerId(env.OUTBOUND_CALLER_ID, 'OUTBOUND_CALLER_ID') : null,
    callerIds: callerIds(env.OUTBOUND_CALLER_IDS ?? ''),
    route,
    agentRingS: int(env, 'OUTBOUND_AGENT_RING_S', 30, 5, 300),
  };
}
