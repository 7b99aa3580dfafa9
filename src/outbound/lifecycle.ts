import type { EslEvent } from '../esl/event.js';
import { EventHeaders } from '../esl/event-headers.js';
import type { ActionState } from './action.js';
import type { Move } from './store.js';

/**
 * Channel events of an action's legs → the move of its lifecycle (pure).
 *
 * The legs are known by UUID (chosen by the gateway in the originate):
 * - agent leg CHANNEL_CREATE / CHANNEL_PROGRESS_MEDIA → agent-ringing; CHANNEL_ANSWER → agent-answered;
 * - customer leg CHANNEL_CREATE / CHANNEL_PROGRESS_MEDIA → customer-ringing;
 * - CHANNEL_BRIDGE of the two (either side A) → bridged;
 * - before the bridge, CHANNEL_HANGUP / _COMPLETE of either leg → `failed`
 *   with that leg's Hangup-Cause (the first leg to go tells why: a busy
 *   customer's leg hangs up USER_BUSY before the agent's);
 * - once bridged, only the agent leg's hangup → `ended`. The agent leg runs
 *   the inline dialplan, so it lives exactly as long as the call (it hangs up
 *   when the bridge ends, whoever hung up). The customer leg may go earlier
 *   without the call ending: on the real switch a `loopback/` route bows out
 *   after the answer — the loopback leg hangs up NORMAL_CLEARING and the agent
 *   leg is re-bridged (uuid_bridge) to the far leg, which carries none of our
 *   variables (seen on FreeSWITCH 1.10.12, test/switch/outbound.test.ts).
 * Moves only go forward (the store refuses the rest), so duplicates and the
 * second leg's hangup change nothing.
 */

export interface LegRef {
  readonly agentLegUuid: string;
  readonly customerLegUuid: string;
}

/** The action an event belongs to: `variable_cc_outbound_action` (cheap to peek; others are ignored). */
export function actionIdOf(e: EslEvent): string | null {
  const h = e.headers;
  // Peeked: every other channel event passing the filters (queue calls) is left unparsed here.
  const v = h instanceof EventHeaders ? h.peek('variable_cc_outbound_action') : h.get('variable_cc_outbound_action');
  return v && /^[0-9a-f-]{36}$/.test(v) ? v : null;
}

function eventMs(e: EslEvent): number {
  const us = Number(e.headers.get('Event-Date-Timestamp'));
  return Number.isFinite(us) && us > 0 ? Math.floor(us / 1000) : Date.now();
}

export function moveFor(a: LegRef & { readonly state: ActionState }, e: EslEvent): Move | null {
  const uuid = e.headers.get('Unique-ID');
  const leg = uuid === a.agentLegUuid ? 'agent' : uuid === a.customerLegUuid ? 'customer' : null;
  if (!leg) return null;
  const at = eventMs(e);
  switch (e.name) {
    case 'CHANNEL_CREATE':
    case 'CHANNEL_PROGRESS':
    case 'CHANNEL_PROGRESS_MEDIA':
      return { to: leg === 'agent' ? 'agent-ringing' : 'customer-ringing', at };
    case 'CHANNEL_ANSWER':
      // The customer answering is not yet a bridge: bridged comes with CHANNEL_BRIDGE.
      return leg === 'agent' ? { to: 'agent-answered', at } : { to: 'customer-ringing', at };
    case 'CHANNEL_BRIDGE': {
      const pair = new Set([e.headers.get('Bridge-A-Unique-ID'), e.headers.get('Bridge-B-Unique-ID')]);
      return pair.has(a.agentLegUuid) && pair.has(a.customerLegUuid) ? { to: 'bridged', at } : null;
    }
    case 'CHANNEL_HANGUP':
    case 'CHANNEL_HANGUP_COMPLETE': {
      const cause = e.headers.get('Hangup-Cause') ?? e.headers.get('variable_hangup_cause') ?? 'NORMAL_CLEARING';
      if (a.state === 'bridged') return leg === 'agent' ? { to: 'ended', cause, at } : null;
      return { to: 'failed', cause, at };
    }
    default:
      return null;
  }
}

/** A row of `show channels as json` as far as reconciling reads it. */
export interface ListedChannel {
  readonly uuid: string;
  readonly callstate: string;
}

export function parseShowChannels(body: string): ListedChannel[] {
  const parsed = JSON.parse(body) as { rows?: Array<Record<string, unknown>> };
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  return (parsed.rows ?? []).map((r) => ({ uuid: text(r.uuid), callstate: text(r.callstate) }));
}

/**
 * After a restart or reconnect (events were missed): where an action stands
 * by the switch's channel list. Both legs gone → it ended (bridged) or failed
 * (`cause` LOST: the end was not seen); otherwise the furthest state the
 * listed legs show.
 */
export function reconciledMove(a: LegRef & { readonly state: ActionState }, channels: ReadonlyMap<string, ListedChannel>, now: number): Move | null {
  const agent = channels.get(a.agentLegUuid);
  const customer = channels.get(a.customerLegUuid);
  if (a.state === 'bridged') return agent ? null : { to: 'ended', cause: 'LOST', at: now };
  if (!agent && !customer) return { to: 'failed', cause: 'LOST', at: now };
  const up = (c: ListedChannel | undefined) => c !== undefined && (c.callstate === 'ACTIVE' || c.callstate === 'HELD');
  if (agent && customer && up(agent) && up(customer)) return { to: 'bridged', at: now };
  if (customer) return { to: 'customer-ringing', at: now };
  if (up(agent)) return { to: 'agent-answered', at: now };
  return { to: 'agent-ringing', at: now };
}

/** The ESL filter that lets the outbound legs' channel events through (both legs carry `cc_outbound=true`). */
export const OUTBOUND_FILTERS: ReadonlyArray<[string, string]> = [['variable_cc_outbound', 'true']];
