import type { CallcenterEvent } from '../callcenter/events.js';
import type { Actor, CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { Logger } from '../log.js';
import type { AgentDesk } from '../realtime/desk.js';
import type { AcwInfo, NextStatusInfo, Push } from '../realtime/protocol.js';
import { randomUUID } from 'node:crypto';
import type { AfterCallState, StoredNext } from './acw-state.js';
import type { AftercallConfig } from './config.js';
import type { DispositionStore } from './disposition-store.js';
import type { WrapUpControl } from './wrap-up.js';

/** A refusal of an after-call request; the desk maps `code` to its WS error code. */
export class AftercallError extends Error {
  constructor(
    readonly code: 'NO_ACW' | 'UNKNOWN_CALL' | 'BAD_DISPOSITION' | 'DISPOSITION_REQUIRED' | 'NO_CALL',
    message: string,
  ) {
    super(message);
  }
}

/** How long after its end a call still takes a disposition from its agent. */
const DISPOSITION_WINDOW_MS = 15 * 60_000;

/**
 * Seconds of wrap-up that keep the dispatcher away from an agent between the
 * end of its call and the status change it asked for (next status). The change
 * is sent the moment bridge-agent-end is read, i.e. milliseconds later; the
 * switch compares whole seconds (`last_bridge_end < now - wrap_up_time`), so
 * this leaves at least 2 s (see wrap-up.ts).
 */
export const NEXT_STATUS_GUARD_S = 3;

interface Acw {
  info: AcwInfo;
  timer: NodeJS.Timeout | null;
}

interface RecentCall {
  readonly agent: string;
  readonly queue: string;
  readonly endedAtMs: number;
}

type Ended = Extract<CallcenterEvent, { action: 'bridge-agent-end' }>;

/** A next status asked for here; `stored`: Redis has it too (false: only this process knows it). */
interface PendingNext extends StoredNext {
  readonly stored: boolean;
}

/**
 * After-call work, dispositions and "next status" (issue 10 §4), from the
 * switch's events: bridge-agent-end starts after-call work for the agent (its
 * wrap-up time, during which mod_callcenter offers it no call) and applies a
 * next status asked for during the call; the agent's next offer or the end of
 * the wrap-up time ends it. The pages learn it by pushes on the agent desk.
 */
export class AfterCallWork {
  private readonly acw = new Map<string, Acw>();
  private readonly recent = new Map<string, RecentCall>();
  private readonly next = new Map<string, PendingNext>();
  private readonly auto: Actor = { source: 'auto', id: 'next-status' };
  private readonly log: Logger;

  constructor(
    private readonly cc: CallCenter,
    private readonly view: ViewReader,
    private readonly desk: AgentDesk,
    private readonly store: DispositionStore,
    private readonly wrapUp: WrapUpControl,
    private readonly config: AftercallConfig,
    private readonly state: AfterCallState,
    logger: Logger,
  ) {
    this.log = logger.child({ part: 'after-call' });
    cc.on('event', (e) => this.onEvent(e));
    desk.addSnapshotPart((agent) => ({ acw: this.acw.get(agent)?.info ?? null, nextStatus: this.next.get(agent)?.info ?? null }));
    // A guard wrap-up an earlier process left stays while its next status is pending (applied at the call's end).
    wrapUp.keepGuard = (agent) => this.next.has(agent);
    cc.on('ready', () => this.applyMissed());
  }

  /**
   * Takes back what an earlier process of the gateway (or another instance)
   * kept in Redis: pending next statuses and after-call work still running,
   * with its countdown. Called before the gateway listens and connects.
   */
  async recover(): Promise<void> {
    const saved = await this.state.load();
    for (const [agent, n] of saved.next) if (!this.next.has(agent)) this.next.set(agent, { ...n, stored: true });
    for (const [agent, info] of saved.acw) {
      if (this.acw.has(agent)) continue;
      this.remember(info.memberUuid, { agent, queue: info.queue, endedAtMs: info.startedAt * 1000 });
      this.install(agent, info);
    }
    if (saved.next.size || saved.acw.size) this.log.info({ nextStatuses: saved.next.size, afterCallWork: saved.acw.size }, 'after-call state taken back from Redis');
  }

  /** The agent's after-call work now (null when none). */
  current(agent: string): AcwInfo | null {
    return this.acw.get(agent)?.info ?? null;
  }

  nextStatus(agent: string): NextStatusInfo | null {
    return this.next.get(agent)?.info ?? null;
  }

  private push(agent: string, p: Push): void {
    const ch = this.desk.channel(agent);
    if (ch) this.desk.push(ch, p);
  }

  private onEvent(e: CallcenterEvent): void {
    switch (e.action) {
      case 'bridge-agent-end':
        // The status change first: it must reach the switch before anything else can happen.
        void this.applyNextStatus(e.agent);
        this.start(e);
        return;
      case 'agent-offering':
        if (this.acw.has(e.agent)) this.end(e.agent, 'next-call');
        return;
      case 'bridge-agent-start':
        // A call with the agent: its end will use the agent's own wrap-up time again.
        if (this.wrapUp.overridden(e.agent) && !this.next.has(e.agent)) void this.wrapUp.restore(e.agent);
        return;
      default:
        return;
    }
  }

  private start(e: Ended): void {
    const agent = e.agent;
    const previous = this.acw.get(agent);
    if (previous) this.end(agent, 'next-call');
    const startedAt = e.terminatedTime || Math.floor(e.timestampUs / 1e6) || Math.floor(Date.now() / 1000);
    const wrapUpS = this.wrapUp.configured(agent);
    const info: AcwInfo = {
      memberUuid: e.member.uuid,
      queue: e.queue,
      startedAt,
      endsAt: startedAt + wrapUpS,
      wrapUpS,
      dispositions: this.config.dispositions.map((d) => ({ code: d.code, label: d.label })),
      required: this.config.requiredQueues.includes(e.queue),
      disposition: null,
    };
    this.install(agent, info);
    this.remember(e.member.uuid, { agent, queue: e.queue, endedAtMs: startedAt * 1000 });
    void this.state.saveAcw(agent, info);
    const { disposition: _none, ...started } = info;
    this.push(agent, { type: 'acw.started', ...started });
  }

  private install(agent: string, info: AcwInfo): void {
    const acw: Acw = { info, timer: null };
    this.acw.set(agent, acw);
    // The wrap-up ends by itself on the switch: so does after-call work on the desk. Without a
    // wrap-up time the agent is routable at once; the panel stays for the disposition until the
    // next offer or acw.end.
    if (info.wrapUpS > 0) {
      acw.timer = setTimeout(() => this.end(agent, 'timeout'), Math.max(0, info.endsAt * 1000 - Date.now()));
      acw.timer.unref();
    }
  }

  private remember(memberUuid: string, call: RecentCall): void {
    const now = Date.now();
    for (const [uuid, c] of this.recent) {
      if (now - c.endedAtMs <= DISPOSITION_WINDOW_MS) break; // insertion order = end order
      this.recent.delete(uuid);
    }
    this.recent.set(memberUuid, call);
  }

  private end(agent: string, reason: 'timeout' | 'agent' | 'next-call'): void {
    const acw = this.acw.get(agent);
    if (!acw) return;
    if (acw.timer) clearTimeout(acw.timer);
    this.acw.delete(agent);
    const { info } = acw;
    void this.state.dropAcw(agent, info.memberUuid);
    const afterCallS = Math.max(0, Math.min(info.wrapUpS, Math.round(Date.now() / 1000) - info.startedAt));
    this.store
      .save({ memberUuid: info.memberUuid, agent, queue: info.queue, afterCallS: reason === 'timeout' ? info.wrapUpS : afterCallS })
      .catch((err: Error) => this.log.warn({ agent, memberUuid: info.memberUuid, err: err.message }, 'time in after-call work not stored'));
    this.push(agent, { type: 'acw.ended', memberUuid: info.memberUuid, reason });
  }

  // ---- requests from the desk -------------------------------------------------

  /** Files (or changes) the disposition of one of the agent's calls: its current one, or one that ended lately. */
  async fileDisposition(agent: string, memberUuid: string, code: string, notes: string): Promise<void> {
    const recent = this.recent.get(memberUuid);
    const live = this.desk.channel(agent)?.call;
    const call = recent ?? (live?.memberUuid === memberUuid ? { agent, queue: live.queue, endedAtMs: Date.now() } : null);
    if (!call || call.agent !== agent || Date.now() - call.endedAtMs > DISPOSITION_WINDOW_MS) {
      throw new AftercallError('UNKNOWN_CALL', 'that is not one of your recent calls');
    }
    if (!this.config.dispositions.some((d) => d.code === code)) {
      throw new AftercallError('BAD_DISPOSITION', `code must be one of: ${this.config.dispositions.map((d) => d.code).join(', ')}`);
    }
    await this.store.save({ memberUuid, agent, queue: call.queue, disposition: code, notes });
    const acw = this.acw.get(agent);
    if (acw && acw.info.memberUuid === memberUuid) {
      acw.info = { ...acw.info, disposition: { code, notes } };
      void this.state.saveAcw(agent, acw.info);
    }
    this.push(agent, { type: 'acw.disposition', memberUuid, code, notes });
  }

  /**
   * Ends the agent's after-call work now and makes it routable at once: the
   * switch's wrap_up_time goes to 0 until the configured wrap-up would have
   * ended (or the next call starts), then back (wrap-up.ts says why).
   */
  async endEarly(agent: string, actor: Actor): Promise<void> {
    const acw = this.acw.get(agent);
    if (!acw) throw new AftercallError('NO_ACW', 'you are not in after-call work');
    if (acw.info.required && !acw.info.disposition) throw new AftercallError('DISPOSITION_REQUIRED', 'file a disposition first');
    const { startedAt, wrapUpS } = acw.info;
    // The switch routes again once now > last_bridge_end + wrap_up_time (whole seconds): +2 s is past that.
    const restoreAt = (startedAt + wrapUpS + 2) * 1000;
    if (wrapUpS > 0 && Date.now() < restoreAt) await this.wrapUp.override(agent, 0, restoreAt, actor);
    if (this.acw.get(agent) === acw) this.end(agent, 'agent');
  }

  /**
   * Asks for a status change when the agent's current call ends (null cancels).
   * A wrap-up shorter than NEXT_STATUS_GUARD_S is raised to it until then, so
   * the dispatcher cannot offer a call before the change reaches the switch.
   */
  async setNextStatus(agent: string, next: NextStatusInfo | null, actor: Actor): Promise<void> {
    if (next === null) {
      const had = this.next.delete(agent);
      await this.state.dropNext(agent);
      if (had && this.wrapUp.overridden(agent)) await this.wrapUp.restore(agent);
      this.push(agent, { type: 'agent.next-status', status: null, reason: null });
      return;
    }
    if (this.view.agents.get(agent)?.state !== 'In a queue call') throw new AftercallError('NO_CALL', 'you are not in a call: change your status now instead');
    if (this.wrapUp.configured(agent) < NEXT_STATUS_GUARD_S && !this.wrapUp.overridden(agent)) await this.wrapUp.override(agent, NEXT_STATUS_GUARD_S, null, actor);
    // Kept in Redis before the ack: a gateway restarted (or another instance) applies it at the call's end.
    const pending: PendingNext = { info: next, id: randomUUID(), stored: false };
    this.next.set(agent, pending);
    if (this.state.shared) {
      const stored = await this.state.saveNext(agent, pending);
      if (this.next.get(agent) === pending) this.next.set(agent, { ...pending, stored });
    }
    this.push(agent, { type: 'agent.next-status', status: next.status, reason: next.reason });
  }

  /**
   * The next status to apply at the end of the call: Redis's copy when Redis
   * answers (it may have been asked for, or cancelled, on another instance or
   * before a restart), else what this process was asked.
   */
  private async pendingNext(agent: string, local: PendingNext | null): Promise<StoredNext | null> {
    if (!this.state.shared) return local;
    try {
      const shared = await this.state.readNext(agent);
      return shared ?? (local && !local.stored ? local : null);
    } catch (err) {
      this.log.warn({ agent, err: (err as Error).message }, 'Redis did not answer for the next status; using this instance’s copy');
      return local;
    }
  }

  /**
   * After a (re)connect: a next status whose call ended while this gateway
   * was not listening (a restart, a link drop) is applied now, once; an agent
   * still in a call (or offered one) keeps it for that call's end.
   */
  private applyMissed(): void {
    for (const agent of [...this.next.keys()]) {
      const state = this.view.agents.get(agent)?.state;
      if (state === undefined || state === 'In a queue call' || state === 'Receiving') continue;
      this.log.warn({ agent }, 'the call ended while the gateway was not listening: applying the next status now');
      void this.applyNextStatus(agent);
    }
  }

  /**
   * Applies the agent's pending next status at the end of its call, once
   * across instances (every instance reads the same bridge-agent-end):
   * AfterCallState.once claims it by the request's id.
   */
  private async applyNextStatus(agent: string): Promise<void> {
    // Taken out at once: a second path (the event and a reconnect) finds nothing of this process's to apply again.
    const local = this.next.get(agent) ?? null;
    this.next.delete(agent);
    const pending = await this.pendingNext(agent, local);
    if (!pending) return;
    const next = pending.info;
    const ch = this.desk.channel(agent);
    if (ch && next.status === 'On Break') this.desk.setBreakReason(ch, next.reason);
    const cleared = () => this.push(agent, { type: 'agent.next-status', status: null, reason: null });
    let ran: boolean;
    try {
      ran = await this.state.once(agent, pending.id, async () => {
        await this.cc.setAgentStatus(agent, next.status, { ...this.auto, agent });
        await this.state.dropNext(agent);
      });
    } catch (err) {
      // The guard wrap-up stays (restored later) so the agent is not offered a call it did not want meanwhile.
      this.log.error({ agent, status: next.status, err: (err as Error).message }, 'next status could not be applied at the end of the call');
      await this.state.dropNext(agent);
      cleared();
      setTimeout(() => void this.wrapUp.restore(agent), NEXT_STATUS_GUARD_S * 1000).unref();
      return;
    }
    cleared();
    // The instance that applied it puts the agent's own wrap-up time back (read from Redis if another instance set the guard).
    if (ran) await this.wrapUp.restore(agent);
    else this.wrapUp.forgetGuard(agent);
  }

  close(): void {
    for (const a of this.acw.values()) if (a.timer) clearTimeout(a.timer);
    this.acw.clear();
  }
}
