import { EventEmitter } from 'node:events';
import type { EslLink } from '../../esl/link.js';
import type { EslEvent } from '../../esl/event.js';
import { EslCommandError, EslLinkDownError, EslTimeoutError, EslWireError } from '../../esl/errors.js';
import type { Actor, CommandRecord } from '../../callcenter/service.js';
import type { ViewReader } from '../../callcenter/state.js';
import type { Logger } from '../../log.js';
import type { CallView, CallsReader, LegView } from '../types.js';
import * as cmd from './commands.js';
import { routeOf, type ControlsConfig } from './config.js';
import { ControlError } from './errors.js';
import { digits as checkDigits, holdMusic, transferTarget, type TransferTarget } from './grammar.js';
import { alive } from './legs.js';
import { Consults, type ConsultState } from './consult.js';

/**
 * Which call a control is about. `{ agent }`: the agent's own current call,
 * bridged to it (the desk: an agent acts on nothing else); `{ memberSessionUuid }`:
 * any call of the model (REST and the supervisor console, whose callers check
 * the role). `memberUuid`, when given, must be the call's current queue episode:
 * a page acting on the call it shows refuses to act on another.
 */
export type CallRef = { readonly agent: string; readonly memberUuid?: string } | { readonly memberSessionUuid: string; readonly memberUuid?: string };

export type ControlName = 'hangup' | 'hold' | 'unhold' | 'mute' | 'unmute' | 'dtmf' | 'transfer' | 'consult' | 'consult-complete' | 'consult-cancel' | 'conference';

export interface ControlResult {
  readonly control: ControlName;
  readonly memberSessionUuid: string;
  readonly memberUuid: string;
  /** The switch's reply to the (last) command. */
  readonly reply: string;
  /** From the first command sent to the confirming event. */
  readonly latencyMs: number;
}

export interface CallControlsEvents {
  /** The switch confirmed the agent leg's mute (MEDIA_BUG_START/STOP of `uuid_audio … mute`). */
  muted: [call: CallView, muted: boolean];
  /** A transfer the switch carried out (the caller left the agent); `call` is the call as it was before. */
  transferred: [call: CallView, target: TransferTarget];
  /** A consult's state as the switch confirmed it (consult.ts). */
  consult: [call: CallView, state: ConsultState, target: TransferTarget];
}

export interface CallControlsDeps {
  /** The subscribed ESL link: commands, and the events that confirm them. */
  readonly client: Pick<EslLink, 'api' | 'bgapi' | 'ready' | 'on' | 'off'>;
  /** The live call model, fed from the same link before this listens (gateway.ts wires it first). */
  readonly calls: CallsReader;
  readonly view: ViewReader;
  readonly config: ControlsConfig;
  /** Every control, refused or not (the audit stream). */
  readonly onCommand?: (record: CommandRecord) => void;
  readonly logger: Logger;
}

/** The media-bug events `uuid_audio` fires on the leg (subscribed in ../subscription.ts). */
export const MUTE_EVENTS = ['MEDIA_BUG_START', 'MEDIA_BUG_STOP'] as const;

/** Controls refused while a consult is talking (the caller is parked meanwhile). */
const DURING_CONSULT: ReadonlySet<ControlName> = new Set(['hangup', 'hold', 'unhold', 'dtmf', 'transfer']);

/** How long a transferred caller's agent leg may stay up before the gateway releases the agent itself. */
const RELEASE_GRACE_MS = 1000;

/** One control in flight: the commands it sent, their replies, and its clock. */
export class Operation {
  readonly commands: string[] = [];
  readonly replies: string[] = [];
  readonly started = performance.now();
  constructor(
    private readonly controls: CallControls,
    readonly call: CallView,
  ) {}

  /** Sends one command; `-ERR` becomes SWITCH_REFUSED unless `accept` takes it (callcenter_break's `-ERR no reply`). */
  async send(command: string, accept?: (reply: string) => boolean): Promise<string> {
    this.commands.push(command);
    try {
      const reply = await this.controls.api(command);
      this.replies.push(reply.trimEnd());
      return reply;
    } catch (err) {
      if (err instanceof EslCommandError) {
        this.replies.push(err.reply);
        if (accept?.(err.reply)) return err.reply;
        throw new ControlError('SWITCH_REFUSED', `FreeSWITCH refused: ${err.reply.slice(0, 200)}`);
      }
      if (err instanceof EslTimeoutError) {
        this.replies.push('(no reply)');
        throw new ControlError('SWITCH_TIMEOUT', 'FreeSWITCH did not answer in time; the control may still happen');
      }
      if (err instanceof EslLinkDownError) {
        this.replies.push('(link down)');
        throw new ControlError('SWITCH_DOWN', 'FreeSWITCH is not reachable');
      }
      if (err instanceof EslWireError) throw new ControlError('BAD_MESSAGE', err.message);
      throw err;
    }
  }

  /**
   * A command whose reply comes as a BACKGROUND_JOB (an originate that rings for seconds must not hold the link).
   * `near`: a channel the new leg must share a switch with (several switches: src/switches/).
   */
  async sendBackground(command: string, timeoutMs: number, near?: string): Promise<string> {
    this.commands.push(`bgapi ${command}`);
    let reply: string;
    try {
      reply = await this.controls.bgapi(command, timeoutMs, near);
    } catch (err) {
      if (err instanceof EslTimeoutError) throw new ControlError('SWITCH_TIMEOUT', 'FreeSWITCH did not answer in time');
      if (err instanceof EslLinkDownError) throw new ControlError('SWITCH_DOWN', 'FreeSWITCH is not reachable');
      throw err;
    }
    this.replies.push(reply.trimEnd());
    if (reply.startsWith('-')) throw new ControlError('SWITCH_REFUSED', `FreeSWITCH refused: ${reply.trimEnd().slice(0, 200)}`);
    return reply;
  }

  /** Resolves once `check` holds (at once, or after an event from the switch); SWITCH_TIMEOUT past `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void> {
    return this.controls.until(check, what, timeoutMs);
  }
}

/**
 * Call controls (hang up, hold, mute, DTMF, blind transfer) over the ESL link.
 * Each is acknowledged only when the switch has done it: the confirming event
 * (CHANNEL_HOLD, the agent leg gone, MEDIA_BUG_START, the caller unbridged or
 * back in a queue) as the call model or the event stream reports it, not the
 * `+OK`. Refused with a ControlError otherwise; a refusal before a command was
 * sent changes nothing. Every control is audited. One control at a time per call.
 */
export class CallControls extends EventEmitter<CallControlsEvents> {
  private readonly busy = new Set<string>();
  /** Agent legs with the gateway's mute bug on, as the switch reported (MEDIA_BUG_START/STOP). */
  private readonly mutedLegs = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private readonly onEvent = (e: EslEvent): void => this.event(e);
  private readonly consults: Consults;

  constructor(private readonly deps: CallControlsDeps) {
    super();
    deps.client.on('event', this.onEvent);
    this.consults = new Consults(this, deps.config, (call) => holdMusic(deps.view.queues.get(call.queue)?.config.moh_sound), deps.calls, deps.logger);
    this.consults.on('consult', (call, state, target) => this.emit('consult', call, state, target));
    deps.calls.on('removed', (c) => {
      if (c.agentLegUuid) this.mutedLegs.delete(c.agentLegUuid);
      this.consults.forget(c.memberSessionUuid);
    });
  }

  /** Consult (attended) transfer: the caller hears music, the agent talks to the target (consult.ts). */
  consult(ref: CallRef, target: TransferTarget, actor: Actor): Promise<ControlResult> {
    return this.consults.consult(ref, target, actor);
  }

  /** Caller and consulted party talk; the agent is released. */
  consultComplete(ref: CallRef, actor: Actor): Promise<ControlResult> {
    return this.consults.complete(ref, actor);
  }

  /** The consulted party is dropped; the agent talks to the caller again. */
  consultCancel(ref: CallRef, actor: Actor): Promise<ControlResult> {
    return this.consults.cancel(ref, actor);
  }

  /** Caller, agent and consulted party in one conference; the agent may then hang up and the other two stay. */
  conference(ref: CallRef, actor: Actor): Promise<ControlResult> {
    return this.consults.conference(ref, actor);
  }

  /** The open consult of a call (its state and target), if any. */
  consultOf(call: CallView): { readonly state: 'talking' | 'conference'; readonly target: TransferTarget } | undefined {
    return this.consults.of(call.memberSessionUuid);
  }

  close(): void {
    this.deps.client.off('event', this.onEvent);
  }

  /** Whether the agent leg of this call is muted by the gateway, as the switch last reported. */
  isMuted(call: CallView): boolean {
    return call.agentLegUuid !== null && this.mutedLegs.has(call.agentLegUuid);
  }

  // ---- the controls -----------------------------------------------------------

  /** Ends the call: the agent leg when bridged (the caller follows: fixture 18), else the caller's leg. */
  hangup(ref: CallRef, actor: Actor): Promise<ControlResult> {
    return this.run('hangup', ref, actor, { bridged: 'agent' in ref }, async (op, call) => {
      const agentLeg = alive(call.agentLeg);
      const target = call.phase === 'bridged' && agentLeg ? agentLeg : alive(call.member);
      if (!target) throw new ControlError('CALL_GONE', 'the call has no leg left to hang up');
      const reply = await this.refusedAsGone(op, cmd.kill(target.uuid));
      await op.until(() => this.legGone(call.memberSessionUuid, target.uuid), 'the leg hung up');
      return reply;
    });
  }

  /**
   * Holds or unholds the agent leg: the agent's phone is told, and the caller
   * hears the leg's `hold_music` (set to the queue's moh-sound first). Only on a
   * SIP leg: on loopback/null legs `uuid_hold off` always fails (fixture 10b), so
   * a hold there could never be undone and is refused up front.
   */
  hold(ref: CallRef, on: boolean, actor: Actor): Promise<ControlResult> {
    return this.run(on ? 'hold' : 'unhold', ref, actor, { bridged: true }, async (op, call) => {
      const leg = this.agentLegOf(call);
      if (!leg.channelName.startsWith('sofia/')) throw new ControlError('NOT_ALLOWED', `hold is only offered on SIP legs: ${leg.channelName || 'this leg'} could not be taken off hold again`);
      if (leg.held === on) throw new ControlError('NOT_ALLOWED', on ? 'the call is already on hold' : 'the call is not on hold');
      if (on) {
        const music = holdMusic(this.deps.view.queues.get(call.queue)?.config.moh_sound);
        if (music) await op.send(cmd.setHoldMusic(leg.uuid, music));
      }
      const reply = await op.send(on ? cmd.hold(leg.uuid) : cmd.unhold(leg.uuid));
      await op.until(() => this.current(call)?.agentLeg?.held === on, on ? 'CHANNEL_HOLD' : 'CHANNEL_UNHOLD');
      return reply;
    });
  }

  /** Silences what the agent's phone sends (the caller stops hearing the agent), or lifts it. */
  mute(ref: CallRef, on: boolean, actor: Actor): Promise<ControlResult> {
    return this.run(on ? 'mute' : 'unmute', ref, actor, { bridged: true }, async (op, call) => {
      const leg = this.agentLegOf(call);
      if (this.mutedLegs.has(leg.uuid) === on) throw new ControlError('NOT_ALLOWED', on ? 'the agent is already muted' : 'the agent is not muted');
      const reply = await op.send(on ? cmd.mute(leg.uuid) : cmd.unmute(leg.uuid));
      await op.until(() => this.mutedLegs.has(leg.uuid) === on, on ? 'MEDIA_BUG_START' : 'MEDIA_BUG_STOP');
      return reply;
    });
  }

  /**
   * Sends DTMF towards the caller (out of the member leg: fixture 18). The switch
   * fires no event for DTMF it sends on a SIP leg, so its exact reply
   * `+OK <uuid> sent DTMF <digits>.` is the confirmation.
   */
  dtmf(ref: CallRef, digits: string, actor: Actor): Promise<ControlResult> {
    return this.run('dtmf', ref, actor, { bridged: true }, async (op, call) => {
      const d = checkDigits(digits);
      const member = alive(call.member);
      if (!member) throw new ControlError('CALL_GONE', 'the caller has hung up');
      const reply = await this.refusedAsGone(op, cmd.sendDtmf(member.uuid, d));
      if (!cmd.dtmfSent(reply, member.uuid, d)) throw new ControlError('SWITCH_REFUSED', `unexpected reply: ${reply.trimEnd().slice(0, 200)}`);
      return reply;
    });
  }

  /**
   * Blind transfer of the caller: to an extension of the transfer context, into
   * another queue (the same channel re-enters, its variables and so its pop data
   * with it: fixture 12), or to an outside number through an admin route. The
   * switch hangs the agent leg up (11, 12); should it stay (park_after_bridge on
   * the agent leg), mod_callcenter would keep the agent `In a queue call`
   * (11, 13), so the gateway then releases it with `callcenter_break agent` and
   * ends the leg.
   */
  transfer(ref: CallRef, target: TransferTarget, actor: Actor): Promise<ControlResult> {
    return this.run('transfer', ref, actor, { bridged: 'agent' in ref }, async (op, call) => {
      const t = transferTarget(target.kind, target.to);
      const member = alive(call.member);
      if (!member) throw new ControlError('CALL_GONE', 'the caller has hung up');
      let command: string;
      if (t.kind === 'queue') {
        if (!this.deps.view.queues.has(t.to)) throw new ControlError('BAD_TARGET', `no queue ${t.to} on the switch`);
        command = cmd.transferToQueue(member.uuid, t.to);
      } else if (t.kind === 'number') {
        const context = routeOf(this.deps.config.numberRoutes, t.to);
        if (!context) throw new ControlError('NOT_ALLOWED', `no admin route allows transfers to ${t.to}`);
        command = cmd.transferXml(member.uuid, t.to, context);
      } else {
        command = cmd.transferXml(member.uuid, t.to, this.deps.config.transferContext);
      }
      const reply = await this.refusedAsGone(op, command);
      const agentLeg = alive(call.agentLeg);
      if (t.kind === 'queue') {
        // member-queue-start of the new episode (same session, new member uuid: 12).
        await op.until(() => {
          const v = this.deps.calls.get(call.memberSessionUuid);
          return !v || (v.queue === t.to && v.memberUuid !== call.memberUuid);
        }, 'the caller in the new queue');
      } else if (agentLeg) {
        // The caller leaves the agent: its unbridge, or the agent leg's end (11).
        await op.until(() => {
          const v = this.deps.calls.get(call.memberSessionUuid);
          return !v || !v.member || v.member.gone || v.member.bridgedTo !== agentLeg.uuid || Boolean(v.agentLeg?.gone);
        }, 'the caller unbridged from the agent');
      } else {
        await op.until(() => {
          const v = this.deps.calls.get(call.memberSessionUuid);
          return !v || v.phase === 'ended' || v.memberUuid !== call.memberUuid;
        }, 'the caller out of the queue');
      }
      if (agentLeg) await this.release(op, call, agentLeg.uuid);
      this.emit('transferred', call, t);
      return reply;
    });
  }

  // ---- plumbing ---------------------------------------------------------------

  /** Used by Operation: one api command on the link (nothing is sent while it is down). */
  async api(command: string): Promise<string> {
    if (!this.deps.client.ready) throw new EslLinkDownError();
    return this.deps.client.api(command);
  }

  async bgapi(command: string, timeoutMs: number, near?: string): Promise<string> {
    if (!this.deps.client.ready) throw new EslLinkDownError();
    return this.deps.client.bgapi(command, near ? { timeoutMs, near } : { timeoutMs });
  }

  until(check: () => boolean, what: string, timeoutMs = this.deps.config.timeoutMs): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(new ControlError('SWITCH_TIMEOUT', `FreeSWITCH accepted the command but did not report ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Every event off the link, after the call model applied it: mute bugs, then the waiting controls. */
  private event(e: EslEvent): void {
    if (e.name === 'MEDIA_BUG_START' || e.name === 'MEDIA_BUG_STOP') this.mediaBug(e);
    for (const w of [...this.waiters]) w();
  }

  private mediaBug(e: EslEvent): void {
    const h = e.headers;
    if (h.get('Media-Bug-Function') !== 'audio' || h.get('Media-Bug-Target') !== 'mute') return;
    const uuid = h.get('Unique-ID') ?? '';
    const on = e.name === 'MEDIA_BUG_START';
    if (this.mutedLegs.has(uuid) === on) return;
    if (on) this.mutedLegs.add(uuid);
    else this.mutedLegs.delete(uuid);
    const call = this.deps.calls.list().find((c) => c.agentLegUuid === uuid);
    if (call) this.emit('muted', call, on);
  }

  /** Runs one control: finds the call, takes its lock, audits the outcome (also for consult.ts). */
  async run(name: ControlName, ref: CallRef, actor: Actor, opts: { bridged: boolean }, body: (op: Operation, call: CallView) => Promise<string>): Promise<ControlResult> {
    const started = performance.now();
    let op: Operation | null = null;
    let call: CallView | null = null;
    try {
      call = this.resolve(ref, opts.bridged);
      // While the agent talks to a consulted party the caller is parked: hanging the agent leg up,
      // holding it or transferring the caller would strand the caller. Complete or cancel first.
      if (this.consults.of(call.memberSessionUuid)?.state === 'talking' && DURING_CONSULT.has(name)) {
        throw new ControlError('NOT_ALLOWED', 'a consult is open: complete or cancel it first');
      }
      if (this.busy.has(call.memberSessionUuid)) throw new ControlError('CONTROL_BUSY', 'another control on this call is waiting for the switch');
      this.busy.add(call.memberSessionUuid);
      try {
        op = new Operation(this, call);
        const reply = await body(op, call);
        const latencyMs = performance.now() - op.started;
        this.audit(actor, call, name, op, true, `${op.replies.join(' | ')} | confirmed`, latencyMs);
        return { control: name, memberSessionUuid: call.memberSessionUuid, memberUuid: call.memberUuid, reply: reply.trimEnd(), latencyMs };
      } finally {
        this.busy.delete(call.memberSessionUuid);
      }
    } catch (err) {
      const e = err instanceof ControlError ? err : new ControlError('SWITCH_REFUSED', (err as Error).message);
      if (!(err instanceof ControlError)) this.deps.logger.error({ err, control: name }, 'call control failed unexpectedly');
      this.audit(actor, call, name, op, false, [...(op?.replies ?? []), `${e.code}: ${e.message}`].join(' | '), performance.now() - (op?.started ?? started));
      throw e;
    }
  }

  private resolve(ref: CallRef, bridged: boolean): CallView {
    const call = 'agent' in ref ? this.deps.calls.ofAgent(ref.agent) : this.deps.calls.get(ref.memberSessionUuid);
    if (!call) {
      if (ref.memberUuid) throw new ControlError('CALL_GONE', 'that call has ended');
      throw new ControlError('NO_CALL', 'agent' in ref ? 'the agent has no call' : 'no such call');
    }
    if (ref.memberUuid && ref.memberUuid !== call.memberUuid) throw new ControlError('CALL_GONE', 'that call is not the current one any more');
    if ('agent' in ref && call.agent !== ref.agent) throw new ControlError('NO_CALL', 'the agent has no call');
    if (bridged && (call.phase !== 'bridged' || !alive(call.agentLeg))) {
      if (call.phase === 'ended') throw new ControlError('CALL_GONE', 'the call has ended');
      throw new ControlError('NO_CALL', 'the call is not answered by an agent');
    }
    if (call.phase === 'ended' && !alive(call.member) && !alive(call.agentLeg)) throw new ControlError('CALL_GONE', 'the call has ended');
    return call;
  }

  agentLegOf(call: CallView): LegView {
    const leg = alive(call.agentLeg);
    if (!leg) throw new ControlError('CALL_GONE', 'the agent leg has hung up');
    return leg;
  }

  /** The call as the model shows it now, if it is still the same queue episode. */
  current(call: CallView): CallView | undefined {
    const v = this.deps.calls.get(call.memberSessionUuid);
    return v && v.memberUuid === call.memberUuid ? v : undefined;
  }

  legGone(session: string, uuid: string): boolean {
    const v = this.deps.calls.get(session);
    if (!v) return true;
    const leg = v.member?.uuid === uuid ? v.member : v.agentLeg?.uuid === uuid ? v.agentLeg : null;
    return !leg || leg.gone || leg.state === 'hangup';
  }

  /** A leg that vanished between the model's last event and the command: the call is gone, not refused. */
  private async refusedAsGone(op: Operation, command: string): Promise<string> {
    try {
      return await op.send(command);
    } catch (err) {
      const last = op.replies.at(-1) ?? '';
      if (err instanceof ControlError && err.code === 'SWITCH_REFUSED' && /no such channel|invalid uuid|not found/i.test(last)) {
        throw new ControlError('CALL_GONE', `the call has ended (${last.slice(0, 80)})`);
      }
      throw err;
    }
  }

  /**
   * After a transfer: the switch normally hangs the agent leg up, and mod_callcenter ends the
   * agent's call. If the leg stays (it was parked), release the agent: `callcenter_break agent`
   * (`-ERR no reply` when it works; `Session not found` when the leg went meanwhile) and end the leg.
   */
  async release(op: Operation, call: CallView, agentLeg: string): Promise<void> {
    try {
      await op.until(() => this.legGone(call.memberSessionUuid, agentLeg), 'the agent leg hung up', RELEASE_GRACE_MS);
      return;
    } catch {
      // still up: released below
    }
    this.deps.logger.warn({ call: call.memberSessionUuid, agentLeg }, 'agent leg still up after a transfer; releasing the agent');
    await op.send(cmd.breakAgent(agentLeg), (r) => /^-ERR (no reply|Session not found)/.test(r));
    await op.send(cmd.kill(agentLeg), (r) => /No such channel/i.test(r));
  }

  private audit(actor: Actor, call: CallView | null, name: ControlName, op: Operation | null, ok: boolean, reply: string, latencyMs: number): void {
    if (!this.deps.onCommand) return;
    const who = call?.agent ? (actor.agent ? actor : { ...actor, agent: call.agent }) : actor;
    const command = op && op.commands.length > 0 ? `${name}: ${op.commands.join(' ; ')}` : `${name} (not sent)${call ? ` call ${call.memberSessionUuid}` : ''}`;
    this.deps.onCommand({ at: Date.now(), actor: who, command, ok, reply: reply.length > 500 ? reply.slice(0, 500) + '…' : reply, latencyMs });
  }
}

