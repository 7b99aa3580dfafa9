// Types of web/desk/state.js (plain JS for the browser) so that the node tests,
// which are TypeScript, import it with types instead of `any`.

export interface Session { agent: string; token: string }
export interface AgentInfo { name: string; status: string; state: string; contact: string; breakReason: string | null }
export interface QueueInfo { name: string; level: number; position: number; tierState: string; waiting: number }

export interface Call {
  queue: string;
  memberUuid: string;
  callerNumber: string;
  callerName: string;
  dnis: string;
  joinedAt: number;
  data: Record<string, unknown> | null;
  dataUnavailable: boolean;
  phase: 'ringing' | 'talking';
  answeredAt: number | null;
  held: boolean;
  muted: boolean;
  agentLegUuid: string | null;
  transferred: { kind: string; to: string } | null;
  consult: { state: string; kind: string; to: string } | null;
}

export interface CallRow {
  seq: number | null;
  at: number;
  memberUuid: string;
  number: string;
  name: string;
  queue: string;
  outcome: 'answered' | 'ended' | 'missed';
  talkTimeS: number | null;
  cause: string;
  hangupCause: string;
  statusMovedTo: string | null;
  whileAway: boolean;
  transferred: { kind: string; to: string } | null;
}

export interface WrapUp {
  memberUuid: string;
  queue: string;
  startedAt: number;
  endsAt: number;
  dispositions: Array<{ code: string; label: string }>;
  required: boolean;
  disposition: { code: string; notes: string } | null;
  ended: string | null;
}

export interface Outbound { id: string; number: string; callerId: string; state: string; cause: string | null; bridgedAt: unknown }
export interface DirectoryAgent { name: string; status: string; state: string; onCall: boolean; available: boolean; reachable: boolean }
export interface Directory { agents: DirectoryAgent[]; queues: Array<{ name: string; waiting: number }>; truncated: boolean }
export interface NextStatus { status: 'On Break' | 'Logged Out'; reason: string | null }

export interface Pending { id: string; kind: string; agent?: string; target?: string }
export type PageError = { key: string; params?: Record<string, unknown>; code?: string; message?: string } | { code: string; message: string; key?: undefined };

export type Effect = 'saveSession' | 'saveCalls' | 'resetBackoff' | 'clearPassword' | 'closeSocket' | 'restartSocket' | `focus:${string}`;

export interface DeskState {
  view: 'login' | 'desk';
  session: Session | null;
  lastSeq: number;
  socketOpen: boolean;
  live: boolean;
  switchConnected: boolean;
  agent: AgentInfo | null;
  statusSince: number | null;
  queues: QueueInfo[];
  breakReasons: string[];
  call: Call | null;
  calls: CallRow[];
  wrapUp: WrapUp | null;
  nextStatus: NextStatus | null;
  outbound: Outbound | null;
  directory: Directory | null;
  pending: Pending | null;
  error: PageError | null;
  loginAgent: string;
  unsupported: Record<string, boolean>;
  effects: Effect[];
}

/** A server message (src/realtime/protocol.ts and additions) or a page event (`local/…`). */
export type DeskMessage = { type: string; [field: string]: unknown };

export interface Control { enabled: boolean; pending: boolean; pressed: boolean }
export type BarKind = 'hangup' | 'hold' | 'mute' | 'keypad' | 'transfer' | 'consult' | 'consultComplete' | 'consultCancel' | 'conference' | 'dial';

export const MAX_CALL_ROWS: number;
export const SESSION_GONE_CODES: Set<string>;
export const OUTBOUND_FINAL: Set<string>;
export function initialState(): DeskState;
export function reduce(state: DeskState, msg: DeskMessage, now: number): DeskState;
export function callFrom(c: Record<string, unknown>): Call;
export function wrapUpFrom(a: Record<string, unknown>): WrapUp;
export function directoryFrom(d: Record<string, unknown>): Directory;
export function canCommand(s: DeskState): boolean;
export function shownStatus(s: DeskState): { status: string; state: string | null; breakReason: string | null; since: number | null } | null;
export function statusTone(s: DeskState): 'unknown' | 'incall' | 'available' | 'ondemand' | 'break' | 'loggedout' | 'other';
export function statusControls(s: DeskState): { ready: { enabled: boolean; pending: boolean }; busy: { enabled: boolean; pending: boolean }; logout: { enabled: boolean; pending: boolean }; reasonSelect: boolean };
export function outboundActive(s: DeskState): boolean;
export function callBar(s: DeskState): Record<BarKind, Control>;
export function wrapUpControls(s: DeskState): { save: { enabled: boolean; pending: boolean }; end: { enabled: boolean; pending: boolean } };
export function nextStatusControls(s: DeskState): { enabled: boolean; pending: string | null; current: NextStatus | null };
