import * as g from '../callcenter/grammar.js';
import { isDialNumber } from './policy.js';
import type { CallerId } from './config.js';

/**
 * The originate of a click-to-dial, as one `bgapi` command (pure). The switch
 * calls the agent's phone first. mod_callcenter's `callcenter_track <agent>`
 * counts an external call for the agent until the leg hangs up, and with the
 * queue's default `skip-agents-with-external-calls` the agent is offered no
 * queue call meanwhile (fixture 17: `cc_agent` alone has no effect). It runs
 * on the agent leg twice over, and counts once (test/switch/outbound.test.ts):
 *
 * - `execute_on_ring=callcenter_track:<agent>`: when the phone starts ringing,
 *   so no queue call is offered to an agent whose phone rings for its own
 *   dial (run only after the answer, it left that window open);
 * - then, once answered, the inline dialplan's first application, for a phone
 *   that answered without ringing: its argument expands to the agent only when
 *   the leg is not tracked yet (`cc_tracked_agent` unset), else to `x<agent>`,
 *   which mod_callcenter refuses as an unknown agent. A second count would
 *   never be undone: mod_callcenter adds its hang-up hook once per leg and
 *   takes one off. (`execute_on_originate` runs twice on a `user/` contact,
 *   once in the inner originate of the user endpoint and once in ours: seen on
 *   the real switch, the count stayed at 1 after the call.)
 * - then `bridge` to the customer through the configured route, with the
 *   configured caller ID.
 *
 *   originate {origination_uuid=A,…,execute_on_ring=callcenter_track:<agent>}<contact>
 *     'm:~:callcenter_track:${regex(x${cc_tracked_agent}|^x$|<agent>)}~bridge:[origination_uuid=C,…]<route>' inline
 *
 * `m:~:` makes `~` the inline dialplan's separator (mod_dptools'
 * inline_dialplan_hunt; `~` is in no grammar below), so the commas of the customer leg's `[…]` stay its
 * own. Both legs carry `cc_outbound=true` (what the ESL filter lets through)
 * and `cc_outbound_action=<id>` (which action an event belongs to); their
 * UUIDs are chosen here, so every event is routed by its Unique-ID.
 *
 * Every value passes a grammar first: the agent name, the contact (the
 * callcenter contact grammar), UUIDs, the number and caller ID (digits and
 * `+`), the route (checked at configuration and again after substitution).
 */

export interface OriginatePlan {
  readonly actionId: string;
  readonly agent: string;
  readonly contact: string;
  readonly agentLegUuid: string;
  readonly customerLegUuid: string;
  readonly number: string;
  readonly callerId: CallerId;
  readonly route: string;
  readonly agentRingS: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ROUTED = /^(sofia|loopback|user|freetdm)\/[A-Za-z0-9_.@:/+-]{1,200}$/;
const CID_NAME = /^[A-Za-z0-9._-]{1,40}$/;

function uuid(field: string, v: string): string {
  if (!UUID.test(v)) throw new g.GrammarError(field, 'must be a lower-case UUID');
  return v;
}

/** The customer's endpoint: the route with the number put in. */
export function customerEndpoint(route: string, number: string): string {
  if (!isDialNumber(number)) throw new g.GrammarError('number', 'must be digits with an optional leading +');
  const endpoint = route.replace('{number}', number).replace('{digits}', number.replace(/^\+/, ''));
  if (!ROUTED.test(endpoint) || endpoint.includes(':_:')) throw new g.GrammarError('route', 'the route does not make a single plain endpoint');
  return endpoint;
}

/** `{a}[b]endpoint` → variables of a leading `{…}` block (merged into ours) and the rest (kept as is). */
function splitContact(contact: string): { globals: string[]; rest: string } {
  const m = /^\{([^{}[\]]*)\}/.exec(contact);
  if (!m) return { globals: [], rest: contact };
  return { globals: (m[1] ?? '').split(',').filter(Boolean), rest: contact.slice(m[0].length) };
}

/** The agent when the leg is not tracked yet, else `x<agent>` (no such agent: callcenter_track counts nothing). */
export function trackOnce(agent: string): string {
  return `\${regex(x\${cc_tracked_agent}|^x$|${agent})}`;
}

export function originateCommand(p: OriginatePlan): string {
  const agent = g.agentName(p.agent);
  const contact = g.contact(p.contact);
  const id = uuid('action', p.actionId);
  const a = uuid('agentLegUuid', p.agentLegUuid);
  const c = uuid('customerLegUuid', p.customerLegUuid);
  if (!isDialNumber(p.number)) throw new g.GrammarError('number', 'must be digits with an optional leading +');
  if (!isDialNumber(p.callerId.number) || !CID_NAME.test(p.callerId.name)) throw new g.GrammarError('callerId', 'bad caller ID');
  const ring = g.integer('agentRingS', p.agentRingS, 1, 600);
  const customer = customerEndpoint(p.route, p.number);
  const { globals, rest } = splitContact(contact);
  const tag = [`cc_outbound=true`, `cc_outbound_action=${id}`];
  const agentVars = [
    `origination_uuid=${a}`,
    ...tag,
    'cc_outbound_leg=agent',
    // The agent's phone shows whom it is about to call.
    `origination_caller_id_number=${p.number}`,
    `origination_caller_id_name=${p.number}`,
    `originate_timeout=${ring}`,
    // `app:arg` (switch_channel_execute_on_value): no space, so the dial string stays one word.
    // Once per leg (switch_channel_mark_ring_ready runs it on the first ring only).
    `execute_on_ring=callcenter_track:${agent}`,
    ...globals,
  ];
  const customerVars = [`origination_uuid=${c}`, ...tag, 'cc_outbound_leg=customer', `origination_caller_id_number=${p.callerId.number}`, `origination_caller_id_name=${p.callerId.name}`];
  const apps = `m:~:callcenter_track:${trackOnce(agent)}~bridge:[${customerVars.join(',')}]${customer}`;
  return `originate {${agentVars.join(',')}}${rest} '${apps}' inline`;
}
