import type { AgentRow, CallRow, Changes, QueueRow, SupervisorPush } from './protocol.js';
import { agentInScope, narrow, queueInScope, type QueueScope } from './scope.js';

/** Rows as the hub built them this tick (null: gone). Shared by every session. */
export interface RowSource {
  agent(name: string): AgentRow | null;
  queue(name: string): QueueRow | null;
  call(id: string): CallRow | null;
  agentNames(): Iterable<string>;
  queueNames(): Iterable<string>;
  callIds(): Iterable<string>;
  switchConnected(): boolean;
}

/** Where a session's pushes go: a socket, or a test's list. */
export interface PushSink {
  send(push: SupervisorPush): void;
  /** true while the socket's send buffer is too full: the tick is skipped, nothing is lost. */
  congested(): boolean;
}

/**
 * One supervisor socket's view: its scope (what the token may see), its filter
 * (what the page asked for, within the scope), what it has been sent, and the
 * keys changed since its last push. Every row passes `visible*()` before it is
 * sent, and a key it never saw is never named in a `remove`, so a scoped token
 * learns nothing about other queues.
 */
export class SupervisorSession {
  private filter: QueueScope;
  private filterList: string[] | null = null;
  private seq = 0;
  private readonly known = { agents: new Set<string>(), queues: new Set<string>(), calls: new Set<string>() };
  private readonly pending = { agents: new Set<string>(), queues: new Set<string>(), calls: new Set<string>(), link: false };
  /** Pushes sent (tests and bench count them). */
  sent = 0;

  constructor(
    readonly scope: QueueScope,
    private readonly sink: PushSink,
  ) {
    this.filter = scope;
  }

  /** Sets the filter (within the scope). false: it names a queue outside the scope. */
  setFilter(queues: readonly string[] | null): boolean {
    const f = narrow(this.scope, queues);
    if (!f) return false;
    this.filter = f;
    this.filterList = queues ? [...queues] : null;
    return true;
  }

  queueVisible(name: string): boolean {
    return queueInScope(this.filter, name);
  }

  private cutAgent(row: AgentRow): AgentRow | null {
    if (!agentInScope(this.filter, row.queues)) return null;
    if (this.filter.queues === null) return row;
    const f = this.filter.queues;
    return { ...row, queues: row.queues.filter((q) => f.has(q)), call: row.call && f.has(row.call.queue) ? row.call : null };
  }

  private cutCall(row: CallRow): CallRow | null {
    return queueInScope(this.filter, row.queue) ? row : null;
  }

  private cutQueue(row: QueueRow): QueueRow | null {
    return queueInScope(this.filter, row.name) ? row : null;
  }

  snapshot(rows: RowSource, now: number): void {
    for (const s of Object.values(this.known)) s.clear();
    this.pending.agents.clear();
    this.pending.queues.clear();
    this.pending.calls.clear();
    this.pending.link = false;
    const agents = collect(rows.agentNames(), (n) => rows.agent(n), (r) => this.cutAgent(r), this.known.agents, (r) => r.name);
    const queues = collect(rows.queueNames(), (n) => rows.queue(n), (r) => this.cutQueue(r), this.known.queues, (r) => r.name);
    const calls = collect(rows.callIds(), (n) => rows.call(n), (r) => this.cutCall(r), this.known.calls, (r) => r.id);
    this.push({ type: 'snapshot', seq: ++this.seq, at: now, switchConnected: rows.switchConnected(), filter: this.filterList, agents, queues, calls });
  }

  /** Keys changed in the hub since the last tick. */
  mark(agents: Iterable<string>, queues: Iterable<string>, calls: Iterable<string>, link: boolean): void {
    for (const a of agents) this.pending.agents.add(a);
    for (const q of queues) this.pending.queues.add(q);
    for (const c of calls) this.pending.calls.add(c);
    if (link) this.pending.link = true;
  }

  /** At most one diff per call: the hub calls it once per tick. */
  flush(rows: RowSource, now: number): void {
    if (this.sink.congested()) return;
    const p = this.pending;
    if (p.agents.size === 0 && p.queues.size === 0 && p.calls.size === 0 && !p.link) return;
    const diff: SupervisorPush & { type: 'diff' } = { type: 'diff', seq: 0, at: now };
    const agents = changes(p.agents, (n) => rows.agent(n), (r) => this.cutAgent(r), this.known.agents, (r) => r.name);
    const queues = changes(p.queues, (n) => rows.queue(n), (r) => this.cutQueue(r), this.known.queues, (r) => r.name);
    const calls = changes(p.calls, (n) => rows.call(n), (r) => this.cutCall(r), this.known.calls, (r) => r.id);
    if (agents) diff.agents = agents;
    if (queues) diff.queues = queues;
    if (calls) diff.calls = calls;
    if (p.link) diff.switchConnected = rows.switchConnected();
    p.agents.clear();
    p.queues.clear();
    p.calls.clear();
    p.link = false;
    // Changes outside this socket's view leave nothing to say.
    if (!agents && !queues && !calls && diff.switchConnected === undefined) return;
    diff.seq = ++this.seq;
    this.push(diff);
  }

  private push(p: SupervisorPush): void {
    this.sent++;
    this.sink.send(p);
  }
}

function collect<R>(keys: Iterable<string>, get: (k: string) => R | null, cut: (r: R) => R | null, known: Set<string>, keyOf: (r: R) => string): R[] {
  const out: R[] = [];
  for (const k of keys) {
    const base = get(k);
    const row = base && cut(base);
    if (!row) continue;
    out.push(row);
    known.add(keyOf(row));
  }
  return out;
}

function changes<R>(keys: Set<string>, get: (k: string) => R | null, cut: (r: R) => R | null, known: Set<string>, keyOf: (r: R) => string): Changes<R> | null {
  const upsert: R[] = [];
  const remove: string[] = [];
  for (const k of keys) {
    const base = get(k);
    const row = base && cut(base);
    if (row) {
      upsert.push(row);
      known.add(keyOf(row));
    } else if (known.delete(k)) {
      remove.push(k);
    }
  }
  return upsert.length || remove.length ? { upsert, remove } : null;
}
