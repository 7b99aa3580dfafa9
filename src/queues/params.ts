import { AGENT_STATUSES, QUEUE_STRATEGIES } from '../callcenter/vocabulary.js';
import { GrammarError } from '../callcenter/grammar.js';

/**
 * Every queue parameter mod_callcenter 1.10.12 reads from `callcenter.conf`
 * (queue_set_config() in mod_callcenter.c), with the type and range the switch
 * enforces. The switch does not refuse a bad value: switch_xml_config logs it and
 * silently takes the default (an int out of 0..86400, a word that is no number),
 * an unknown strategy orders agents like sequentially-by-agent-order, and an
 * unknown agent-no-answer-status becomes On Break. So a bad value is refused here,
 * before it is stored or served, or the admin would get a queue that differs
 * from what they asked for without any error.
 */

/** The strategies mod_callcenter orders agents by (any other word falls back silently). */
export const STRATEGIES = QUEUE_STRATEGIES;

export const TIME_BASE_SCORES = ['queue', 'system'] as const;

/** config_int_0_86400 in mod_callcenter.c. */
const INT_MAX = 86_400;

type ParamSpec =
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly default: string; readonly help: string }
  | { readonly type: 'int'; readonly default: number; readonly help: string }
  | { readonly type: 'bool'; readonly default: boolean; readonly help: string }
  | { readonly type: 'sound'; readonly default: string; readonly help: string }
  | { readonly type: 'template'; readonly default: string; readonly help: string };

/** Key (as in callcenter.conf) → type, the switch's default, what it does. In queue_set_config() order. */
export const QUEUE_PARAMS = {
  strategy: { type: 'enum', values: STRATEGIES, default: 'longest-idle-agent', help: 'how agents are chosen' },
  'moh-sound': { type: 'sound', default: '', help: 'what a waiting caller hears' },
  'announce-sound': { type: 'sound', default: '', help: 'played over the hold music every announce-frequency seconds' },
  'announce-frequency': { type: 'int', default: 0, help: 'seconds between announcements (0: none)' },
  'record-template': { type: 'template', default: '', help: 'file an answered call is recorded to (empty: no recording)' },
  'time-base-score': { type: 'enum', values: TIME_BASE_SCORES, default: 'queue', help: 'queue: waiting time counts from joining this queue; system: from the call start' },
  'ring-progressively-delay': { type: 'int', default: 0, help: 'ring-progressively: seconds before the next agent is added' },
  'tier-rules-apply': { type: 'bool', default: false, help: 'offer lower tier levels only after tier-rule-wait-second' },
  'tier-rule-wait-second': { type: 'int', default: 0, help: 'seconds before the next tier level is tried' },
  'tier-rule-wait-multiply-level': { type: 'bool', default: false, help: 'multiply the wait by the level' },
  'tier-rule-no-agent-no-wait': { type: 'bool', default: true, help: 'skip a level at once when it has no available agent' },
  'discard-abandoned-after': { type: 'int', default: 60, help: 'seconds an abandoned caller keeps its place' },
  'abandoned-resume-allowed': { type: 'bool', default: false, help: 'a caller who calls back within discard-abandoned-after resumes its place' },
  'max-wait-time': { type: 'int', default: 0, help: 'seconds before a caller leaves the queue (0: no limit)' },
  'max-wait-time-with-no-agent': { type: 'int', default: 0, help: 'seconds with no agent logged in before callers leave (0: no limit)' },
  'max-wait-time-with-no-agent-time-reached': { type: 'int', default: 5, help: 'grace seconds for a caller joining after that limit was reached' },
  'agent-no-answer-status': { type: 'enum', values: AGENT_STATUSES, default: 'On Break', help: 'status an agent gets after max-no-answer unanswered offers' },
  'skip-agents-with-external-calls': { type: 'bool', default: true, help: 'skip agents on a call that is not from a queue' },
} as const satisfies Record<string, ParamSpec>;

export type QueueParamKey = keyof typeof QUEUE_PARAMS;
export const QUEUE_PARAM_KEYS = Object.keys(QUEUE_PARAMS) as QueueParamKey[];
export type QueueParamValue = string | number | boolean;
/** A queue's parameters: only the ones set; the switch takes its default for the rest. */
export type QueueParams = Partial<Record<QueueParamKey, QueueParamValue>>;

export function isQueueParamKey(key: string): key is QueueParamKey {
  return Object.hasOwn(QUEUE_PARAMS, key);
}

/**
 * Sounds: a stream or a file the switch plays itself. No `$`, braces, quotes,
 * spaces or angle brackets: `${…}` would be expanded per caller (and `${cmd(…)}`
 * runs an API command), and the value goes into XML.
 */
const SOUND = /^(?:(?:local_stream|tone_stream|silence_stream|file_string|shout|http|https):\/\/[A-Za-z0-9_.,:;%=()!/+@-]{1,400}|\/[A-Za-z0-9_.,/+@-]{1,400}|[A-Za-z0-9_][A-Za-z0-9_.,/+@-]{0,400}\.(?:wav|mp3|ogg|sln|gsm|au))$/;

/** Channel variables a record-template may name (expanded by the switch when the call is answered). */
export const RECORD_TEMPLATE_VARIABLES = [
  'uuid',
  'caller_id_number',
  'caller_id_name',
  'destination_number',
  'cc_queue',
  'cc_agent',
  'cc_member_uuid',
  'cc_member_session_uuid',
  'recordings_dir',
] as const;
const TEMPLATE_TOKEN = /\$\{([a-z_]+)\}|\$\{strftime\(([%A-Za-z_:. -]{1,40})\)\}|\$\$\{(recordings_dir|base_dir)\}/g;
const TEMPLATE_TEXT = /^[A-Za-z0-9_.,/+@%-]*$/;

function sound(key: string, value: unknown): string {
  if (typeof value !== 'string') throw new GrammarError(key, 'must be a string');
  if (value === '') return value;
  if (!SOUND.test(value) || value.includes('..')) {
    throw new GrammarError(key, 'must be a stream (local_stream://moh, tone_stream://…, silence_stream://-1) or an absolute file path, without spaces, quotes, $ or braces');
  }
  return value;
}

function template(key: string, value: unknown): string {
  if (typeof value !== 'string') throw new GrammarError(key, 'must be a string');
  if (value.length > 400) throw new GrammarError(key, 'must be at most 400 characters');
  let bad: string | null = null;
  const rest = value.replace(TEMPLATE_TOKEN, (_m, name: string | undefined) => {
    if (name !== undefined && !(RECORD_TEMPLATE_VARIABLES as readonly string[]).includes(name)) bad = name;
    return '';
  });
  if (bad !== null) throw new GrammarError(key, `variable ${JSON.stringify(bad)} is not allowed (allowed: ${RECORD_TEMPLATE_VARIABLES.join(', ')}, strftime(…), $\${recordings_dir})`);
  if (!TEMPLATE_TEXT.test(rest) || value.includes('..')) {
    throw new GrammarError(key, 'must be a file path of letters, digits and _ . , / + @ % - with ${variable} or ${strftime(…)} parts only');
  }
  if (value !== '' && !/\.(wav|mp3|ogg)$/.test(value)) throw new GrammarError(key, 'must end in .wav, .mp3 or .ogg');
  return value;
}

/** One parameter, checked against what the switch accepts (throws GrammarError). */
export function queueParam(key: string, value: unknown): QueueParamValue {
  if (!isQueueParamKey(key)) throw new GrammarError(key, `is not a mod_callcenter queue parameter (known: ${QUEUE_PARAM_KEYS.join(', ')})`);
  const spec: ParamSpec = QUEUE_PARAMS[key];
  switch (spec.type) {
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) throw new GrammarError(key, `must be one of ${spec.values.join(', ')}`);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT_MAX) throw new GrammarError(key, `must be an integer from 0 to ${INT_MAX}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new GrammarError(key, 'must be true or false');
      return value;
    case 'sound':
      return sound(key, value);
    case 'template':
      return template(key, value);
  }
}

/** A whole set of parameters (all checked before any is used). `null` values are kept: they mean "back to the default" in a patch. */
export function queueParams(input: unknown): QueueParams {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new GrammarError('params', 'must be an object');
  const out: QueueParams = {};
  for (const [key, value] of Object.entries(input)) {
    if (!isQueueParamKey(key)) queueParam(key, value);
    else out[key] = queueParam(key, value);
  }
  return out;
}

/** A patch: like queueParams, but `null` removes a parameter (the switch's default applies again). */
export function queueParamsPatch(input: unknown): { set: QueueParams; unset: QueueParamKey[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new GrammarError('params', 'must be an object');
  const set: QueueParams = {};
  const unset: QueueParamKey[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (value === null) {
      if (!isQueueParamKey(key)) queueParam(key, value);
      unset.push(key as QueueParamKey);
    } else {
      set[key as QueueParamKey] = queueParam(key, value);
    }
  }
  return { set, unset };
}

/** The value as callcenter.conf spells it. */
export function paramText(value: QueueParamValue): string {
  return typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
}

/**
 * Parameters from a row of `callcenter_config queue list` (a queue being taken
 * over from the files). announce-sound and announce-frequency are not in that
 * list; values the switch shows that this gateway would refuse are left out and named.
 */
export function paramsFromQueueList(row: Readonly<Record<string, string>>): { params: QueueParams; skipped: string[] } {
  const params: QueueParams = {};
  const skipped: string[] = [];
  for (const key of QUEUE_PARAM_KEYS) {
    const raw = row[key.replaceAll('-', '_')];
    if (raw === undefined) continue;
    const spec: ParamSpec = QUEUE_PARAMS[key];
    const value: unknown = spec.type === 'int' ? (/^\d+$/.test(raw) ? Number(raw) : raw) : spec.type === 'bool' ? raw === 'true' : raw;
    if ((spec.type === 'sound' || spec.type === 'template') && raw === '') continue;
    try {
      params[key] = queueParam(key, value);
    } catch {
      skipped.push(key);
    }
  }
  return { params, skipped };
}
