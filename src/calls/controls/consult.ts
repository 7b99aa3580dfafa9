import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Actor } from '../../callcenter/service.js';
import type { Logger } from '../../log.js';
import type { CallView, CallsReader } from '../types.js';
import * as cmd from './commands.js';
import { routeOf, type ControlsConfig } from './config.js';
import type { CallControls, CallRef, ControlResult, Operation } from './controls.js';
import { ControlError } from './errors.js';
import { transferTarget, type TransferTarget } from './grammar.js';
import { alive } from './legs.js';

/** How long the agent's move to the consult leg may take before the caller's media is broken again. */
const KICK_MS = 500;

export type ConsultState = 'talking' | 'conference' | 'completed' | 'cancelled';

export interface ConsultEvents {
  /** The consult's state as the switch confirmed it. */
  consult: [call: CallView, state: ConsultState, target: TransferTarget];
}

interface Open {
  readonly uuid: string;
  readonly target: TransferTarget;
  /** closing: a complete/cancel/conference is under way (the agent leg may go as part of it). */
  state: 'talking' | 'conference' | 'closing';
  readonly queue: string;
}

/**
 * Consult (attended) transfer and three-way conference, in the sequence that
 * works on the real switch (fixture 14 and the controls real-switch test):
 *
 * - consult: `park_after_bridge=true` on the caller (else moving the agent leg
 *   away hangs the caller up: 14b); the agent leg held (the caller hears the
 *   queue's music); the consult leg originated in the background and parked
 *   once answered; the agent unheld and bridged to it, which parks the caller,
 *   who gets the music again with uuid_broadcast. mod_callcenter keeps the
 *   agent `In a queue call` meanwhile.
 * - complete: the caller bridged to the consult leg; the switch hangs the agent
 *   leg up and mod_callcenter ends the agent's call normally (14).
 * - cancel: the agent bridged back to the caller; the switch hangs the consult
 *   leg up.
 * - conference: agent and consult leg (`-both`) then the caller into one
 *   conference per caller; the agent may then hang up (its leg only: 15) and
 *   the other two stay.
 */
export class Consults extends EventEmitter<ConsultEvents> {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly controls: CallControls,
    private readonly config: ControlsConfig,
    private readonly music: (call: CallView) => string | null,
    calls: CallsReader,
    private readonly logger: Logger,
  ) {
    super();
    calls.on('call', (v) => this.watch(v));
  }

  /** The consult of a call, for pages and tests. */
  of(memberSessionUuid: string): { readonly uuid: string; readonly target: TransferTarget; readonly state: 'talking' | 'conference' } | undefined {
    const c = this.open.get(memberSessionUuid);
    return c ? { uuid: c.uuid, target: c.target, state: c.state === 'closing' ? 'talking' : c.state } : undefined;
  }

  /**
   * The agent leg went away while the agent talked to the consulted party (the party hung up and
   * the switch ended the agent leg with it, or the agent's phone hung up): the caller is parked
   * with music and nobody would ever take it back. It goes back into its queue (same channel, same
   * pop data), and the page hears `call.consult` cancelled.
   */
  private watch(v: CallView): void {
    const c = this.open.get(v.memberSessionUuid);
    if (!c || c.state !== 'talking' || alive(v.agentLeg)) return;
    this.open.delete(v.memberSessionUuid);
    const member = alive(v.member);
    this.emit('consult', v, 'cancelled', c.target);
    if (!member) return;
    this.logger.warn({ call: v.memberSessionUuid }, 'agent leg gone during a consult: the caller goes back into its queue');
    void (async () => {
      for (const command of [cmd.stopMedia(member.uuid), cmd.parkAfterBridge(member.uuid, false), cmd.transferToQueue(member.uuid, c.queue)]) {
        await this.controls.api(command);
      }
    })().catch((err: Error) => this.logger.error({ err: err.message, call: v.memberSessionUuid }, 'could not send a stranded caller back to its queue'));
  }

  /** The call ended: its consult is over whatever state it had. */
  forget(memberSessionUuid: string): void {
    this.open.delete(memberSessionUuid);
  }

  consult(ref: CallRef, target: TransferTarget, actor: Actor): Promise<ControlResult> {
    return this.controls.run('consult', ref, actor, { bridged: true }, async (op, call) => {
      const t = transferTarget(target.kind, target.to);
      if (t.kind === 'queue') throw new ControlError('BAD_MESSAGE', 'a consult calls an extension or a number');
      if (this.open.has(call.memberSessionUuid)) throw new ControlError('NOT_ALLOWED', 'a consult is already open on this call');
      const leg = this.controls.agentLegOf(call);
      if (!leg.channelName.startsWith('sofia/')) throw new ControlError('NOT_ALLOWED', 'a consult needs a SIP agent leg (the caller is held meanwhile)');
      if (leg.held) throw new ControlError('NOT_ALLOWED', 'take the call off hold first');
      const member = alive(call.member);
      if (!member) throw new ControlError('CALL_GONE', 'the caller has hung up');
      let dial: string;
      if (t.kind === 'extension') {
        dial = `user/${t.to}`;
      } else {
        const context = routeOf(this.config.numberRoutes, t.to);
        if (!context) throw new ControlError('NOT_ALLOWED', `no admin route allows calls to ${t.to}`);
        dial = `loopback/${t.to}/${context}`;
      }
      const consultLeg = randomUUID();
      const music = this.music(call);
      await op.send(cmd.parkAfterBridge(member.uuid, true));
      let held = false;
      try {
        if (music) await op.send(cmd.setHoldMusic(leg.uuid, music));
        await op.send(cmd.hold(leg.uuid));
        await op.until(() => this.controls.current(call)?.agentLeg?.held === true, 'CHANNEL_HOLD');
        held = true;
        // On the caller's switch: the consult leg is bridged to it later (uuid_bridge works within one box).
        await op.sendBackground(cmd.originateConsult(consultLeg, dial, call.callerNumber), 40_000, member.uuid);
      } catch (err) {
        // Nothing reached the target: the caller goes back to the agent as it was.
        await this.undo(op, member.uuid, held ? leg.uuid : null);
        throw err;
      }
      await op.send(cmd.unhold(leg.uuid));
      await op.until(() => this.controls.current(call)?.agentLeg?.held === false, 'CHANNEL_UNHOLD');
      // The hold put the agent's hold music on the caller as a looping broadcast. While it plays, the
      // caller's side of the agent↔caller bridge does not end, so the switch answers the uuid_bridge
      // below `+OK` but moves the agent only once that playback stops (seen on the real switch when
      // the caller is the B side of the bridge, after a cancel: the agent's CHANNEL_BRIDGE to the
      // consult leg came 3 s later, when the next command broke the caller's media). Stop it first.
      await op.send(cmd.stopMedia(member.uuid));
      const reply = await op.send(cmd.bridge(leg.uuid, consultLeg));
      await this.bridgedToConsult(op, call, member.uuid, consultLeg);
      if (music) await op.send(cmd.playMusic(member.uuid, music));
      this.open.set(call.memberSessionUuid, { uuid: consultLeg, target: t, state: 'talking', queue: call.queue });
      this.emit('consult', call, 'talking', t);
      return reply;
    });
  }

  /**
   * Confirmed by the agent leg's CHANNEL_BRIDGE to the consult leg (the consult leg's own events
   * carry no cc_side and are filtered out), or the caller parked by the bridge's end. The switch runs
   * the hold's broadcast on the caller when its channel thread gets to it, which can be after the
   * unhold and the uuid_break above: while the agent's move has not shown, the caller's media is
   * broken again every half second (the caller gets the consult music right after anyway).
   */
  private async bridgedToConsult(op: Operation, call: CallView, member: string, consultLeg: string): Promise<void> {
    const done = (): boolean => {
      const v = this.controls.current(call);
      return !v || v.agentLeg?.bridgedTo === consultLeg || Boolean(v.member?.parked);
    };
    const end = performance.now() + this.config.timeoutMs;
    for (;;) {
      const left = end - performance.now();
      try {
        await op.until(done, 'the agent bridged to the consult leg', Math.max(1, Math.min(KICK_MS, left)));
        return;
      } catch (err) {
        if (left <= KICK_MS) throw err;
      }
      await op.send(cmd.stopMedia(member), (r) => /No such channel/i.test(r));
    }
  }

  complete(ref: CallRef, actor: Actor): Promise<ControlResult> {
    return this.controls.run('consult-complete', ref, actor, { bridged: true }, (op, call) => this.closing(call, (c) => this.doComplete(op, call, c)));
  }

  /** complete, cancel and conference: the consult is `closing` meanwhile, and `talking` again if they fail. */
  private async closing(call: CallView, body: (c: Open) => Promise<string>): Promise<string> {
    const c = this.talking(call);
    try {
      return await body(c);
    } catch (err) {
      if (this.open.get(call.memberSessionUuid) === c && c.state === 'closing') c.state = 'talking';
      throw err;
    }
  }

  private async doComplete(op: Operation, call: CallView, c: Open): Promise<string> {
    const member = this.memberOf(call);
    const agentLeg = this.controls.agentLegOf(call);
    await op.send(cmd.stopMedia(member));
    await op.send(cmd.parkAfterBridge(member, false));
    const reply = await op.send(cmd.bridge(member, c.uuid));
    // The caller's CHANNEL_BRIDGE to the consult leg (the caller is the A side: its event names the partner).
    await op.until(() => {
      const v = this.controls.current(call);
      return !v || v.member?.bridgedTo === c.uuid;
    }, 'the caller bridged to the consulted party');
    await op.until(() => this.controls.legGone(call.memberSessionUuid, agentLeg.uuid), 'the agent leg hung up', 2000).catch(() => undefined);
    await this.controls.release(op, call, agentLeg.uuid);
    this.open.delete(call.memberSessionUuid);
    this.emit('consult', call, 'completed', c.target);
    return reply;
  }

  cancel(ref: CallRef, actor: Actor): Promise<ControlResult> {
    return this.controls.run('consult-cancel', ref, actor, { bridged: true }, (op, call) => this.closing(call, (c) => this.doCancel(op, call, c)));
  }

  private async doCancel(op: Operation, call: CallView, c: Open): Promise<string> {
    const member = this.memberOf(call);
    const agentLeg = this.controls.agentLegOf(call);
    await op.send(cmd.stopMedia(member));
    const reply = await op.send(cmd.bridge(agentLeg.uuid, member));
    await op.until(() => this.controls.current(call)?.agentLeg?.bridgedTo === member, 'the agent bridged to the caller again');
    await op.send(cmd.parkAfterBridge(member, false));
    // The switch hangs the consult leg up when it loses the agent; make sure of it.
    await op.send(cmd.kill(c.uuid), (r) => /No such channel/i.test(r));
    this.open.delete(call.memberSessionUuid);
    this.emit('consult', call, 'cancelled', c.target);
    return reply;
  }

  conference(ref: CallRef, actor: Actor): Promise<ControlResult> {
    return this.controls.run('conference', ref, actor, { bridged: true }, (op, call) => this.closing(call, (c) => this.doConference(op, call, c)));
  }

  private async doConference(op: Operation, call: CallView, c: Open): Promise<string> {
    const member = this.memberOf(call);
    const agentLeg = this.controls.agentLegOf(call);
    const name = cmd.conferenceName(call.memberSessionUuid);
    await op.send(cmd.stopMedia(member));
    await op.send(cmd.parkAfterBridge(member, false));
    await op.send(cmd.bothToConference(agentLeg.uuid, name));
    const reply = await op.send(cmd.toConference(member, name));
    await this.inConference(op, name, [member, agentLeg.uuid, c.uuid]);
    c.state = 'conference';
    this.emit('consult', call, 'conference', c.target);
    return reply;
  }

  /** Confirmed by the switch's own list: every leg is a member of the conference. */
  private async inConference(op: Operation, name: string, legs: readonly string[]): Promise<void> {
    const end = performance.now() + this.config.timeoutMs;
    let last = '';
    while (performance.now() < end) {
      last = await this.controls.api(cmd.conferenceList(name)).catch((err: Error) => err.message);
      const uuids = new Set(last.split('\n').map((line) => line.split(';')[2] ?? ''));
      if (legs.every((l) => uuids.has(l))) {
        op.replies.push('conference list: all three in');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ControlError('SWITCH_TIMEOUT', `the conference did not list all three legs in time (${last.trimEnd().slice(0, 120)})`);
  }

  private talking(call: CallView): Open {
    const c = this.open.get(call.memberSessionUuid);
    if (!c || c.state !== 'talking') throw new ControlError('NOT_ALLOWED', c ? 'the consult is already a conference' : 'no consult is open on this call');
    c.state = 'closing';
    return c;
  }

  private memberOf(call: CallView): string {
    const m = alive(call.member);
    if (!m) throw new ControlError('CALL_GONE', 'the caller has hung up');
    return m.uuid;
  }

  /** Back to before the consult (a failed originate): the agent leg unheld, the caller no longer parks after a bridge. */
  private async undo(op: Operation, member: string, heldLeg: string | null): Promise<void> {
    try {
      if (heldLeg) await op.send(cmd.unhold(heldLeg));
      await op.send(cmd.parkAfterBridge(member, false));
    } catch {
      // Reported with the original failure; the pushes show the switch's state.
    }
  }
}

