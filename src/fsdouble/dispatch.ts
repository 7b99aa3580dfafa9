import type { SwitchCore } from './core.js';
import type { CallCenter } from './callcenter.js';
import { eq } from './callcenter.js';
import type { CallRegistry } from './calls.js';
import { SwitchModel, type Agent, type Member, type Queue, type Tier } from './switch-model.js';

/**
 * The agent dispatch thread: waiting members by score, each offered to the
 * first contactable agent of its queue in strategy order (agents_callback()).
 * It runs on the next tick after anything routing depends on changed, and
 * when a wrap-up or ready_time delay runs out.
 */

const STATUS_ROUTABLE = new Set(['Available', 'On Break', 'Available (On Demand)']);

export type PickHandler = (member: Member, agent: Agent, tier: Tier, queue: Queue) => void;

export class Dispatcher {
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly core: SwitchCore,
    private readonly cc: CallCenter,
    private readonly reg: CallRegistry,
    private readonly onPick: PickHandler,
  ) {}

  private get model(): SwitchModel {
    return this.core.model;
  }

  stop(): void {
    this.stopped = true;
  }

  soon(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.run();
    });
  }

  wakeAt(ms: number): void {
    const delay = ms - this.core.nowMs();
    if (delay > 0) this.core.timers.after(delay + 1, () => this.soon());
  }

  /**
   * One pass of the dispatch thread: waiting members by score (highest
   * first), each offered to the first contactable agent of its queue in
   * strategy order. Agent lists are built once per queue per pass.
   */
  private run(): void {
    if (this.reg.waiting.size === 0) return;
    const nowMs = this.core.nowMs();
    const nowS = Math.floor(nowMs / 1000);
    const members = [...this.reg.waiting]
      .map((m) => ({ m, s: SwitchModel.score(m, nowS) }))
      .sort((x, y) => y.s - x.s || x.m.rowid - y.m.rowid);
    const perQueue = new Map<string, Candidates | null>();
    for (const { m } of members) {
      if (m.state !== 'Waiting') continue;
      let cands = perQueue.get(m.queue);
      if (cands === undefined) {
        const q = this.cc.getQueue(m.queue);
        cands = q ? this.candidates(q, nowMs) : null;
        perQueue.set(m.queue, cands);
        if (!q) {
          // "Queue not found locally, delete this member"
          this.reg.waiting.delete(m);
          this.model.deleteMember(m.uuid);
          continue;
        }
      }
      if (!cands || cands.exhausted()) continue;
      const agent = cands.pick(m, nowS);
      if (agent) this.onPick(m, agent.agent, agent.tier, cands.queue);
    }
  }

  /** The agents_callback() filter and the strategy's ORDER BY. */
  private candidates(q: Queue, nowMs: number): Candidates {
    const rows: Array<{ agent: Agent; tier: Tier; key: number[] }> = [];
    for (const tier of this.model.tiersOfQueue(q.name)) {
      const agent = this.model.agents.get(tier.agent);
      if (!agent || !STATUS_ROUTABLE.has(agent.status)) continue;
      rows.push({ agent, tier, key: strategyKey(q.strategy, agent, tier) });
    }
    rows.sort((x, y) => {
      for (let i = 0; i < x.key.length; i++) {
        const d = x.key[i]! - y.key[i]!;
        if (d !== 0) return d;
      }
      return x.tier.rowid - y.tier.rowid;
    });
    let wake = Infinity;
    const contactable = (agent: Agent, tier: Tier): boolean => {
      if (!(eq(tier.state, 'No Answer') || eq(tier.state, 'Ready'))) return false;
      if (!eq(agent.state, 'Waiting')) return false;
      if (eq(agent.status, 'On Break')) return false;
      if (q.skipAgentsWithExternalCalls && agent.externalCallsCount > 0) return false;
      if (this.reg.offers.has(agent.name)) return false;
      const wrapEnd = agent.lastBridgeEndMs + agent.wrapUpTime * 1000;
      const readyAt = agent.readyTime * 1000;
      if (wrapEnd > nowMs || readyAt > nowMs) {
        wake = Math.min(wake, Math.max(wrapEnd, readyAt));
        return false;
      }
      return true;
    };
    const c = new Candidates(q, rows, contactable, this.core.nowS.bind(this.core));
    c.prepare();
    if (wake !== Infinity) this.wakeAt(wake);
    return c;
  }
}

/** Agents of one queue in strategy order, handed out once each per dispatch pass. */
class Candidates {
  private next = 0;
  private list: Array<{ agent: Agent; tier: Tier }> = [];

  constructor(
    readonly queue: Queue,
    private readonly rows: ReadonlyArray<{ agent: Agent; tier: Tier }>,
    private readonly contactable: (a: Agent, t: Tier) => boolean,
    private readonly nowS: () => number,
  ) {}

  prepare(): void {
    if (!this.queue.tierRulesApply) this.list = this.rows.filter((r) => this.contactable(r.agent, r.tier));
  }

  exhausted(): boolean {
    return !this.queue.tierRulesApply && this.next >= this.list.length;
  }

  pick(member: Member, nowS: number): { agent: Agent; tier: Tier } | null {
    if (!this.queue.tierRulesApply) {
      while (this.next < this.list.length) {
        const r = this.list[this.next++]!;
        if (eq(r.agent.state, 'Waiting')) return r;
      }
      return null;
    }
    // agents_callback() with tier rules: walk levels, waiting per level as configured.
    const q = this.queue;
    let tier = 0;
    let available = 0;
    const waited = (nowS || this.nowS()) - member.joinedEpoch;
    for (const r of this.rows) {
      const level = r.tier.level;
      if (level > tier) {
        if (q.tierRuleNoAgentNoWait && available === 0) tier = level;
        else if (q.tierRuleWaitMultiplyLevel && waited >= level * q.tierRuleWaitSecond) {
          tier = level;
          available = 0;
        } else if (!q.tierRuleWaitMultiplyLevel && waited >= q.tierRuleWaitSecond) {
          tier = level;
          available = 0;
        } else return null;
      }
      available++;
      if (this.contactable(r.agent, r.tier)) return r;
    }
    return null;
  }
}

function strategyKey(strategy: string, a: Agent, t: Tier): number[] {
  switch (strategy.toLowerCase()) {
    case 'longest-idle-agent':
      return [t.level, a.lastBridgeEnd, t.position];
    case 'agent-with-least-talk-time':
      return [t.level, a.talkTime, t.position];
    case 'agent-with-fewest-calls':
      return [t.level, a.callsAnswered, t.position];
    case 'random':
      return [t.level, Math.random()];
    default:
      return [t.level, t.position, a.lastOfferedCall];
  }
}

