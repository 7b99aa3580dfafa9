import type { EslEvent } from '../esl/event.js';
import { AGENT_STATUSES, AGENT_STATES, isOneOf, type AgentState, type AgentStatus } from './vocabulary.js';

/** The caller as mod_callcenter names it in every member-related event. */
export interface MemberRef {
  readonly uuid: string;
  readonly sessionUuid: string;
  readonly cidNumber: string;
  readonly cidName: string;
}

interface Base {
  /** `Event-Date-Timestamp` in microseconds since the epoch (0 when absent). */
  readonly timestampUs: number;
}

export type CallcenterEvent = Base &
  (
    | { readonly action: 'agent-add'; readonly agent: string; readonly agentType: string }
    | { readonly action: 'agent-status-change'; readonly agent: string; readonly status: string; readonly knownStatus: AgentStatus | null }
    | { readonly action: 'agent-state-change'; readonly agent: string; readonly state: string; readonly knownState: AgentState | null }
    | { readonly action: 'agent-contact-change'; readonly agent: string; readonly contact: string }
    | { readonly action: 'agent-status-get'; readonly agent: string; readonly status: string }
    | { readonly action: 'agent-state-get'; readonly agent: string; readonly state: string }
    | { readonly action: 'agent-uuid-get'; readonly agent: string; readonly uuid: string }
    | { readonly action: 'agent-offering'; readonly queue: string; readonly agent: string; readonly agentType: string; readonly member: MemberRef }
    | {
        readonly action: 'bridge-agent-start';
        readonly queue: string;
        readonly agent: string;
        readonly agentUuid: string;
        readonly calledTime: number;
        readonly answeredTime: number;
        readonly memberJoinedTime: number;
        readonly member: MemberRef;
      }
    | {
        readonly action: 'bridge-agent-end';
        readonly queue: string;
        readonly agent: string;
        readonly agentUuid: string;
        readonly hangupCause: string;
        readonly answeredTime: number;
        readonly terminatedTime: number;
        readonly memberJoinedTime: number;
        readonly member: MemberRef;
      }
    | {
        readonly action: 'bridge-agent-fail';
        readonly queue: string;
        readonly agent: string;
        readonly hangupCause: string;
        readonly calledTime: number;
        readonly abortedTime: number;
        readonly member: MemberRef;
      }
    | {
        readonly action: 'agent-max-no-answer';
        readonly agent: string;
        readonly noAnswerCount: number;
        /** The status the switch moved the agent to (`CC-Agent-No-Answer-Status`). */
        readonly noAnswerStatus: string;
        readonly memberUuid: string;
        readonly memberSessionUuid: string;
      }
    | {
        readonly action: 'member-queue-start' | 'member-queue-resume';
        readonly queue: string;
        readonly member: MemberRef;
        /** DNIS: the number the caller dialled (`Caller-Destination-Number`). */
        readonly destination: string;
        readonly joinedEpoch: number;
        /** Channel variables (`variable_*` headers, prefix removed). */
        readonly variables: Readonly<Record<string, string>>;
        /** The variables named by `cc_export_vars`, which the dialplan meant for agents. */
        readonly exported: Readonly<Record<string, string>>;
      }
    | {
        readonly action: 'member-queue-end';
        readonly queue: string;
        readonly member: MemberRef;
        /** `Terminated` (answered, then hung up) or `Cancel` (left the queue unanswered); kept open for other values. */
        readonly cause: string;
        readonly cancelReason: string | null;
        readonly hangupCause: string | null;
        readonly agent: string | null;
        readonly joinedTime: number;
        readonly leavingTime: number;
        readonly answeredTime: number;
        /** The variables named by `cc_export_vars`: the end event carries the channel's variables too. */
        readonly exported: Readonly<Record<string, string>>;
      }
    | { readonly action: 'members-count'; readonly queue: string; readonly count: number }
    | { readonly action: 'unknown'; readonly rawAction: string; readonly headers: Readonly<Record<string, string>> }
  );

export type CallcenterAction = CallcenterEvent['action'];

export function isCallcenterEvent(event: EslEvent): boolean {
  return event.name === 'CUSTOM' && event.headers.get('Event-Subclass') === 'callcenter::info';
}

const num = (v: string | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

function member(h: ReadonlyMap<string, string>): MemberRef {
  return {
    uuid: h.get('CC-Member-UUID') ?? '',
    sessionUuid: h.get('CC-Member-Session-UUID') ?? '',
    cidNumber: h.get('CC-Member-CID-Number') ?? '',
    cidName: h.get('CC-Member-CID-Name') ?? '',
  };
}

function variables(h: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of h) if (key.startsWith('variable_')) out[key.slice(9)] = value;
  return out;
}

function exportedVars(vars: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const names = vars['cc_export_vars'];
  if (!names) return out;
  for (const name of names.split(',')) {
    const key = name.trim();
    const value = vars[key];
    if (key && value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Decodes a `CUSTOM callcenter::info` event (plain or json: the ESL layer has
 * already URL-decoded it) into a typed event keyed by `CC-Action`. Unknown
 * actions come back as `unknown` with their headers: logged, never fatal.
 */
export function decodeCallcenterEvent(event: EslEvent): CallcenterEvent {
  const h = event.headers;
  const timestampUs = num(h.get('Event-Date-Timestamp'));
  const action = h.get('CC-Action') ?? '';
  const agent = h.get('CC-Agent') ?? '';
  const queue = h.get('CC-Queue') ?? '';
  switch (action) {
    case 'agent-add':
      return { action, timestampUs, agent, agentType: h.get('CC-Agent-Type') ?? '' };
    case 'agent-status-change': {
      const status = h.get('CC-Agent-Status') ?? '';
      return { action, timestampUs, agent, status, knownStatus: isOneOf(AGENT_STATUSES, status) ? status : null };
    }
    case 'agent-state-change': {
      const state = h.get('CC-Agent-State') ?? '';
      return { action, timestampUs, agent, state, knownState: isOneOf(AGENT_STATES, state) ? state : null };
    }
    case 'agent-contact-change':
      return { action, timestampUs, agent, contact: h.get('CC-Agent-Contact') ?? '' };
    case 'agent-status-get':
      return { action, timestampUs, agent, status: h.get('CC-Agent-Status') ?? '' };
    case 'agent-state-get':
      return { action, timestampUs, agent, state: h.get('CC-Agent-State') ?? '' };
    case 'agent-uuid-get':
      return { action, timestampUs, agent, uuid: h.get('CC-Agent-UUID') ?? '' };
    case 'agent-offering':
      return { action, timestampUs, queue, agent, agentType: h.get('CC-Agent-Type') ?? '', member: member(h) };
    case 'bridge-agent-start':
      return {
        action,
        timestampUs,
        queue,
        agent,
        agentUuid: h.get('CC-Agent-UUID') ?? '',
        calledTime: num(h.get('CC-Agent-Called-Time')),
        answeredTime: num(h.get('CC-Agent-Answered-Time')),
        memberJoinedTime: num(h.get('CC-Member-Joined-Time')),
        member: member(h),
      };
    case 'bridge-agent-end':
      return {
        action,
        timestampUs,
        queue,
        agent,
        agentUuid: h.get('CC-Agent-UUID') ?? '',
        hangupCause: h.get('CC-Hangup-Cause') ?? '',
        answeredTime: num(h.get('CC-Agent-Answered-Time')),
        terminatedTime: num(h.get('CC-Bridge-Terminated-Time')),
        memberJoinedTime: num(h.get('CC-Member-Joined-Time')),
        member: member(h),
      };
    case 'bridge-agent-fail':
      return {
        action,
        timestampUs,
        queue,
        agent,
        hangupCause: h.get('CC-Hangup-Cause') ?? '',
        calledTime: num(h.get('CC-Agent-Called-Time')),
        abortedTime: num(h.get('CC-Agent-Aborted-Time')),
        member: member(h),
      };
    case 'agent-max-no-answer':
      return {
        action,
        timestampUs,
        agent,
        noAnswerCount: num(h.get('CC-Agent-No-Answer-Count')),
        noAnswerStatus: h.get('CC-Agent-No-Answer-Status') ?? '',
        memberUuid: h.get('CC-Member-UUID') ?? '',
        memberSessionUuid: h.get('CC-Member-Session-UUID') ?? '',
      };
    case 'member-queue-start':
    case 'member-queue-resume': {
      const vars = variables(h);
      return {
        action,
        timestampUs,
        queue,
        member: member(h),
        destination: h.get('Caller-Destination-Number') ?? '',
        joinedEpoch: num(vars['cc_queue_joined_epoch']) || Math.floor(timestampUs / 1e6),
        variables: vars,
        exported: exportedVars(vars),
      };
    }
    case 'member-queue-end':
      return {
        action,
        timestampUs,
        queue,
        member: member(h),
        cause: h.get('CC-Cause') ?? '',
        cancelReason: h.get('CC-Cancel-Reason') ?? null,
        hangupCause: h.get('CC-Hangup-Cause') ?? null,
        agent: h.get('CC-Agent') ?? null,
        joinedTime: num(h.get('CC-Member-Joined-Time')),
        leavingTime: num(h.get('CC-Member-Leaving-Time')),
        answeredTime: num(h.get('CC-Agent-Answered-Time')),
        exported: exportedVars(variables(h)),
      };
    case 'members-count':
      return { action, timestampUs, queue, count: num(h.get('CC-Count')) };
    default:
      return { action: 'unknown', timestampUs, rawAction: action, headers: Object.fromEntries(h) };
  }
}
