import * as g from './grammar.js';
import type { AgentState, AgentStatus, AgentType, TierState } from './vocabulary.js';

/**
 * Pure builders for the `callcenter_config` commands the gateway sends (the
 * text after `api `). Every argument passes its grammar first; values with
 * spaces are single-quoted, which is how mod_callcenter's argument splitter
 * keeps them whole (unquoted `On Break` reaches the switch as `On`).
 */

const CC = 'callcenter_config';

function quote(value: string): string {
  return value.includes(' ') ? `'${value}'` : value;
}

/** Agent parameters settable with `agent set <key>`, with their ranges. */
export const AGENT_NUMERIC_KEYS = {
  max_no_answer: [0, 1000],
  wrap_up_time: [0, 86_400],
  reject_delay_time: [0, 86_400],
  busy_delay_time: [0, 86_400],
  no_answer_delay_time: [0, 86_400],
  ready_time: [0, 4_102_444_800],
} as const satisfies Record<string, readonly [number, number]>;
export type AgentNumericKey = keyof typeof AGENT_NUMERIC_KEYS;

export const agentAdd = (name: string, type: AgentType = 'callback'): string => `${CC} agent add ${g.agentName(name)} ${g.agentType(type)}`;
export const agentDel = (name: string): string => `${CC} agent del ${g.agentName(name)}`;
export const agentSetStatus = (name: string, status: AgentStatus): string =>
  `${CC} agent set status ${g.agentName(name)} ${quote(g.agentStatus(status))}`;
export const agentSetState = (name: string, state: AgentState): string =>
  `${CC} agent set state ${g.agentName(name)} ${quote(g.agentState(state))}`;
export const agentSetContact = (name: string, contact: string): string => `${CC} agent set contact ${g.agentName(name)} ${g.contact(contact)}`;
export const agentSetType = (name: string, type: AgentType): string => `${CC} agent set type ${g.agentName(name)} ${g.agentType(type)}`;
export function agentSetNumber(name: string, key: AgentNumericKey, value: number): string {
  const [min, max] = AGENT_NUMERIC_KEYS[key];
  return `${CC} agent set ${key} ${g.agentName(name)} ${g.integer(key, value, min, max)}`;
}
export const agentGetStatus = (name: string): string => `${CC} agent get status ${g.agentName(name)}`;
export const agentList = (name?: string): string => (name === undefined ? `${CC} agent list` : `${CC} agent list ${g.agentName(name)}`);

export const tierAdd = (queue: string, agent: string, level = 1, position = 1): string =>
  `${CC} tier add ${g.queueName(queue)} ${g.agentName(agent)} ${g.integer('level', level, 0, 1000)} ${g.integer('position', position, 0, 100_000)}`;
export const tierSetLevel = (queue: string, agent: string, level: number): string =>
  `${CC} tier set level ${g.queueName(queue)} ${g.agentName(agent)} ${g.integer('level', level, 0, 1000)}`;
export const tierSetPosition = (queue: string, agent: string, position: number): string =>
  `${CC} tier set position ${g.queueName(queue)} ${g.agentName(agent)} ${g.integer('position', position, 0, 100_000)}`;
export const tierSetState = (queue: string, agent: string, state: TierState): string =>
  `${CC} tier set state ${g.queueName(queue)} ${g.agentName(agent)} ${quote(g.tierState(state))}`;
export const tierDel = (queue: string, agent: string): string => `${CC} tier del ${g.queueName(queue)} ${g.agentName(agent)}`;
export const tierList = (): string => `${CC} tier list`;

export const queueList = (): string => `${CC} queue list`;
export const queueListMembers = (queue: string): string => `${CC} queue list members ${g.queueName(queue)}`;
export const queueReload = (queue: string): string => `${CC} queue reload ${g.queueName(queue)}`;
export const queueLoad = (queue: string): string => `${CC} queue load ${g.queueName(queue)}`;
export const queueUnload = (queue: string): string => `${CC} queue unload ${g.queueName(queue)}`;
