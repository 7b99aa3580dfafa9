import { CHANNEL_EVENTS } from './model.js';
import { MUTE_EVENTS } from './controls/controls.js';

/**
 * What the gateway subscribes to for the call model, and the ESL filters that
 * keep other programs' calls off the wire.
 *
 * mod_event_socket applies a listener's filters to every event it is
 * subscribed to (CUSTOM subclasses included) before copying the event into
 * the listener's queue: with any filter set, only events with a header equal
 * to one filter value pass (`filter <header> <value>`: an OR allow-list,
 * compared case-insensitively; event_handler() in mod_event_socket.c). So:
 *
 * - `Event-Name CUSTOM` keeps every `callcenter::info` event (the only CUSTOM
 *   subclass subscribed), `Event-Name BACKGROUND_JOB` keeps bgapi results, and
 *   each extra ESL_EVENTS name that is not a channel event gets its own line;
 * - `variable_cc_side member` / `variable_cc_side agent` keep the channel
 *   events of legs mod_callcenter marked: the member leg once `callcenter` runs,
 *   the legs it originates for an offer, and the agent leg once bridged (the
 *   transcripts show the variable on each of them). Channel events of every
 *   other call on the switch never leave the switch.
 *
 * CHANNEL_CALLSTATE is not subscribed: it carries no channel variables (every
 * one in the transcripts), so these filters would drop it anyway, and what it
 * says (HELD, ACTIVE, HANGUP) arrives as CHANNEL_HOLD/UNHOLD/ANSWER/HANGUP too
 * (on loopback legs hold fires CHANNEL_HOLD only). Exact values, not a regex
 * (`/…/`): the switch compiles a regex filter for every event it tests.
 */
export function callSubscription(extraEvents: readonly string[]): { events: string[]; filters: Array<[string, string]> } {
  // MEDIA_BUG_START/STOP confirm the agent's mute (src/calls/controls): they carry the leg's
  // channel variables, so the cc_side filters below keep other calls' media bugs off the wire too.
  const channel = new Set<string>([...CHANNEL_EVENTS, ...MUTE_EVENTS]);
  const events = [...new Set([...CHANNEL_EVENTS, ...MUTE_EVENTS, ...extraEvents])];
  const filters: Array<[string, string]> = [
    ['Event-Name', 'CUSTOM'],
    ['Event-Name', 'BACKGROUND_JOB'],
    ...extraEvents.filter((n) => !channel.has(n) && !n.startsWith('CHANNEL_')).map((n): [string, string] => ['Event-Name', n]),
    ['variable_cc_side', 'member'],
    ['variable_cc_side', 'agent'],
  ];
  return { events, filters };
}
