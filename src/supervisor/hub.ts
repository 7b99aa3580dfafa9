import type { MemberView, StateChange, ViewReader } from '../callcenter/state.js';
import type { CallView, CallsReader } from '../calls/types.js';
import type { PopData } from '../realtime/pops.js';
import type { AgentRow, CallRow, QueueRow } from './protocol.js';
import { agentRow, callRow, queueRow, type RowSources } from './rows.js';
import type { RowSource, SupervisorSession } from './session.js';

export interface HubOptions {
  readonly view: ViewReader;
  readonly calls: CallsReader;
  /** The switch link is up (the callcenter domain's `ready`). */
  readonly switchConnected: () => boolean;
  readonly pop?: (memberUuid: string) => PopData | undefined;
  readonly breakReason?: (agent: string) => string | null;
  /** Live KPIs of a queue when a KPI source is wired in; null otherwise. */
  readonly kpis?: (queue: string) => Record<string, number | null> | null;
  /** Push interval: each socket gets at most one diff per tick (default 250 ms, i.e. ≤ 4/s). */
  readonly tickMs?: number;
  /** Queues with waiting callers are re-read this often, so late pop data and KPIs reach the page (default 2 s). */
  readonly refreshMs?: number;
  readonly now?: () => number;
}

/**
 * The supervisor console's live model: follows the callcenter view and the call
 * model, notes which agents, queues and calls changed, and once per tick builds
 * each changed row once and hands it to every session (which cuts it to its
 * scope). However many events arrive, a socket gets at most one push per tick;
 * rows that come out the same as last time are not sent again.
 */
export class SupervisorHub {
  private readonly agentQueues = new Map<string, Set<string>>();
  private readonly queueAgents = new Map<string, Set<string>>();
  private readonly queueMembers = new Map<string, Map<string, Readonly<MemberView>>>();
  private readonly stateSince = new Map<string, number>();
  private readonly callSince = new Map<string, number>();
  private readonly callAgent = new Map<string, string>();
  private readonly dirty = { agents: new Set<string>(), queues: new Set<string>(), calls: new Set<string>(), link: false };
  private readonly lastJson = new Map<string, string>();
  private readonly sessions = new Set<SupervisorSession>();
  private readonly src: RowSources;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private refresher: NodeJS.Timeout | null = null;
  private closed = false;
  /** Ticks that pushed something (bench). */
  ticks = 0;

  constructor(private readonly opts: HubOptions) {
    this.now = opts.now ?? Date.now;
    const { view, calls } = opts;
    this.src = {
      view,
      calls,
      pop: opts.pop ?? (() => undefined),
      breakReason: opts.breakReason ?? (() => null),
      stateSince: (a) => this.stateSince.get(a) ?? null,
      callSince: (id) => this.callSince.get(id) ?? this.now(),
      kpis: opts.kpis ?? (() => null),
    };
    for (const t of view.tiers.values()) this.indexTier(t.queue, t.agent, true);
    for (const m of view.members.values()) this.indexMember(m.queue, m.uuid, m);
    const now = this.now();
    for (const c of calls.list()) this.noteCall(c, now);
    view.on('change', (c) => this.onChange(c));
    calls.on('call', (c) => this.onCall(c));
    calls.on('removed', (c) => this.onRemoved(c));
  }

  /** The agent's queues (its tiers), for scope checks of actions. */
  queuesOfAgent(agent: string): ReadonlySet<string> {
    return this.agentQueues.get(agent) ?? EMPTY;
  }

  /** The KPI source has new figures: every queue row is rebuilt on the next tick (unchanged rows are not sent). */
  kpisChanged(): void {
    for (const q of this.opts.view.queues.keys()) this.dirty.queues.add(q);
  }

  /** The switch link went up or down. */
  linkChanged(): void {
    this.dirty.link = true;
  }

  add(s: SupervisorSession): void {
    this.sessions.add(s);
    s.snapshot(this.rows(), this.now());
    this.start();
  }

  remove(s: SupervisorSession): void {
    this.sessions.delete(s);
    if (this.sessions.size === 0) this.stop();
  }

  /** A fresh snapshot for one session (after a filter change). */
  resnapshot(s: SupervisorSession): void {
    s.snapshot(this.rows(), this.now());
  }

  close(): void {
    this.closed = true;
    this.stop();
    this.sessions.clear();
  }

  private start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 250);
    this.timer.unref();
    this.refresher = setInterval(() => this.refreshWaiting(), this.opts.refreshMs ?? 2000);
    this.refresher.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.refresher) clearInterval(this.refresher);
    this.timer = this.refresher = null;
  }

  /** One round: changed rows built once, every session marked and flushed (at most one push each). */
  tick(): void {
    const d = this.dirty;
    const rows = this.rows();
    if (d.agents.size || d.queues.size || d.calls.size || d.link) {
      // Rows that read the same as last pushed are dropped here, once for every session.
      const agents = [...d.agents].filter((k) => this.changedRow(`a:${k}`, rows.agent(k)));
      const queues = [...d.queues].filter((k) => this.changedRow(`q:${k}`, rows.queue(k)));
      const calls = [...d.calls].filter((k) => this.changedRow(`c:${k}`, rows.call(k)));
      for (const s of this.sessions) s.mark(agents, queues, calls, d.link);
      d.agents.clear();
      d.queues.clear();
      d.calls.clear();
      d.link = false;
    }
    const now = this.now();
    for (const s of this.sessions) s.flush(rows, now);
    this.ticks++;
  }

  private changedRow(key: string, row: object | null): boolean {
    if (!row) return this.lastJson.delete(key) || true;
    const json = JSON.stringify(row);
    if (this.lastJson.get(key) === json) return false;
    this.lastJson.set(key, json);
    return true;
  }

  private refreshWaiting(): void {
    for (const [q, members] of this.queueMembers) if (members.size > 0) this.dirty.queues.add(q);
  }

  /** Rows built on demand and kept for the rest of the tick. */
  private rows(): RowSource {
    const { view, calls } = this.opts;
    const agents = new Map<string, AgentRow | null>();
    const queues = new Map<string, QueueRow | null>();
    const callRows = new Map<string, CallRow | null>();
    return {
      agent: (name) => cached(agents, name, () => {
        const a = view.agents.get(name);
        return a ? agentRow(this.src, a, [...this.queuesOfAgent(name)]) : null;
      }),
      queue: (name) => cached(queues, name, () => {
        if (!view.queues.has(name)) return null;
        return queueRow(this.src, name, [...(this.queueMembers.get(name)?.values() ?? [])], this.queueAgents.get(name) ?? []);
      }),
      call: (id) => cached(callRows, id, () => {
        const c = calls.get(id);
        return c ? callRow(this.src, c) : null;
      }),
      agentNames: () => view.agents.keys(),
      queueNames: () => view.queues.keys(),
      callIds: () => calls.list().map((c) => c.memberSessionUuid),
      switchConnected: this.opts.switchConnected,
    };
  }

  private onChange(c: StateChange): void {
    if (this.closed) return;
    switch (c.kind) {
      case 'agent': {
        this.dirty.agents.add(c.name);
        if (c.agent && c.previous?.state !== c.agent.state) this.stateSince.set(c.name, this.now());
        if (!c.agent) this.stateSince.delete(c.name);
        for (const q of this.queuesOfAgent(c.name)) this.dirty.queues.add(q);
        return;
      }
      case 'tier':
        this.indexTier(c.queue, c.agent, c.tier !== null);
        this.dirty.agents.add(c.agent);
        this.dirty.queues.add(c.queue);
        return;
      case 'queue':
        this.dirty.queues.add(c.name);
        return;
      case 'member':
        this.indexMember(c.queue, c.uuid, c.member);
        this.dirty.queues.add(c.queue);
        return;
    }
  }

  private onCall(c: CallView): void {
    if (this.closed) return;
    this.noteCall(c, this.now());
    this.dirty.calls.add(c.memberSessionUuid);
  }

  private noteCall(c: CallView, now: number): void {
    if (!this.callSince.has(c.memberSessionUuid)) this.callSince.set(c.memberSessionUuid, now);
    const before = this.callAgent.get(c.memberSessionUuid);
    if (before && before !== c.agent) this.dirty.agents.add(before);
    if (c.agent) {
      this.callAgent.set(c.memberSessionUuid, c.agent);
      this.dirty.agents.add(c.agent);
    } else this.callAgent.delete(c.memberSessionUuid);
  }

  private onRemoved(c: CallView): void {
    if (this.closed) return;
    this.dirty.calls.add(c.memberSessionUuid);
    const agent = this.callAgent.get(c.memberSessionUuid) ?? c.agent;
    if (agent) this.dirty.agents.add(agent);
    this.callSince.delete(c.memberSessionUuid);
    this.callAgent.delete(c.memberSessionUuid);
  }

  private indexTier(queue: string, agent: string, present: boolean): void {
    if (present) {
      getOrAdd(this.agentQueues, agent).add(queue);
      getOrAdd(this.queueAgents, queue).add(agent);
    } else {
      this.agentQueues.get(agent)?.delete(queue);
      this.queueAgents.get(queue)?.delete(agent);
    }
  }

  private indexMember(queue: string, uuid: string, m: Readonly<MemberView> | null): void {
    let byUuid = this.queueMembers.get(queue);
    if (!byUuid) this.queueMembers.set(queue, (byUuid = new Map<string, Readonly<MemberView>>()));
    if (m) byUuid.set(uuid, m);
    else byUuid.delete(uuid);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function getOrAdd(m: Map<string, Set<string>>, k: string): Set<string> {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  return s;
}

function cached<T>(m: Map<string, T | null>, k: string, make: () => T | null): T | null {
  if (m.has(k)) return m.get(k) ?? null;
  const v = make();
  m.set(k, v);
  return v;
}
