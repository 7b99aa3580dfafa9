import { XMLParser } from 'fast-xml-parser';
import type { QueueConfig } from './switch-model.js';

/**
 * mod_xml_curl as mod_callcenter meets it: `queue load|reload <name>` makes
 * load_queue() open `callcenter.conf` with the params event `CC-Queue: <name>`,
 * and switch_xml_locate() asks each binding (here: one) before the files.
 * Like xml_url_fetch() in mod_xml_curl.c, the lookup is a POST of
 * `hostname, section, tag_name, key_name, key_value` plus the params event's
 * headers, form-urlencoded, with Basic credentials (gateway-credentials).
 * A 200 with `<section name="result"><result status="not found"/>`, any other
 * status, a connection error or XML without the queue: the files decide.
 */

export interface XmlCurlBinding {
  /** gateway-url */
  readonly url: string;
  /** gateway-credentials, `user:password` (auth-scheme basic) */
  readonly credentials?: string;
  /** timeout, ms (the real binding's is in seconds) */
  readonly timeoutMs?: number;
}

export interface LookupIdentity {
  readonly hostname: string;
  readonly coreUuid: string;
}

export type QueueLookup =
  | { readonly outcome: 'found'; readonly config: QueueConfig }
  | { readonly outcome: 'not_found' | 'error'; readonly detail: string };

/** The form switch_event_build_param_string() sends for the lookup (REQUEST_PARAMS event headers after the basic data). */
export function lookupForm(queue: string, id: LookupIdentity): URLSearchParams {
  return new URLSearchParams([
    ['hostname', id.hostname],
    ['section', 'configuration'],
    ['tag_name', 'configuration'],
    ['key_name', 'name'],
    ['key_value', 'callcenter.conf'],
    ['Event-Name', 'REQUEST_PARAMS'],
    ['Core-UUID', id.coreUuid],
    ['FreeSWITCH-Hostname', id.hostname],
    ['FreeSWITCH-Switchname', id.hostname],
    ['Event-Calling-File', 'mod_callcenter.c'],
    ['Event-Calling-Function', 'load_queue'],
    ['CC-Queue', queue],
  ]);
}

const CAMEL: Readonly<Record<string, { key: keyof QueueConfig; type: 'string' | 'int' | 'bool' }>> = {
  strategy: { key: 'strategy', type: 'string' },
  'moh-sound': { key: 'mohSound', type: 'string' },
  'record-template': { key: 'recordTemplate', type: 'string' },
  'time-base-score': { key: 'timeBaseScore', type: 'string' },
  'ring-progressively-delay': { key: 'ringProgressivelyDelay', type: 'int' },
  'tier-rules-apply': { key: 'tierRulesApply', type: 'bool' },
  'tier-rule-wait-second': { key: 'tierRuleWaitSecond', type: 'int' },
  'tier-rule-wait-multiply-level': { key: 'tierRuleWaitMultiplyLevel', type: 'bool' },
  'tier-rule-no-agent-no-wait': { key: 'tierRuleNoAgentNoWait', type: 'bool' },
  'discard-abandoned-after': { key: 'discardAbandonedAfter', type: 'int' },
  'abandoned-resume-allowed': { key: 'abandonedResumeAllowed', type: 'bool' },
  'max-wait-time': { key: 'maxWaitTime', type: 'int' },
  'max-wait-time-with-no-agent': { key: 'maxWaitTimeWithNoAgent', type: 'int' },
  'max-wait-time-with-no-agent-time-reached': { key: 'maxWaitTimeWithNoAgentTimeReached', type: 'int' },
  'agent-no-answer-status': { key: 'agentNoAnswerStatus', type: 'string' },
  'skip-agents-with-external-calls': { key: 'skipAgentsWithExternalCalls', type: 'bool' },
};

type Node = Record<string, unknown>;
const asArray = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v && typeof v === 'object' ? [v as Node] : []);

/**
 * The queue's params from an answer document, as switch_xml_config_parse_event
 * reads them: an int that is no number or outside 0..86400 takes the default
 * (the double leaves it unset, i.e. default), a bool is switch_true().
 */
export function queueFromDocument(xml: string, queue: string): QueueLookup {
  let doc: Node;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseAttributeValue: false, parseTagValue: false }).parse(xml) as Node;
  } catch (err) {
    return { outcome: 'error', detail: `Error Parsing Result: ${(err as Error).message}` };
  }
  const sections = asArray((doc.document as Node | undefined)?.section);
  const result = sections.find((s) => s['@name'] === 'result');
  if (result && asArray(result.result).some((r) => String(r['@status']).toLowerCase() === 'not found')) return { outcome: 'not_found', detail: 'not found' };
  const conf = asArray(sections.find((s) => s['@name'] === 'configuration')?.configuration).find((c) => c['@name'] === 'callcenter.conf');
  const q = asArray(asArray(conf?.queues)[0]?.queue).find((n) => n['@name'] === queue);
  if (!q) return { outcome: 'not_found', detail: 'no such queue in the answer' };
  const cfg: Record<string, unknown> = { name: queue };
  for (const p of asArray(q.param)) {
    const spec = typeof p['@name'] === 'string' ? CAMEL[p['@name']] : undefined;
    const raw = typeof p['@value'] === 'string' ? p['@value'] : '';
    if (!spec) continue;
    if (spec.type === 'string') cfg[spec.key] = raw;
    else if (spec.type === 'bool') cfg[spec.key] = /^(yes|on|true|enabled|active|allow|1)$/i.test(raw);
    else if (/^-?\d+$/.test(raw) && Number(raw) >= 0 && Number(raw) <= 86_400) cfg[spec.key] = Number(raw);
  }
  return { outcome: 'found', config: cfg as unknown as QueueConfig };
}

/** One lookup over HTTP, as the switch's binding makes it. Never throws. */
export async function fetchQueue(binding: XmlCurlBinding, queue: string, id: LookupIdentity): Promise<QueueLookup> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'freeswitch-xml/1.0' };
  if (binding.credentials) headers.authorization = `Basic ${Buffer.from(binding.credentials).toString('base64')}`;
  try {
    const res = await fetch(binding.url, { method: 'POST', headers, body: lookupForm(queue, id).toString(), signal: AbortSignal.timeout(binding.timeoutMs ?? 5000) });
    const text = await res.text();
    if (res.status !== 200) return { outcome: 'error', detail: `Received HTTP error ${res.status} trying to fetch ${binding.url}` };
    return queueFromDocument(text, queue);
  } catch (err) {
    return { outcome: 'error', detail: `CURL returned error: ${(err as Error).message}` };
  }
}
