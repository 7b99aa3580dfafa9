import { AGENT_STATUSES, AGENT_STATES, AGENT_TYPES, TIER_STATES, isOneOf, type AgentState, type AgentStatus, type AgentType, type TierState } from './vocabulary.js';

/**
 * Strict grammars for every value that can reach a `callcenter_config`
 * command. Anything outside them is refused before a command is built: the
 * switch splits arguments on spaces, treats quotes specially and expands
 * `${…}` in dial strings, and a contact can carry channel variables such as
 * `api_on_answer` that run commands, so the allowed sets are small on purpose.
 */

export class GrammarError extends Error {
  override readonly name = 'GrammarError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const LOCAL = '[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}';
const DOMAIN = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*';
const NAME_AT_DOMAIN = new RegExp(`^${LOCAL}@${DOMAIN}$`);
const MAX_NAME = 128;

export const NAME_PATTERN = `^${LOCAL}@${DOMAIN}$`;

function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new GrammarError(field, 'must be a string');
  if (value.length > MAX_NAME || !NAME_AT_DOMAIN.test(value)) {
    throw new GrammarError(field, 'must look like name@domain (letters, digits, . _ + - ; at most 128 characters)');
  }
  return value;
}

export const agentName = (value: unknown): string => checkName('agent', value);
export const queueName = (value: unknown): string => checkName('queue', value);

/** Channel variables a contact may set, with the values each accepts. */
const CONTACT_VARIABLES: Readonly<Record<string, RegExp>> = {
  leg_timeout: /^[0-9]{1,4}$/,
  originate_timeout: /^[0-9]{1,4}$/,
  call_timeout: /^[0-9]{1,4}$/,
  ignore_early_media: /^(true|false)$/,
  sip_auto_answer: /^(true|false)$/,
  absolute_codec_string: /^[A-Za-z0-9]{1,16}(?::[A-Za-z0-9]{1,16})*$/,
};

/** Endpoint part: a known technology, then a path without separators or expansion characters. */
const ENDPOINT = /^(user|sofia|loopback|null|verto\.rtc|freetdm)\/[A-Za-z0-9_.+@:/-]{1,200}$/;
const VAR_BLOCK = /^([[{])([^\]{}[]*)([\]}])/;

/**
 * A single-endpoint dial string, optionally prefixed by `{…}` or `[…]` blocks
 * of allow-listed variables: `user/1001`, `sofia/gateway/gw1/15551234567`,
 * `[leg_timeout=20]user/1001@default`.
 */
export function contact(value: unknown): string {
  if (typeof value !== 'string') throw new GrammarError('contact', 'must be a string');
  if (value.length === 0 || value.length > 256) throw new GrammarError('contact', 'must be 1 to 256 characters');
  let rest = value;
  for (let blocks = 0; rest.startsWith('{') || rest.startsWith('['); blocks++) {
    const m = VAR_BLOCK.exec(rest);
    if (!m || blocks >= 2 || (m[1] === '{' ? '}' : ']') !== m[3]) throw new GrammarError('contact', 'malformed variable block');
    for (const pair of (m[2] ?? '').split(',')) {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      const check = Object.hasOwn(CONTACT_VARIABLES, name) ? CONTACT_VARIABLES[name] : undefined;
      if (!check) throw new GrammarError('contact', `channel variable ${JSON.stringify(name.slice(0, 40))} is not allowed (allowed: ${Object.keys(CONTACT_VARIABLES).join(', ')})`);
      if (!check.test(pair.slice(eq + 1))) throw new GrammarError('contact', `bad value for ${name}`);
    }
    rest = rest.slice(m[0].length);
  }
  if (!ENDPOINT.test(rest)) {
    throw new GrammarError('contact', 'must be one endpoint such as user/1001, sofia/gateway/NAME/NUMBER or null/NAME (no spaces, quotes, | & , ; $ or braces)');
  }
  // `:_:` is FreeSWITCH's enterprise-originate separator: it would make a second endpoint.
  if (rest.includes(':_:')) throw new GrammarError('contact', 'must be one endpoint (no :_: separator)');
  if (rest.split('/').some((seg) => seg === '.' || seg === '..')) throw new GrammarError('contact', 'must not contain . or .. path segments');
  return value;
}

export function agentStatus(value: unknown): AgentStatus {
  if (typeof value !== 'string' || !isOneOf(AGENT_STATUSES, value)) throw new GrammarError('status', `must be one of ${AGENT_STATUSES.join(', ')}`);
  return value;
}

export function agentState(value: unknown): AgentState {
  if (typeof value !== 'string' || !isOneOf(AGENT_STATES, value) || value === 'Unknown') {
    throw new GrammarError('state', `must be one of ${AGENT_STATES.filter((s) => s !== 'Unknown').join(', ')}`);
  }
  return value;
}

export function agentType(value: unknown): AgentType {
  if (typeof value !== 'string' || !isOneOf(AGENT_TYPES, value)) throw new GrammarError('type', `must be one of ${AGENT_TYPES.join(', ')}`);
  return value;
}

export function tierState(value: unknown): TierState {
  if (typeof value !== 'string' || !isOneOf(TIER_STATES, value) || value === 'Unknown') {
    throw new GrammarError('state', `must be one of ${TIER_STATES.filter((s) => s !== 'Unknown').join(', ')}`);
  }
  return value;
}

export function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new GrammarError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

const DESK_ENDPOINT = /^user\/[A-Za-z0-9_.+-]{1,64}(@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))?$/;

/**
 * A contact an agent may choose from the desk (dynamic seat): a phone of the
 * switch's own directory, `user/<ext>[@domain]`, with the same allow-listed
 * variables. Gateways, external SIP URIs and loopback contexts are for admins
 * (REST), since every offer would dial them.
 */
export function deskContact(value: unknown): string {
  const c = contact(value);
  const endpoint = c.replace(/^([[{][^\]}]*[\]}])+/, '');
  if (!DESK_ENDPOINT.test(endpoint)) throw new GrammarError('contact', 'from the desk, a phone must be user/EXTENSION or user/EXTENSION@DOMAIN');
  return c;
}
