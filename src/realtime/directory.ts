import type { StateChange, ViewReader } from '../callcenter/state.js';
import { agentExtension } from '../calls/controls/agent-target.js';
import type { DirectoryAgent, DirectoryMessage, DirectoryQueue } from './protocol.js';

/**
 * The desk's directory: the other agents of the queues a logged-in agent serves
 * (status, state, on a call or not, available or not, reachable by a transfer
 * or not) and those queues with their waiting counts, for the transfer dialog.
 * Built from the callcenter view only (what the switch reported), never from
 * what a page said.
 *
 * Sent per socket and not numbered: it is presence, not history. A page gets
 * the whole list at login and resume, then again whenever its content changed,
 * at most once per `intervalMs` per socket however busy the switch is (the
 * first change at once, then the latest state at the end of the interval). Not
 * in the replay buffers or the shared stream: with several instances each one
 * sends it to its own sockets (like queue.waiting, nothing with no event behind
 * it is shared), and a resume anywhere starts with a fresh one.
 */

/** Most agents listed: available ones first, then by name; `truncated` says more exist. */
export const DIRECTORY_MAX_AGENTS = 100;
/** Most queues listed (an agent's tiers, in level/position order). */
export const DIRECTORY_MAX_QUEUES = 50;
/** At most one directory per socket this often. */
export const DIRECTORY_INTERVAL_MS = 1000;

const AVAILABLE = new Set(['Available', 'Available (On Demand)']);

/** A page's socket as the feed sees it: `channel` null once it speaks for nobody (logout). */
export interface DirectorySocket {
  send(json: string): boolean;
  readonly channel: { readonly agent: string } | null;
}

/** What every agent serving the same queues sees alike: the queues, and all their agents in the listed order. */
interface Listing {
  readonly queues: DirectoryQueue[];
  readonly agents: DirectoryAgent[];
  readonly moreQueues: boolean;
  /** Serialised once per listing (every page of these queues sends the same entries, but itself). */
  json?: { readonly agents: string[]; readonly queues: string };
}

/** The agent's queues in level/position order (then by name), at most DIRECTORY_MAX_QUEUES, without repeats. */
function queuesOf(tiers: ReadonlyArray<{ readonly queue: string; readonly level: number; readonly position: number }>): { names: string[]; more: boolean } {
  const sorted = tiers.slice().sort((a, b) => a.level - b.level || a.position - b.position || (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
  const names: string[] = [];
  for (const t of sorted) if (!names.includes(t.queue)) names.push(t.queue);
  return { names: names.slice(0, DIRECTORY_MAX_QUEUES), more: names.length > DIRECTORY_MAX_QUEUES };
}

function listing(view: ViewReader, queueNames: readonly string[], more: boolean): Listing {
  const queues: DirectoryQueue[] = queueNames.map((name) => ({ name, waiting: view.waitingCount(name) }));
  const names = new Set<string>();
  for (const q of queueNames) for (const t of view.tiersOfQueue(q)) names.add(t.agent);
  const agents: DirectoryAgent[] = [];
  for (const name of names) {
    const a = view.agents.get(name);
    // A tier of an agent the switch does not list (deleted: no event fires) is not a colleague to offer.
    if (!a) continue;
    agents.push({
      name,
      status: a.status,
      state: a.state,
      onCall: a.state === 'In a queue call',
      available: AVAILABLE.has(a.status) && a.state === 'Waiting',
      reachable: agentExtension(a.contact) !== null,
    });
  }
  agents.sort((x, y) => Number(y.available) - Number(x.available) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { queues, agents, moreQueues: more };
}

function finish(l: Listing, agent: string, maxAgents: number): DirectoryMessage {
  const others = l.agents.filter((a) => a.name !== agent);
  return { type: 'directory', agents: others.slice(0, maxAgents), queues: l.queues, truncated: others.length > maxAgents || l.moreQueues };
}

/** `JSON.stringify(finish(l, agent, maxAgents))`, from entries serialised once per listing. */
function finishJson(l: Listing, agent: string, maxAgents: number): string {
  l.json ??= { agents: l.agents.map((a) => JSON.stringify(a)), queues: JSON.stringify(l.queues) };
  const parts: string[] = [];
  let others = 0;
  for (let i = 0; i < l.agents.length; i++) {
    if (l.agents[i]!.name === agent) continue;
    if (others++ < maxAgents) parts.push(l.json.agents[i]!);
  }
  return `{"type":"directory","agents":[${parts.join(',')}],"queues":${l.json.queues},"truncated":${others > maxAgents || l.moreQueues}}`;
}

/** The directory of `agent`: the other agents of the queues it serves (itself left out), and those queues. */
export function directoryOf(view: ViewReader, agent: string, maxAgents = DIRECTORY_MAX_AGENTS): DirectoryMessage {
  const q = queuesOf(view.tiersOfAgent(agent));
  return finish(listing(view, q.names, q.more), agent, maxAgents);
}

/** Whether `target` is in `agent`'s directory: another agent with a tier in a queue `agent` serves. */
export function inDirectory(view: ViewReader, agent: string, target: string): boolean {
  if (target === agent || !view.agents.has(target)) return false;
  const mine = new Set(view.tiersOfAgent(agent).map((t) => t.queue));
  return view.tiersOfAgent(target).some((t) => mine.has(t.queue));
}

interface Subscription {
  agent: string;
  /** The JSON last sent (a directory that did not change is not sent again). */
  last: string;
  /** When it was last sent (ms, monotonic). */
  at: number;
  /** Something it shows may have changed since. */
  due: boolean;
}

export interface DirectoryFeedOptions {
  readonly intervalMs?: number;
  readonly maxAgents?: number;
  /** Monotonic ms (tests may not need it; a clock is injectable for the coalescing rule). */
  readonly now?: () => number;
}

/** Keeps each subscribed socket's directory current, coalesced per socket (see the module comment). */
export class DirectoryFeed {
  private readonly subs = new Map<DirectorySocket, Subscription>();
  /** Changed since the last flush: queues (their agents' or waiting counts) and agents (their own tiers). */
  private readonly dirtyQueues = new Set<string>();
  private readonly dirtyAgents = new Set<string>();
  private everything = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly maxAgents: number;
  private readonly now: () => number;
  private readonly listener = (c: StateChange): void => this.onChange(c);
  /** Directories sent so far (metrics, tests). */
  sent = 0;

  constructor(
    private readonly view: ViewReader,
    opts: DirectoryFeedOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? DIRECTORY_INTERVAL_MS;
    this.maxAgents = opts.maxAgents ?? DIRECTORY_MAX_AGENTS;
    this.now = opts.now ?? (() => performance.now());
    view.on('change', this.listener);
  }

  /** A socket logged in or resumed: it gets its directory now, then its changes. */
  attach(socket: DirectorySocket, agent: string): void {
    const sub: Subscription = { agent, last: '', at: -Infinity, due: true };
    this.subs.set(socket, sub);
    this.sendTo(socket, sub);
  }

  detach(socket: DirectorySocket): void {
    this.subs.delete(socket);
  }

  get subscribed(): number {
    return this.subs.size;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.subs.clear();
    this.view.off('change', this.listener);
  }

  private onChange(c: StateChange): void {
    switch (c.kind) {
      case 'agent': {
        const before = c.previous;
        const now = c.agent;
        // Counters (calls answered, talk time, last bridge…) change on every call: not shown here.
        if (before && now && before.status === now.status && before.state === now.state && before.contact === now.contact) return;
        if (!now) this.everything = true; // deleted: its tiers may linger in the view until a resync
        else for (const t of this.view.tiersOfAgent(c.name)) this.dirtyQueues.add(t.queue);
        break;
      }
      case 'tier':
        this.dirtyQueues.add(c.queue);
        this.dirtyAgents.add(c.agent);
        break;
      case 'queue':
      case 'member':
        this.dirtyQueues.add(c.kind === 'queue' ? c.name : c.queue);
        break;
    }
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.timer || this.subs.size === 0) return;
    // A burst of changes (a resync) is one flush: never synchronous.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  private flush(): void {
    // One pass over the tiers for every page's queues, and one listing per set of queues:
    // a thousand pages of one queue cost one listing and a thousand filters, not a thousand sorts.
    const tiersByAgent = new Map<string, Array<{ queue: string; level: number; position: number }>>();
    for (const t of this.view.tiers.values()) {
      const list = tiersByAgent.get(t.agent);
      if (list) list.push(t);
      else tiersByAgent.set(t.agent, [t]);
    }
    const queues = this.dirtyQueues;
    for (const [, sub] of this.subs) {
      if (sub.due) continue;
      if (this.everything || this.dirtyAgents.has(sub.agent) || (tiersByAgent.get(sub.agent) ?? []).some((t) => queues.has(t.queue))) sub.due = true;
    }
    this.dirtyQueues.clear();
    this.dirtyAgents.clear();
    this.everything = false;
    const listings = new Map<string, Listing>();
    const build = (agent: string): string => {
      const q = queuesOf(tiersByAgent.get(agent) ?? []);
      const key = q.names.join('\u0000');
      let l = listings.get(key);
      if (!l) {
        l = listing(this.view, q.names, q.more);
        listings.set(key, l);
      }
      return finishJson(l, agent, this.maxAgents);
    };
    const now = this.now();
    let next = Infinity;
    for (const [socket, sub] of this.subs) {
      if (!sub.due) continue;
      const at = sub.at + this.intervalMs;
      if (at > now) next = Math.min(next, at);
      else this.sendTo(socket, sub, build);
    }
    if (next < Infinity) this.schedule(Math.ceil(next - now));
  }

  private sendTo(socket: DirectorySocket, sub: Subscription, build: (agent: string) => string = (agent) => JSON.stringify(directoryOf(this.view, agent, this.maxAgents))): void {
    sub.due = false;
    if (socket.channel?.agent !== sub.agent) {
      // Logged out (or now another agent's: it attaches again): nothing more for this subscription.
      this.subs.delete(socket);
      return;
    }
    const json = build(sub.agent);
    if (json === sub.last) return;
    sub.last = json;
    sub.at = this.now();
    this.sent++;
    socket.send(json);
  }
}
