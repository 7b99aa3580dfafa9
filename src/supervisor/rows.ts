import type { AgentView, MemberView, ViewReader } from '../callcenter/state.js';
import type { CallView, CallsReader } from '../calls/types.js';
import { popFields, type PopData } from '../realtime/pops.js';
import type { AgentCall, AgentRow, CallRow, QueueRow, WaitingRow } from './protocol.js';

/**
 * Pure row builders: what one agent, queue or call looks like on the console,
 * from the callcenter view, the call model and the hub's own clocks. The
 * queue lists in rows are the full ones; a session cuts them to its scope.
 */

export interface RowSources {
  readonly view: ViewReader;
  readonly calls: CallsReader;
  readonly pop: (memberUuid: string) => PopData | undefined;
  readonly breakReason: (agent: string) => string | null;
  readonly stateSince: (agent: string) => number | null;
  readonly callSince: (id: string) => number;
  readonly kpis: (queue: string) => Record<string, number | null> | null;
}

function agentCall(src: RowSources, call: CallView | undefined, agent: Readonly<AgentView>): AgentCall | null {
  if (!call || (call.phase !== 'offering' && call.phase !== 'bridged')) return null;
  const bridgedAt = agent.lastBridgeStart > 0 ? agent.lastBridgeStart * 1000 : 0;
  return {
    id: call.memberSessionUuid,
    queue: call.queue,
    callerNumber: call.callerNumber,
    callerName: call.callerName,
    phase: call.phase,
    since: call.phase === 'bridged' && bridgedAt > 0 ? bridgedAt : src.callSince(call.memberSessionUuid),
    held: call.held,
    agentLegUuid: call.agentLegUuid,
  };
}

export function agentRow(src: RowSources, agent: Readonly<AgentView>, queues: readonly string[]): AgentRow {
  return {
    name: agent.name,
    status: agent.status,
    state: agent.state,
    reason: agent.status === 'On Break' ? src.breakReason(agent.name) : null,
    statusSince: agent.lastStatusChange > 0 ? agent.lastStatusChange * 1000 : null,
    stateSince: src.stateSince(agent.name),
    queues: [...queues],
    call: agentCall(src, src.calls.ofAgent(agent.name), agent),
  };
}

function waitingRow(src: RowSources, m: Readonly<MemberView>): WaitingRow {
  const pop = popFields(src.pop(m.uuid));
  return {
    memberUuid: m.uuid,
    sessionUuid: m.sessionUuid,
    callerNumber: m.cidNumber,
    callerName: m.cidName,
    state: m.state,
    joinedAt: m.joinedEpoch * 1000,
    pop: pop.data,
    ...(pop.dataUnavailable ? { popUnavailable: true as const } : {}),
  };
}

const ON_CALL_STATES = new Set(['Receiving', 'In a queue call']);

export function queueRow(src: RowSources, name: string, members: readonly Readonly<MemberView>[], agentNames: Iterable<string>): QueueRow {
  const counts = { available: 0, onCall: 0, onBreak: 0, loggedOut: 0 };
  for (const n of agentNames) {
    const a = src.view.agents.get(n);
    if (!a) continue;
    if (a.status === 'Logged Out') counts.loggedOut++;
    else if (ON_CALL_STATES.has(a.state)) counts.onCall++;
    else if (a.status === 'On Break') counts.onBreak++;
    else counts.available++;
  }
  const waiting = members
    .filter((m) => m.state === 'Waiting' || m.state === 'Trying')
    .sort((a, b) => a.joinedEpoch - b.joinedEpoch)
    .map((m) => waitingRow(src, m));
  return { name, waiting, agents: counts, kpis: src.kpis(name) };
}

export function callRow(src: RowSources, c: CallView): CallRow {
  return {
    id: c.memberSessionUuid,
    memberUuid: c.memberUuid,
    queue: c.queue,
    callerNumber: c.callerNumber,
    callerName: c.callerName,
    agent: c.agent,
    agentLegUuid: c.agentLegUuid,
    phase: c.phase,
    held: c.held,
    since: src.callSince(c.memberSessionUuid),
  };
}
