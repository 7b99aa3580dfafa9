/**
 * mod_callcenter's words, spelled exactly as the switch spells them
 * (mod_callcenter.c: AGENT_STATUS_*, AGENT_STATE_*, TIER_STATE_*, member states).
 * The switch stores a status string as given and routes only on exact
 * `Available`, so only these spellings may ever be sent.
 */

export const AGENT_STATUSES = ['Logged Out', 'Available', 'Available (On Demand)', 'On Break'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const AGENT_STATES = ['Unknown', 'Waiting', 'Receiving', 'In a queue call', 'Idle', 'Reserved'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const AGENT_TYPES = ['callback', 'uuid-standby'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

export const TIER_STATES = ['Unknown', 'No Answer', 'Ready', 'Offering', 'Active Inbound', 'Standby'] as const;
export type TierState = (typeof TIER_STATES)[number];

export const MEMBER_STATES = ['Unknown', 'Waiting', 'Trying', 'Answered', 'Abandoned'] as const;
export type MemberState = (typeof MEMBER_STATES)[number];

/** `CC-Cause` of member-queue-end. */
export const MEMBER_CAUSES = ['Terminated', 'Cancel'] as const;
export type MemberCause = (typeof MEMBER_CAUSES)[number];

/** `CC-Cancel-Reason` of member-queue-end with cause Cancel. */
export const CANCEL_REASONS = ['NONE', 'NO_AGENT_TIMEOUT', 'TIMEOUT', 'BREAK_OUT', 'EXIT_WITH_KEY'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const QUEUE_STRATEGIES = [
  'ring-all',
  'longest-idle-agent',
  'round-robin',
  'top-down',
  'agent-with-least-talk-time',
  'agent-with-fewest-calls',
  'sequentially-by-agent-order',
  'random',
  'ring-progressively',
] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
