import type { SwitchCore } from './core.js';
import type { SITES } from './event-builder.js';
import type { Channel } from './channel.js';
import type { AgentLegs, ParsedContact } from './legs.js';
import type { Member } from './switch-model.js';

/**
 * What the routing modules share: the public option and caller types, the
 * per-call records (a caller's two legs, an agent offer) and the indexes
 * that find them by session uuid, agent name or waiting state.
 */

/** How an agent's phone behaves when offered a call. */
export type AnswerMode =
  | { readonly mode: 'answer'; readonly afterMs?: number }
  /** Rings until the originate times out (leg_timeout / originate_timeout, else agent-originate-timeout). */
  | { readonly mode: 'no-answer'; readonly afterMs?: number; readonly cause?: string }
  /** Declines: CALL_REJECTED unless another cause (e.g. USER_BUSY) is given. */
  | { readonly mode: 'reject'; readonly afterMs?: number; readonly cause?: string }
  /** Loopback contact whose dialplan answers but never bridges (fixture 07). */
  | { readonly mode: 'no-bridge'; readonly afterMs?: number; readonly giveUpAfterMs?: number };

export interface DialplanExtension {
  readonly queue: string;
  /** Variables the extension `set`s before `callcenter`, in order (e.g. cc_export_vars). */
  readonly variables?: ReadonlyArray<readonly [string, string]>;
}

export interface RoutingOptions {
  ringMs: number;
  /** mod_callcenter waits this long for a loopback agent to bridge (5000 in the real module). */
  noBridgeGiveUpMs: number;
  /** callcenter.conf agent-originate-timeout (seconds). */
  agentOriginateTimeoutS: number;
  /** The phone behind a loopback agent contact `loopback/<ext>/...`. */
  loopbackTarget: (ext: string) => string;
  /** Loopback extensions that run `callcenter <queue>`. */
  dialplan: Readonly<Record<string, DialplanExtension>>;
}

export interface CallerSpec {
  readonly number: string;
  readonly name: string;
  /** Dialplan extension (default: the first one mapped to `queue`, else 7000). */
  readonly destination?: string;
  readonly queue?: string;
  readonly context?: string;
  readonly variables?: Readonly<Record<string, string>>;
  /** The -a leg uuid (origination_uuid); random when absent. */
  readonly uuid?: string;
  /**
   * The number dialled before a `transfer` brought the caller here (e.g. an IVR's 7100): the
   * caller profile's rdnis, which mod_callcenter sends as CC-Member-DNIS on agent-offering and
   * bridge-agent-start (no header when the caller dialled the queue directly; real switch).
   */
  readonly rdnis?: string;
}

export interface CallerIds {
  /** The -a leg (origination_uuid): what `uuid_kill` of the originator uses. */
  readonly callerUuid: string;
  /** The -b leg running `callcenter`: CC-Member-Session-UUID. */
  readonly memberSessionUuid: string;
  /** CC-Member-UUID (empty when the destination is not a queue). */
  readonly memberUuid: string;
}

export interface CallerCall {
  readonly a: Channel;
  readonly b: Channel;
  readonly queue: string | null;
  /** CallerSpec.rdnis (null: dialled directly). */
  readonly rdnis: string | null;
  member: Member | null;
  readonly joinedMs: number;
  offer: Offer | null;
  phase: 'waiting' | 'bridged' | 'parked' | 'done';
  maxWaitTimer: NodeJS.Timeout | null;
  /**
   * The agent leg was moved away from the member by a consult (`uuid_bridge <agent> <party>`) or a
   * conference, while mod_callcenter still watches the queue call: the agent leg's hang-up then ends
   * that leg and the queue call only, the caller stays (consult.ts).
   */
  detached?: boolean;
}

/** outbound_agent_thread_run's call_helper: agent values as they were when the member was assigned. */
export interface Offer {
  readonly call: CallerCall;
  readonly member: Member;
  readonly queue: string;
  readonly agentName: string;
  readonly agentType: string;
  readonly agentStatus: string;
  readonly noAnswerCount: number;
  readonly maxNoAnswer: number;
  readonly rejectDelay: number;
  readonly busyDelay: number;
  readonly noAnswerDelay: number;
  readonly noAnswerStatus: string;
  contact: ParsedContact | null;
  target: string;
  legs: AgentLegs | null;
  agentChannel: Channel | null;
  calledS: number;
  answeredS: number;
  phase: 'ringing' | 'no-bridge' | 'bridged' | 'done';
  timer: NodeJS.Timeout | null;
}

export type Owner = { readonly call: CallerCall } | { readonly offer: Offer };

/** The live calls, offers and waiting members, indexed for O(1) lookups. */
export class CallRegistry {
  /** Caller calls by -a leg uuid. */
  readonly calls = new Map<string, CallerCall>();
  /** Session uuid -> what it belongs to (uuid_kill, hangups). */
  readonly owners = new Map<string, Owner>();
  /** Agent name -> its current offer (an agent has at most one). */
  readonly offers = new Map<string, Offer>();
  /** Members in state Waiting: what the dispatcher looks at. */
  readonly waiting = new Set<Member>();
  readonly answerModes = new Map<string, AnswerMode>();

  forgetCall(call: CallerCall): void {
    this.calls.delete(call.a.uuid);
    this.owners.delete(call.a.uuid);
    this.owners.delete(call.b.uuid);
  }
}

export function fireCc(core: SwitchCore, site: (typeof SITES)[keyof typeof SITES], channel: ReadonlyArray<readonly [string, string]>, headers: ReadonlyArray<readonly [string, string]>): void {
  core.fire(core.events.callcenter(site, headers, channel));
}

export function cancelMaxWait(core: SwitchCore, call: CallerCall): void {
  core.timers.cancel(call.maxWaitTimer);
  call.maxWaitTimer = null;
}
