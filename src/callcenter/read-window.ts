import type { AgentView, MemberView, QueueView, StateChange, StateView, TierView } from './state.js';

/**
 * Keeps list replies read on the bulk connection from overwriting newer facts.
 *
 * On one connection a list reply came in wire order with the events, so applying
 * it where it was read was exact. A list read on a second connection is a snapshot
 * taken at some moment between sending it and reading its reply; whatever the view
 * learnt meanwhile (an event on the event connection, a command's +OK) may be newer
 * than that snapshot, or older: the two connections are not ordered. So every row
 * the view changed while the list was in flight keeps the view's value (present or
 * absent), and the list sets the rest. What is kept is never older than the event
 * or reply that changed it; a fact the snapshot held and no event carried (a setting
 * changed with fs_cli) reaches the view at the next resync.
 */
export interface ReadWindow {
  readonly agents: Set<string>;
  readonly tiers: Set<string>;
  readonly queues: Set<string>;
  readonly members: Set<string>;
}

const tierKey = (queue: string, agent: string): string => `${queue}\u0000${agent}`;

export class ReadWindows {
  private readonly open = new Set<ReadWindow>();
  /** Changes made by applying a list are not news to the other lists in flight. */
  private applying = 0;

  constructor(private readonly view: StateView) {
    view.on('change', (c) => {
      if (this.applying === 0 && this.open.size > 0) for (const w of this.open) touch(w, c);
    });
  }

  /** Opens a window when the list is sent. */
  begin(): ReadWindow {
    const w: ReadWindow = { agents: new Set(), tiers: new Set(), queues: new Set(), members: new Set() };
    this.open.add(w);
    return w;
  }

  /** Closes a window without applying (the list failed). */
  end(w: ReadWindow): void {
    this.open.delete(w);
  }

  /** Applies a list's reply through `apply`, then closes its window. */
  apply(w: ReadWindow, apply: () => void): void {
    this.open.delete(w);
    this.applying++;
    try {
      apply();
    } finally {
      this.applying--;
    }
  }

  agents(w: ReadWindow, rows: readonly AgentView[]): AgentView[] {
    return keepTouched(rows, (a) => a.name, w.agents, (k) => this.view.agents.get(k), (now, listed) => ({
      ...now,
      callsAnswered: listed.callsAnswered,
      talkTime: listed.talkTime,
    }));
  }

  tiers(w: ReadWindow, rows: readonly TierView[]): TierView[] {
    return keepTouched(rows, (t) => tierKey(t.queue, t.agent), w.tiers, (k) => this.view.tiers.get(k));
  }

  queues(w: ReadWindow, rows: readonly QueueView[]): QueueView[] {
    return keepTouched(rows, (q) => q.name, w.queues, (k) => this.view.queues.get(k), (now, listed) => ({
      ...now,
      callsAnswered: listed.callsAnswered,
      callsAbandoned: listed.callsAbandoned,
    }));
  }

  members(w: ReadWindow, queue: string, rows: readonly MemberView[]): MemberView[] {
    return keepTouched(rows, (m) => m.uuid, w.members, (k) => {
      const m = this.view.members.get(k);
      return m && m.queue === queue ? m : undefined;
    });
  }
}

function touch(w: ReadWindow, c: StateChange): void {
  switch (c.kind) {
    case 'agent':
      w.agents.add(c.name);
      return;
    case 'tier':
      w.tiers.add(tierKey(c.queue, c.agent));
      return;
    case 'queue':
      w.queues.add(c.name);
      return;
    case 'member':
      w.members.add(c.uuid);
      return;
  }
}

/**
 * The list's rows, except that a touched key keeps what the view holds now (or stays absent).
 * `counters` takes from the listed row what only lists carry (the call counters: events
 * never change them, so the view's copy can only be older), when the row is in both.
 */
function keepTouched<T>(
  rows: readonly T[],
  key: (r: T) => string,
  touched: ReadonlySet<string>,
  current: (k: string) => T | undefined,
  counters?: (now: T, listed: T) => T,
): T[] {
  if (touched.size === 0) return rows as T[];
  const listed = new Map<string, T>();
  const out: T[] = [];
  for (const r of rows) {
    if (touched.has(key(r))) listed.set(key(r), r);
    else out.push(r);
  }
  for (const k of touched) {
    const now = current(k);
    if (now === undefined) continue;
    const l = listed.get(k);
    out.push(counters && l !== undefined ? counters(now, l) : now);
  }
  return out;
}
