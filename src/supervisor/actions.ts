import * as grammar from '../callcenter/grammar.js';
import { CallcenterError } from '../callcenter/replies.js';
import type { Actor, CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { AgentStatus } from '../callcenter/vocabulary.js';
import type { CallsReader } from '../calls/types.js';
import type { CallControls } from '../calls/controls/controls.js';
import { ControlError } from '../calls/controls/errors.js';
import { EslCommandError, EslLinkDownError, EslTimeoutError } from '../esl/errors.js';
import type { EavesdropMode, SupervisorErrorCode } from './protocol.js';
import { agentInScope, callInScope, type QueueScope } from './scope.js';
import type { SupervisorSwitch } from './switch-commands.js';

/** Who acts: a token's name, role and scope. */
export interface Supervisor {
  readonly name: string;
  readonly role: 'admin' | 'supervisor';
  readonly scope: QueueScope;
}

export class ActionError extends Error {
  constructor(
    readonly code: SupervisorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Action = 'agent.status' | 'agent.release' | 'call.hangup' | 'call.eavesdrop' | 'eavesdrop.stop';

/** The roles allowed each action: both console roles today, kept in one table so a stricter policy is one edit. */
const ROLES: Readonly<Record<Action, readonly Supervisor['role'][]>> = {
  'agent.status': ['admin', 'supervisor'],
  'agent.release': ['admin', 'supervisor'],
  'call.hangup': ['admin', 'supervisor'],
  'call.eavesdrop': ['admin', 'supervisor'],
  'eavesdrop.stop': ['admin', 'supervisor'],
};

export interface ActionDeps {
  readonly callCenter: Pick<CallCenter, 'setAgentStatus'>;
  readonly view: ViewReader;
  readonly calls: CallsReader;
  readonly switch: SupervisorSwitch;
  /** The call controls the desk and REST use: the hang-up goes through them (ack on the confirming event, audit, one control per call). */
  readonly controls: Pick<CallControls, 'hangup'>;
  /** The agent's queues (its tiers): the hub's index. */
  readonly queuesOfAgent: (agent: string) => Iterable<string>;
}

/**
 * The console's actions: role, then scope, then the switch. Every command goes
 * out with actor `{ source: 'supervisor', id: <token name>, agent }` and lands in
 * the audit stream. Something outside the token's scope is refused as
 * OUT_OF_SCOPE whether it exists or not, before anything is sent.
 */
export class SupervisorActions {
  /** Eavesdrop legs this gateway started, with the token that started them (only that token may stop one). */
  private readonly legs = new Map<string, string>();

  constructor(private readonly deps: ActionDeps) {}

  async setStatus(who: Supervisor, agent: string, status: AgentStatus): Promise<void> {
    this.allow(who, 'agent.status');
    this.agentInScope(who, agent);
    await this.switchCall(() => this.deps.callCenter.setAgentStatus(agent, grammar.agentStatus(status), actor(who, agent)));
  }

  async release(who: Supervisor, agent: string): Promise<void> {
    this.allow(who, 'agent.release');
    this.agentInScope(who, agent);
    const leg = this.agentLeg(agent);
    await this.switchCall(() => this.deps.switch.releaseAgent(leg, actor(who, agent)));
  }

  async hangup(who: Supervisor, callId: string): Promise<void> {
    this.allow(who, 'call.hangup');
    const call = this.deps.calls.get(callId);
    if (!call || !callInScope(who.scope, call)) throw outOfScope('call');
    // CallControls ends the agent leg when bridged (the caller follows), else the caller's, and answers once the switch reported the leg gone.
    await this.switchCall(() => this.deps.controls.hangup({ memberSessionUuid: call.memberSessionUuid }, actor(who, call.agent ?? undefined)));
  }

  async eavesdrop(who: Supervisor, agent: string, mode: EavesdropMode, phone: string): Promise<string> {
    this.allow(who, 'call.eavesdrop');
    this.agentInScope(who, agent);
    const call = this.deps.calls.ofAgent(agent);
    // Only a call in the scope: an agent in two queues may be serving another queue's caller.
    if (!call || !callInScope(who.scope, call) || call.phase !== 'bridged' || !call.agentLegUuid) throw new ActionError('NO_CALL', `${agent} has no bridged call to listen to`);
    const agentLeg = call.agentLegUuid;
    const leg = await this.switchCall(() => this.deps.switch.eavesdrop(phone, agentLeg, mode, actor(who, agent)));
    this.legs.set(leg, who.name);
    return leg;
  }

  async stopEavesdrop(who: Supervisor, leg: string): Promise<void> {
    this.allow(who, 'eavesdrop.stop');
    if (this.legs.get(leg) !== who.name) throw new ActionError('NOT_FOUND', 'no eavesdrop of yours with that leg');
    await this.switchCall(() => this.deps.switch.hangupLeg(leg, actor(who)));
    this.legs.delete(leg);
  }

  private allow(who: Supervisor, action: Action): void {
    if (!ROLES[action].includes(who.role)) throw new ActionError('FORBIDDEN', `role ${who.role} may not ${action}`);
  }

  private agentInScope(who: Supervisor, agent: string): void {
    grammar.agentName(agent);
    if (!agentInScope(who.scope, this.deps.queuesOfAgent(agent))) throw outOfScope('agent');
    if (!this.deps.view.agents.has(agent)) throw new ActionError('NOT_FOUND', `no agent ${agent}`);
  }

  /** The agent's leg of its queue call: the call model's, else the switch's own `uuid` column. */
  private agentLeg(agent: string): string {
    const leg = this.deps.calls.ofAgent(agent)?.agentLegUuid || this.deps.view.agents.get(agent)?.uuid;
    if (!leg) throw new ActionError('NO_CALL', `the gateway knows no call leg of ${agent}; nothing to release`);
    return leg;
  }

  private async switchCall<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toActionError(err);
    }
  }
}

function actor(who: Supervisor, agent?: string): Actor {
  return agent ? { source: 'supervisor', id: who.name, agent } : { source: 'supervisor', id: who.name };
}

function outOfScope(what: 'agent' | 'call'): ActionError {
  return new ActionError('OUT_OF_SCOPE', `that ${what} is not in your queues`);
}

/** A call control's refusal in the console's words (the codes are the desk's and REST's where the console has them). */
const CONTROL_CODES: Readonly<Record<ControlError['code'], SupervisorErrorCode>> = {
  NO_CALL: 'NO_CALL',
  CALL_GONE: 'CALL_GONE',
  CONTROL_BUSY: 'CONTROL_BUSY',
  NOT_ALLOWED: 'FORBIDDEN',
  BAD_TARGET: 'BAD_MESSAGE',
  BAD_MESSAGE: 'BAD_MESSAGE',
  SWITCH_REFUSED: 'SWITCH_REFUSED',
  SWITCH_TIMEOUT: 'SWITCH_TIMEOUT',
  SWITCH_DOWN: 'SWITCH_DOWN',
};

export function toActionError(err: unknown): ActionError {
  if (err instanceof ActionError) return err;
  if (err instanceof ControlError) return new ActionError(CONTROL_CODES[err.code], err.message);
  if (err instanceof grammar.GrammarError) return new ActionError('BAD_MESSAGE', err.message);
  if (err instanceof CallcenterError) return new ActionError(err.code === 'AGENT_NOT_FOUND' ? 'NOT_FOUND' : 'SWITCH_REFUSED', `FreeSWITCH refused: ${err.reply}`);
  if (err instanceof EslCommandError) return new ActionError('SWITCH_REFUSED', `FreeSWITCH refused: ${err.reply}`);
  if (err instanceof EslLinkDownError) return new ActionError('SWITCH_DOWN', 'FreeSWITCH is not reachable; nothing was changed');
  if (err instanceof EslTimeoutError) return new ActionError('SWITCH_TIMEOUT', 'FreeSWITCH did not answer in time');
  return new ActionError('INTERNAL', 'the gateway could not do that');
}
