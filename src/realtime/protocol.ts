/**
 * The agent desk's WebSocket protocol (`/ws`), both directions. JSON text
 * frames; the README has an example session. Every client message may carry
 * an `id`; the server answers it with `ack` or `error` (same `id`) only after
 * the switch confirmed or refused the command.
 */

import type { OutboundActionView } from '../outbound/action.js';
import type { TransferKind } from '../calls/controls/grammar.js';

export type ClientMessage =
  /** `directory: true`: this page wants the directory feed (DirectoryMessage) from now on. */
  | { type: 'login'; id?: string | number; agent: string; password: string; contact?: string; ready?: boolean; directory?: boolean }
  | { type: 'resume'; id?: string | number; agent: string; token: string; lastSeq: number; directory?: boolean }
  | { type: 'ready'; id?: string | number }
  | { type: 'busy'; id?: string | number; reason?: string }
  | { type: 'logout'; id?: string | number }
  /** Click to dial (src/realtime/ws-outbound.ts): the agent's phone rings first, then the customer. */
  | { type: 'dial'; id?: string | number; number: string; idempotencyKey?: string }
  // After-call work (src/aftercall, ws-aftercall.ts)
  | { type: 'call.disposition'; id?: string | number; memberUuid: string; code: string; notes?: string }
  | { type: 'acw.end'; id?: string | number }
  | { type: 'next-status'; id?: string | number; status: NextStatusInfo['status'] | null; reason?: string }
  | CallControlMessage;

/** Call controls (src/realtime/ws-calls.ts): on the agent's own current call; `memberUuid` = the call the page shows. */
export type CallControlMessage =
  | { type: 'call.hangup' | 'call.hold' | 'call.unhold' | 'call.mute' | 'call.unmute'; id?: string | number; memberUuid?: string }
  | { type: 'call.dtmf'; id?: string | number; memberUuid?: string; digits: string }
  /** `agent`: another agent of the sender's queues by name (`to` = name@domain), resolved to its phone by the gateway. */
  | { type: 'call.transfer'; id?: string | number; memberUuid?: string; kind: 'extension' | 'queue' | 'number' | 'agent'; to: string }
  | { type: 'call.consult'; id?: string | number; memberUuid?: string; kind: 'extension' | 'number' | 'agent'; to: string }
  | { type: 'call.consult.complete' | 'call.consult.cancel' | 'call.conference'; id?: string | number; memberUuid?: string };

/** A disposition code the admin configured, with its label (admin data, shown as is). */
export interface DispositionOption {
  code: string;
  label: string;
}

/** After-call work of the agent's last call (src/aftercall). Times are epoch seconds. */
export interface AcwInfo {
  memberUuid: string;
  queue: string;
  /** When the call ended (the switch's bridge end). */
  startedAt: number;
  /** startedAt + wrapUpS: until then the switch offers the agent no call. */
  endsAt: number;
  wrapUpS: number;
  dispositions: DispositionOption[];
  /** The queue wants a disposition before after-call work may be ended. */
  required: boolean;
  disposition: { code: string; notes: string } | null;
}

/** What the agent asked to become when its current call ends. */
export interface NextStatusInfo {
  status: 'On Break' | 'Logged Out';
  reason: string | null;
}

export interface CallInfo {
  queue: string;
  memberUuid: string;
  callerNumber: string;
  callerName: string;
  /** The number the caller dialled. */
  dnis: string;
  /** Epoch seconds the caller joined the queue. */
  joinedAt: number;
  /** Caller record from Redis merged with the dialplan's exported channel variables; null when unavailable. */
  data: Record<string, string> | null;
  /** true when the record could not be read (Redis down): the pop still shows number and name. */
  dataUnavailable?: boolean;
  /** 'ringing' after agent-offering, 'talking' after bridge-agent-start. */
  phase: 'ringing' | 'talking';
  /** Epoch seconds the agent answered (talking only). */
  answeredAt?: number;
  /** The caller's or the agent's leg is held, as the switch reported it (CHANNEL_HOLD/UNHOLD; src/calls). */
  held: boolean;
  /** The agent's leg (CC-Agent-UUID of bridge-agent-start); null while ringing. */
  agentLegUuid: string | null;
  /** The agent's mute as the switch confirmed it (call controls); absent = not muted. */
  muted?: boolean;
}

export interface QueueInfo {
  name: string;
  level: number;
  position: number;
  tierState: string;
  waiting: number;
}

export interface AgentInfo {
  name: string;
  status: string;
  state: string;
  contact: string;
  /** Why the agent is on break, when the gateway knows (set from the desk or after a disconnect). */
  breakReason: string | null;
  /** Epoch seconds of the switch's last status change (`last_status_change`; 0 = unknown): the page shows time in status. */
  statusChangedAt?: number;
}

export type Push =
  /** `outbound`: the agent's click-to-dial action not finished yet, as this instance follows it (null: none). */
  | { type: 'snapshot'; agent: AgentInfo; queues: QueueInfo[]; call: CallInfo | null; breakReasons: string[]; switchConnected: boolean; acw?: AcwInfo | null; nextStatus?: NextStatusInfo | null; outbound?: OutboundActionView | null }
  | { type: 'agent.status'; status: string; reason: string | null; changedAt?: number }
  | { type: 'agent.state'; state: string }
  | { type: 'agent.contact'; contact: string }
  | ({ type: 'call.offered' } & CallInfo)
  | { type: 'call.bridged'; queue: string; memberUuid: string; callerNumber: string; callerName: string; answeredAt: number; agentLegUuid: string; held: boolean }
  | { type: 'call.held'; queue: string; memberUuid: string; held: boolean; agentLegUuid: string | null }
  | { type: 'call.ended'; queue: string; memberUuid: string; cause: string; hangupCause: string | null; talkTimeS: number }
  | { type: 'call.missed'; queue: string; memberUuid: string; callerNumber: string; callerName: string; hangupCause: string; status: string | null }
  | { type: 'call.muted'; queue: string; memberUuid: string; muted: boolean }
  | { type: 'call.transferred'; queue: string; memberUuid: string; kind: TransferKind; to: string }
  | { type: 'call.consult'; queue: string; memberUuid: string; state: 'talking' | 'conference' | 'completed' | 'cancelled'; kind: TransferKind; to: string }
  | { type: 'queue.waiting'; queue: string; count: number }
  | { type: 'link'; switchConnected: boolean }
  /** An outbound action of this agent changed state (as the switch's channel events reported it). */
  | { type: 'outbound.state'; action: OutboundActionView }
  | ({ type: 'acw.started' } & Omit<AcwInfo, 'disposition'>)
  | { type: 'acw.disposition'; memberUuid: string; code: string; notes: string }
  | { type: 'acw.ended'; memberUuid: string; reason: 'timeout' | 'agent' | 'next-call' }
  | { type: 'agent.next-status'; status: NextStatusInfo['status'] | null; reason: string | null };

/** Another agent of the queues the page's agent serves (src/realtime/directory.ts). */
export interface DirectoryAgent {
  name: string;
  /** As the switch holds them. */
  status: string;
  state: string;
  /** `In a queue call`. */
  onCall: boolean;
  /** `Available` or `Available (On Demand)`, and `Waiting`: mod_callcenter would offer it a call now. */
  available: boolean;
  /** Its contact is a directory phone (`user/EXT`): a `call.transfer`/`call.consult` of kind `agent` can reach it. */
  reachable: boolean;
}

export interface DirectoryQueue {
  name: string;
  waiting: number;
}

/**
 * The transfer dialog's directory: not numbered (no `seq`), sent to one socket at
 * login and resume and when its content changed, at most once a second.
 */
export interface DirectoryMessage {
  type: 'directory';
  agents: DirectoryAgent[];
  queues: DirectoryQueue[];
  /** More agents or queues exist than were listed (the list is bounded). */
  truncated: boolean;
}

/** A push as sent: with the agent's increasing sequence number. */
export type SequencedPush = Push & { seq: number };

export type ServerMessage =
  | SequencedPush
  | DirectoryMessage
  | { type: 'ack'; id: string | number | null; token?: string; agent?: string; seq?: number; action?: OutboundActionView }
  | { type: 'error'; id: string | number | null; code: ErrorCode; message: string };

export type ErrorCode =
  | 'BAD_JSON'
  | 'BAD_MESSAGE'
  | 'UNKNOWN_TYPE'
  | 'TOO_LARGE'
  | 'NOT_LOGGED_IN'
  | 'ALREADY_LOGGED_IN'
  | 'AUTH_FAILED'
  | 'BAD_TOKEN'
  | 'BAD_REASON'
  | 'BAD_CONTACT'
  | 'AGENT_NOT_FOUND'
  | 'SWITCH_REFUSED'
  | 'SWITCH_DOWN'
  | 'SWITCH_TIMEOUT'
  | 'STORE_DOWN'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  // dial (outbound calls)
  | 'NUMBER_INVALID'
  | 'NUMBER_NOT_ALLOWED'
  | 'DIAL_RATE_LIMITED'
  | 'AGENT_BUSY'
  | 'NO_CONTACT'
  | 'NO_CALLER_ID'
  | 'IDEMPOTENCY_CONFLICT'
  | 'OUTBOUND_UNAVAILABLE'
  // after-call work
  | 'NO_ACW'
  | 'UNKNOWN_CALL'
  | 'BAD_DISPOSITION'
  | 'DISPOSITION_REQUIRED'
  // call controls (src/calls/controls/errors.ts); NO_CALL also for after-call work
  | 'NO_CALL'
  | 'CALL_GONE'
  | 'NOT_ALLOWED'
  | 'BAD_TARGET'
  | 'CONTROL_BUSY';
