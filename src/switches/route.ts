/**
 * Where a command goes when the gateway runs over several switches sharing
 * mod_callcenter's agents and tiers in one database (mod_pgsql): pure, from the
 * command text the domain built (every value in it already passed a grammar).
 *
 * - `shared`: agents, tiers and members are rows every box reads and writes, so any box
 *   will do: the first one up in ESL_HOSTS order (one box at a time keeps a desk's
 *   successive changes in order). Member rows name the box that holds the caller
 *   (`instance_id`, its cc-instance-id): `members` asks the router to drop the rows of
 *   a box that is down (its callers are gone; the real switch keeps their rows).
 * - `every`: what is per box and must be read or done on each: channel lists, and
 *   queue (re)loads (each box keeps its own loaded queues). Replies are merged.
 * - `call`: about a channel: the box holding the first of these uuids that is known.
 * - `new-call`: an originate naming no live channel: a box is chosen (round robin).
 */
export type Route =
  | { readonly kind: 'shared'; readonly members?: true }
  | { readonly kind: 'every'; readonly merge: MergeKind }
  | { readonly kind: 'call'; readonly uuids: readonly string[] }
  | { readonly kind: 'new-call'; readonly uuids: readonly string[] };

/** How the replies of a command sent to every box become one. */
export type MergeKind = 'json-rows' | 'all-ok';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export function routeOf(command: string): Route {
  const c = command.trimStart();
  if (/^callcenter_config\s+queue\s+list\s+members\b/i.test(c)) return { kind: 'shared', members: true };
  if (/^callcenter_config\s+queue\s+(load|unload|reload)\b/i.test(c)) return { kind: 'every', merge: 'all-ok' };
  if (/^show\s+(calls|channels)\s+as\s+json\b/i.test(c)) return { kind: 'every', merge: 'json-rows' };
  if (/^callcenter_config\b/i.test(c)) return { kind: 'shared' };
  const uuids = c.match(UUID) ?? [];
  // `originate {origination_uuid=<new>}… &eavesdrop(<agent leg>)` names a live leg after its own new one.
  if (/^originate\b/i.test(c)) return { kind: 'new-call', uuids };
  if (uuids.length > 0) return { kind: 'call', uuids };
  return { kind: 'shared' };
}
