import type { StateChange, ViewReader } from '../callcenter/state.js';
import type { AgentCounts } from './types.js';

export interface WaitingFigures {
  count: number;
  /** Join time of the caller waiting longest, epoch ms. */
  oldestJoinedAt: number | null;
}

const isWaiting = (state: string): boolean => state === 'Waiting' || state === 'Trying';

/**
 * Callers waiting now, kept up to date from the view's member changes (no
 * scan of the view per event). Agents by status and state are counted from the
 * view when a snapshot is built (at most once a second), not per event.
 */
export class WaitingCallers {
  /** member UUID -> queue and join time (ms) of every caller waiting. */
  private readonly waiting = new Map<string, { queue: string; joinedAt: number }>();

  constructor(view: ViewReader) {
    for (const m of view.members.values()) if (isWaiting(m.state)) this.waiting.set(m.uuid, { queue: m.queue, joinedAt: m.joinedEpoch * 1000 });
  }

  /** Applies one view change; true when it changed who waits. */
  apply(ch: StateChange): boolean {
    if (ch.kind !== 'member') return false;
    if (ch.member && isWaiting(ch.member.state)) {
      const before = this.waiting.get(ch.uuid);
      const joinedAt = ch.member.joinedEpoch * 1000;
      if (before && before.joinedAt === joinedAt && before.queue === ch.member.queue) return false;
      this.waiting.set(ch.uuid, { queue: ch.member.queue, joinedAt });
      return true;
    }
    return this.waiting.delete(ch.uuid);
  }

  /** Per queue, plus '*' for all (one pass over the waiting callers). */
  byQueue(): Map<string, WaitingFigures> {
    const out = new Map<string, WaitingFigures>();
    const bump = (key: string, joinedAt: number) => {
      const f = out.get(key) ?? { count: 0, oldestJoinedAt: null };
      f.count++;
      if (f.oldestJoinedAt === null || joinedAt < f.oldestJoinedAt) f.oldestJoinedAt = joinedAt;
      out.set(key, f);
    };
    for (const w of this.waiting.values()) {
      bump(w.queue, w.joinedAt);
      bump('*', w.joinedAt);
    }
    return out;
  }
}

export interface AgentFigures {
  byStatus: Record<string, number>;
  byState: Record<string, number>;
  counts: AgentCounts;
}

export const noAgents = (): AgentCounts => ({ available: 0, onCall: 0, onBreak: 0, loggedIn: 0 });

/** Adds one agent to the figures (in place). */
export function countAgent(e: AgentFigures, status: string, state: string): void {
  e.byStatus[status] = (e.byStatus[status] ?? 0) + 1;
  e.byState[state] = (e.byState[state] ?? 0) + 1;
  if (status.startsWith('Available') && state === 'Waiting') e.counts.available++;
  if (state === 'Receiving' || state === 'In a queue call') e.counts.onCall++;
  if (status === 'On Break') e.counts.onBreak++;
  if (status !== 'Logged Out') e.counts.loggedIn++;
}

/** Agents by status and by state, and the wallboard's counts: per queue (through tiers) and overall ('*'). */
export function agentsByQueue(view: ViewReader): Map<string, AgentFigures> {
  const out = new Map<string, AgentFigures>();
  const bump = (key: string, status: string, state: string) => {
    let e = out.get(key);
    if (!e) {
      e = { byStatus: {}, byState: {}, counts: noAgents() };
      out.set(key, e);
    }
    countAgent(e, status, state);
  };
  for (const a of view.agents.values()) bump('*', a.status, a.state);
  for (const t of view.tiers.values()) {
    const a = view.agents.get(t.agent);
    if (a) bump(t.queue, a.status, a.state);
  }
  return out;
}
