import type { CallcenterEvent } from '../callcenter/events.js';
import type { StateChange, ViewReader } from '../callcenter/state.js';
import type { Actor, CallCenter, EventCause } from '../callcenter/service.js';
import type { Logger } from '../log.js';
import type { GatewayMetrics } from '../metrics.js';
import { popFields, type PopCache, type PopData } from './pops.js';
import type { AgentInfo, CallInfo, Push, QueueInfo, SequencedPush } from './protocol.js';
import type { CallView, CallsReader } from '../calls/types.js';
import type { SharedDeskStream } from './desk-shared.js';

/** A connected agent page, as the desk sees it. */
export interface DeskSocket {
  /** Sends one serialised message; returns false when the socket had to be dropped (too slow). */
  send(json: string): boolean;
}

const BUFFER = 256;
const PRESENCE_RETRY_MS = 5000;
const BUFFER_BYTES = 128 * 1024;

/** Per-agent push stream: sequence numbers, a bounded replay buffer, the sockets, presence timers. */
export interface AgentChannel {
  readonly agent: string;
  seq: number;
  /** Recent pushes, serialised, for resume: at most BUFFER of them and BUFFER_BYTES in all. */
  buffer: Array<{ seq: number; json: string }>;
  bufferBytes: number;
  sockets: Set<DeskSocket>;
  breakReason: string | null;
  call: CallInfo | null;
  awayTimer: NodeJS.Timeout | null;
  logoutTimer: NodeJS.Timeout | null;
  /**
   * While a call.offered waits for its caller record: everything that happens to the
   * agent meanwhile (pushes, and the agent's call events, which need the pending call),
   * in order, applied when the offer goes out.
   */
  held: Held[] | null;
  /** The timer that sends a held offer without its record (RECORD_WAIT_MS). */
  holdTimer: NodeJS.Timeout | null;
  /** The agent's status commands, one at a time whichever tab sent them (see serialize()). */
  commands: Promise<void>;
}

/** One thing held back behind a pending offer. */
/** `cause`: the ESL event a held push or event came from, so its latency counts from when it was read. */
type Held =
  | { readonly kind: 'push'; readonly push: Push; readonly cause: EventCause | null }
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'event'; readonly event: CallcenterEvent; readonly pop?: PopData; readonly cause: EventCause | null };

type Offering = Extract<CallcenterEvent, { action: 'agent-offering' }>;

/** Snapshot fields kept by other modules (see addSnapshotPart). */
export type SnapshotPart = Partial<Pick<Extract<Push, { type: 'snapshot' }>, 'acw' | 'nextStatus'>>;

/** queue.waiting goes to every page of a queue's agents: at most this often per queue. */
const WAITING_PUSH_MS = 1000;

/** Pages given queue.waiting per turn of the event loop. */
const WAITING_SLICE = 25;

interface WaitingPush {
  sent: number | null;
  at: number;
  timer: NodeJS.Timeout | null;
  /** The next slice of an unfinished fan-out. */
  slice: NodeJS.Immediate | null;
}

/** Longest an offer waits for a Redis lookup still running; past it the pop goes out flagged. */
const RECORD_WAIT_MS = 150;

export interface DeskOptions {
  /** The live call model: `held` and the agent leg on the page come from it. */
  readonly calls?: CallsReader;
  readonly breakReasons: readonly string[];
  readonly awayGraceMs: number;
  readonly logoutGraceMs: number;
  /** Several gateway instances (DESK_STREAM=redis): pushes are numbered and kept in Redis (desk-shared.ts). */
  readonly shared?: SharedDeskStream;
  /** A page attached (login or resume): with several instances, the others start following the agent. */
  readonly onAttach?: (agent: string) => void;
  /**
   * Several instances: runs a grace's status change only if the agent has no page on another
   * instance, and only once across instances (src/scale/presence.ts). Default: runs it.
   */
  readonly presenceOnce?: (agent: string, which: 'away' | 'logout', change: () => Promise<void>) => Promise<void>;
}

/**
 * Turns what the switch reports into pushes for the agents it concerns. Status
 * and state pushes come from the state view's changes, so corrections made by a
 * resync (after a reconnect, or for a change made with fs_cli that the events
 * missed) reach the pages exactly like live events do.
 */
export class AgentDesk {
  private readonly channels = new Map<string, AgentChannel>();
  private readonly log: Logger;
  private readonly auto: Actor = { source: 'auto', id: 'presence' };
  /** What the pages were last told about the ESL link (true until the first outage). */
  private linkAnnounced = true;
  /** Per queue: the waiting count last pushed, when, and a pending push. */
  private readonly waiting = new Map<string, WaitingPush>();
  /** Set by close(): a command still in flight must not arm a new retry after the desk is gone. */
  private closed = false;
  /** Parts of the snapshot that other modules keep (after-call work): merged into every snapshot. */
  private readonly snapshotParts: Array<(agent: string) => SnapshotPart> = [];

  constructor(
    private readonly cc: CallCenter,
    private readonly view: ViewReader,
    private readonly pops: PopCache,
    private readonly metrics: GatewayMetrics,
    private readonly opts: DeskOptions,
    logger: Logger,
  ) {
    this.log = logger.child({ part: 'desk' });
    cc.on('event', (e) => this.onEvent(e));
    opts.calls?.on('call', (c) => this.onCall(c));
    view.on('change', (c) => this.onChange(c));
    cc.on('down', () => {
      // 'down' comes again for every failed reconnect attempt: tell the pages once per outage,
      // or a long outage fills their replay buffers with copies.
      if (!this.linkAnnounced) return;
      this.linkAnnounced = false;
      this.broadcast({ type: 'link', switchConnected: false });
    });
    cc.on('ready', () => {
      this.linkAnnounced = true;
      // After a (re)connect and resync, every page gets the switch's truth anew.
      for (const ch of this.channels.values()) {
        this.push(ch, { type: 'link', switchConnected: true });
        this.push(ch, this.snapshot(ch));
      }
    });
  }

  /** Adds a part to every snapshot (src/aftercall: after-call work, next status). */
  addSnapshotPart(part: (agent: string) => SnapshotPart): void {
    this.snapshotParts.push(part);
  }

  get breakReasons(): readonly string[] {
    return this.opts.breakReasons;
  }

  channel(agent: string): AgentChannel | undefined {
    return this.channels.get(agent);
  }

  /** The shared push stream, when several instances serve the desks. */
  get shared(): SharedDeskStream | null {
    return this.opts.shared ?? null;
  }

  /**
   * Several instances: an agent whose page is on another instance is followed here too
   * (a channel without sockets), so that its event pushes reach the shared stream while
   * its page moves between instances.
   */
  follow(agent: string): AgentChannel {
    let ch = this.channels.get(agent);
    if (!ch) {
      ch = { agent, seq: 0, buffer: [], bufferBytes: 0, sockets: new Set(), breakReason: null, call: null, awayTimer: null, logoutTimer: null, held: null, holdTimer: null, commands: Promise.resolve() };
      this.channels.set(agent, ch);
    }
    return ch;
  }

  /** Opens (or reuses) an agent's channel and attaches a socket to it. */
  attach(agent: string, socket: DeskSocket): AgentChannel {
    const ch = this.follow(agent);
    ch.sockets.add(socket);
    this.opts.onAttach?.(agent);
    this.cancelPresenceTimers(ch);
    return ch;
  }

  /**
   * A socket went away; when it was the agent's last, the grace timers start.
   * `justChanged`: a status change for this agent was just confirmed and the
   * view may not show it yet (its event can trail the reply), so the timers
   * start whatever the view says; they check the status again when they fall.
   */
  detach(ch: AgentChannel, socket: DeskSocket, justChanged = false): void {
    ch.sockets.delete(socket);
    if (this.closed || ch.sockets.size > 0 || ch.awayTimer || ch.logoutTimer) return;
    const status = this.view.agents.get(ch.agent)?.status;
    if (!justChanged && (!status || status === 'Logged Out')) {
      this.channels.delete(ch.agent);
      return;
    }
    ch.awayTimer = setTimeout(() => this.presence(ch, 'away'), this.opts.awayGraceMs);
    ch.logoutTimer = setTimeout(() => this.presence(ch, 'logout'), this.opts.logoutGraceMs);
  }

  /**
   * Applies a grace's status change for an agent whose pages are gone. If the
   * switch cannot be told now (link down, timeout), it is tried again every
   * PRESENCE_RETRY_MS until it works or a page comes back.
   */
  private presence(ch: AgentChannel, which: 'away' | 'logout'): void {
    const timer = which === 'away' ? 'awayTimer' : 'logoutTimer';
    ch[timer] = null;
    if (this.closed || ch.sockets.size > 0) return;
    const now = this.view.agents.get(ch.agent)?.status;
    const target = which === 'away' ? 'On Break' : 'Logged Out';
    const finish = () => {
      if (which === 'logout' && ch.sockets.size === 0 && !ch.awayTimer && this.channels.get(ch.agent) === ch) this.channels.delete(ch.agent);
    };
    if (!now || now === 'Logged Out' || now === target) return finish();
    if (which === 'away') ch.breakReason = 'disconnected';
    const change = () => this.cc.setAgentStatus(ch.agent, target, { ...this.auto, agent: ch.agent });
    (this.opts.presenceOnce ? this.opts.presenceOnce(ch.agent, which, change) : change()).then(finish, (err: Error) => {
      this.log.warn({ agent: ch.agent, err: err.message, target }, 'could not change a vanished agent; will retry');
      if (!this.closed && ch.sockets.size === 0 && !ch[timer]) ch[timer] = setTimeout(() => this.presence(ch, which), PRESENCE_RETRY_MS);
    });
  }

  /**
   * Takes back an attach whose login failed. A page that never logged in starts
   * no grace: only when grace timers were running before it (an earlier page is
   * gone) do they run again.
   */
  release(ch: AgentChannel, socket: DeskSocket, graceWasRunning: boolean): void {
    if (graceWasRunning) return this.detach(ch, socket);
    ch.sockets.delete(socket);
    if (ch.sockets.size === 0 && this.channels.get(ch.agent) === ch) this.channels.delete(ch.agent);
  }

  /** Resolves when the pushes made so far for the agent have gone out (at once on one instance). */
  settled(ch: AgentChannel): Promise<void> {
    return this.opts.shared?.settled(ch.agent) ?? Promise.resolve();
  }

  /** Whether the agent's pages are all gone and its grace timers run. */
  graceRunning(ch: AgentChannel): boolean {
    return ch.awayTimer !== null || ch.logoutTimer !== null;
  }

  /**
   * Runs an agent's status commands one after another, whichever of its tabs sent
   * them: a command reads and restores the agent's break reason around its wait for
   * the switch, and must not do so across another tab's command.
   */
  serialize<T>(ch: AgentChannel, command: () => Promise<T>): Promise<T> {
    const run = ch.commands.then(command);
    // The next command waits for this one to finish either way; its outcome goes to its own caller.
    ch.commands = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private cancelPresenceTimers(ch: AgentChannel): void {
    if (ch.awayTimer) clearTimeout(ch.awayTimer);
    if (ch.logoutTimer) clearTimeout(ch.logoutTimer);
    ch.awayTimer = ch.logoutTimer = null;
  }

  close(): void {
    this.closed = true;
    for (const ch of this.channels.values()) {
      this.cancelPresenceTimers(ch);
      if (ch.holdTimer) clearTimeout(ch.holdTimer);
      ch.holdTimer = null;
    }
    this.channels.clear();
    this.opts.shared?.close();
    for (const w of this.waiting.values()) {
      if (w.timer) clearTimeout(w.timer);
      if (w.slice) clearImmediate(w.slice);
    }
    this.waiting.clear();
  }

  /**
   * A queue's waiting count may have changed (members-count). Every agent of the
   * queue gets queue.waiting, so this fans out to all its pages: at most one
   * push per queue per WAITING_PUSH_MS (first at once, then the latest count at
   * the end of the interval), and none when the count is what they last got.
   */
  private waitingChanged(queue: string): void {
    let w = this.waiting.get(queue);
    if (!w) {
      w = { sent: null, at: 0, timer: null, slice: null };
      this.waiting.set(queue, w);
    }
    if (w.timer) return;
    const wait = w.at + WAITING_PUSH_MS - Date.now();
    if (wait <= 0) return this.pushWaiting(queue, w);
    const due = w;
    w.timer = setTimeout(() => {
      due.timer = null;
      this.pushWaiting(queue, due);
    }, wait);
  }

  private pushWaiting(queue: string, w: WaitingPush): void {
    const count = this.view.waitingCount(queue);
    if (count === w.sent) return;
    w.sent = count;
    w.at = Date.now();
    // A fan-out to a thousand pages takes tens of ms: done in slices, so that a screen pop
    // arriving meanwhile is not queued behind it. A newer count replaces an unfinished round.
    if (w.slice) clearImmediate(w.slice);
    w.slice = null;
    const agents = this.view.tiersOfQueue(queue).map((t) => t.agent);
    const round = (from: number): void => {
      w.slice = null;
      const end = Math.min(agents.length, from + WAITING_SLICE);
      for (let i = from; i < end; i++) {
        const ch = this.channels.get(agents[i]!);
        // Coalesced (up to WAITING_PUSH_MS late on purpose): not an event's latency, so not observed.
        if (ch && ch.sockets.size) this.push(ch, { type: 'queue.waiting', queue, count }, null);
      }
      if (end < agents.length) w.slice = setImmediate(round, end);
    };
    round(0);
  }

  /** Pushes missed since `lastSeq`, or null when the buffer no longer reaches back that far. */
  missedSince(ch: AgentChannel, lastSeq: number): string[] | null {
    // 0: a page with no state (fresh load) wants the present, not the history.
    if (lastSeq === 0 || lastSeq > ch.seq) return null;
    if (lastSeq === ch.seq) return [];
    const first = ch.buffer[0];
    if (!first || first.seq > lastSeq + 1) return null;
    return ch.buffer.filter((p) => p.seq > lastSeq).map((p) => p.json);
  }

  /** Forgets the replay history (the page's numbering continues from `seq`). */
  resetBuffer(ch: AgentChannel, seq: number): void {
    ch.seq = seq;
    ch.buffer = [];
    ch.bufferBytes = 0;
  }

  snapshot(ch: AgentChannel): Push & { type: 'snapshot' } {
    const a = this.view.agents.get(ch.agent);
    const agent: AgentInfo = {
      name: ch.agent,
      status: a?.status ?? 'Unknown',
      state: a?.state ?? 'Unknown',
      contact: a?.contact ?? '',
      breakReason: a?.status === 'On Break' ? ch.breakReason : null,
      statusChangedAt: a?.lastStatusChange ?? 0,
    };
    const queues: QueueInfo[] = this.view.tiersOfAgent(ch.agent).map((t) => {
      // This page now has the live count, which may differ from the one last pushed:
      // the next queue.waiting for the queue must go out even if it equals that one.
      const w = this.waiting.get(t.queue);
      if (w) w.sent = null;
      return { name: t.queue, level: t.level, position: t.position, tierState: t.state, waiting: this.view.waitingCount(t.queue) };
    });
    const parts = this.snapshotParts.reduce<SnapshotPart>((all, part) => ({ ...all, ...part(ch.agent) }), {});
    return { type: 'snapshot', agent, queues, call: ch.call, breakReasons: [...this.opts.breakReasons], switchConnected: this.cc.ready, ...parts };
  }

  /**
   * Sends a push to every socket of the channel, with the next sequence number, and keeps it for resume.
   * `cause`: the ESL event it comes from (default: the one being applied now, if any), for the latency histograms.
   */
  push(ch: AgentChannel, p: Push, cause: EventCause | null = this.cc.cause): SequencedPush | null {
    if (ch.held) {
      // A snapshot is taken when it goes out, so that it shows the offer held before it.
      ch.held.push(p.type === 'snapshot' ? { kind: 'snapshot' } : { kind: 'push', push: p, cause });
      return null;
    }
    if (this.opts.shared) {
      // Numbered by Redis: sent to the sockets when the number comes back.
      this.opts.shared.push(ch, p, cause, (type, json, why, sockets) => this.send(type, json, why, sockets), () => this.push(ch, this.snapshot(ch), null));
      return null;
    }
    const sp: SequencedPush = { ...p, seq: ++ch.seq };
    // Kept serialised: a busy agent's history costs its JSON bytes, not object graphs.
    const json = JSON.stringify(sp);
    ch.buffer.push({ seq: sp.seq, json });
    ch.bufferBytes += json.length;
    while (ch.buffer.length > BUFFER || (ch.bufferBytes > BUFFER_BYTES && ch.buffer.length > 1)) ch.bufferBytes -= ch.buffer.shift()!.json.length;
    this.send(p.type, json, cause, ch.sockets);
    return sp;
  }

  private send(type: Push['type'], json: string, cause: EventCause | null, sockets: ReadonlySet<DeskSocket> | readonly DeskSocket[]): void {
    const n = 'size' in sockets ? sockets.size : sockets.length;
    if (!n) return;
    for (const s of sockets) if (!s.send(json)) this.metrics.wsDropped.inc();
    this.metrics.wsMessages.inc({ direction: 'out', type }, n);
    if (cause) this.observe(type, cause);
  }

  private observe(type: string, cause: EventCause): void {
    const now = performance.now();
    this.metrics.pushSeconds.observe({ type }, (now - cause.readAt) / 1000);
    // Event-Date-Timestamp is the switch's wall clock: compare with ours (same host, or NTP).
    if (cause.timestampUs > 0) this.metrics.eventAgeSeconds.observe({ type }, Math.max(0, (performance.timeOrigin + now) / 1000 - cause.timestampUs / 1e6));
  }

  private broadcast(p: Push): void {
    for (const ch of this.channels.values()) this.push(ch, p);
  }

  /** The desk set a break reason before asking for On Break: kept for the status push. */
  setBreakReason(ch: AgentChannel, reason: string | null): void {
    ch.breakReason = reason;
  }

  // ---- switch → pages -----------------------------------------------------

  private onChange(c: StateChange): void {
    if (c.kind !== 'agent') return;
    const ch = this.channels.get(c.name);
    if (!ch) return;
    const before = c.previous;
    const now = c.agent;
    if (!now) {
      this.push(ch, { type: 'agent.status', status: 'Logged Out', reason: 'agent deleted' });
      return;
    }
    if (!before || before.status !== now.status) {
      if (now.status !== 'On Break') ch.breakReason = null;
      this.push(ch, { type: 'agent.status', status: now.status, reason: now.status === 'On Break' ? ch.breakReason : null, changedAt: now.lastStatusChange });
    }
    if (!before || before.state !== now.state) this.push(ch, { type: 'agent.state', state: now.state });
    if (before && before.contact !== now.contact) this.push(ch, { type: 'agent.contact', contact: now.contact });
  }

  private onEvent(e: CallcenterEvent): void {
    this.metrics.events.inc({ action: e.action === 'unknown' ? 'unknown' : e.action });
    this.pops.onEvent(e);
    switch (e.action) {
      case 'agent-offering':
      case 'bridge-agent-start':
      case 'bridge-agent-end':
      case 'bridge-agent-fail': {
        const ch = this.channels.get(e.agent);
        if (ch) this.agentEvent(ch, e);
        return;
      }
      case 'member-queue-end':
        // The caller left while ringing an agent (no bridge-agent-* will follow for that agent).
        for (const ch of this.channels.values()) this.agentEvent(ch, e);
        return;
      case 'members-count':
        this.waitingChanged(e.queue);
        return;
      default:
        return;
    }
  }

  /**
   * One call event for one agent's pages. Behind a pending offer it waits its
   * turn: it may be about that very call (a phone that fails at once), and a
   * second offer must not replace the first before the first was shown.
   */
  private agentEvent(ch: AgentChannel, e: CallcenterEvent, pop?: PopData, cause: EventCause | null = this.cc.cause): void {
    if (ch.held) {
      // The caller's pop data is taken now: a member-queue-end held behind it removes it from the cache.
      ch.held.push({ kind: 'event', event: e, cause, ...(e.action === 'agent-offering' ? { pop: pop ?? this.popOf(e) } : {}) });
      return;
    }
    switch (e.action) {
      case 'agent-offering':
        return this.offering(ch, e, pop ?? this.popOf(e), cause);
      case 'bridge-agent-start': {
        const answeredAt = e.answeredTime || Math.floor(e.timestampUs / 1e6);
        const held = this.opts.calls?.get(e.member.sessionUuid)?.held ?? false;
        if (ch.call && ch.call.memberUuid === e.member.uuid) ch.call = { ...ch.call, phase: 'talking', answeredAt, agentLegUuid: e.agentUuid, held };
        this.push(ch, { type: 'call.bridged', queue: e.queue, memberUuid: e.member.uuid, callerNumber: e.member.cidNumber, callerName: e.member.cidName, answeredAt, agentLegUuid: e.agentUuid, held }, cause);
        return;
      }
      case 'bridge-agent-end': {
        // Only the call the page shows: the switch's threads may have ended it already (member-queue-end).
        if (ch.call?.memberUuid !== e.member.uuid) return;
        ch.call = null;
        const talk = e.terminatedTime && e.answeredTime ? Math.max(0, e.terminatedTime - e.answeredTime) : 0;
        this.push(ch, { type: 'call.ended', queue: e.queue, memberUuid: e.member.uuid, cause: 'Terminated', hangupCause: e.hangupCause || null, talkTimeS: talk }, cause);
        return;
      }
      case 'bridge-agent-fail': {
        if (ch.call?.memberUuid !== e.member.uuid) return;
        ch.call = null;
        if (e.hangupCause === 'ORIGINATOR_CANCEL' || e.hangupCause === 'LOSE_RACE') {
          // Not the agent's miss: the caller hung up while it rang, another agent won the
          // race (ring-all), or the agent's own status change cancelled the offer.
          // mod_callcenter counts none of these against the agent, and neither do the pages.
          this.push(ch, { type: 'call.ended', queue: e.queue, memberUuid: e.member.uuid, cause: 'Cancel', hangupCause: e.hangupCause, talkTimeS: 0 }, cause);
          return;
        }
        // agent-max-no-answer and its status change come first on the wire, so the view already has the new status.
        const status = this.view.agents.get(e.agent)?.status ?? null;
        this.push(ch, { type: 'call.missed', queue: e.queue, memberUuid: e.member.uuid, callerNumber: e.member.cidNumber, callerName: e.member.cidName, hangupCause: e.hangupCause, status }, cause);
        return;
      }
      case 'member-queue-end':
        if (ch.call?.memberUuid !== e.member.uuid) return;
        ch.call = null;
        this.push(ch, { type: 'call.ended', queue: e.queue, memberUuid: e.member.uuid, cause: e.cause, hangupCause: e.cancelReason ?? e.hangupCause, talkTimeS: 0 }, cause);
        return;
      default:
        return;
    }
  }

  /**
   * Several switches (src/switches/): the switch holding this call went down, so no event
   * will end it. The agent's page shows it ended (cause SWITCH_DOWN). Keyed by the call,
   * so that every gateway instance's copy is one push (DESK_STREAM=redis).
   */
  callGone(call: CallView, switchId: string): void {
    if (!call.agent) return;
    const ch = this.channels.get(call.agent);
    if (ch?.call?.memberUuid !== call.memberUuid) return;
    ch.call = null;
    const cause: EventCause = { readAt: performance.now(), timestampUs: 0, id: `switch-down/${switchId}/${call.memberUuid}` };
    this.push(ch, { type: 'call.ended', queue: call.queue, memberUuid: call.memberUuid, cause: 'SWITCH_DOWN', hangupCause: null, talkTimeS: 0 }, cause);
  }

  /** The call model changed a call: the page learns when its call is held or unheld. */
  private onCall(c: CallView): void {
    if (!c.agent) return;
    const ch = this.channels.get(c.agent);
    if (!ch?.call || ch.call.memberUuid !== c.memberUuid || ch.call.held === c.held) return;
    ch.call = { ...ch.call, held: c.held };
    this.push(ch, { type: 'call.held', queue: c.queue, memberUuid: c.memberUuid, held: c.held, agentLegUuid: c.agentLegUuid });
  }

  private popOf(e: Offering): PopData {
    return this.pops.get(e.member.uuid) ?? this.pops.late(e.queue, e.member.uuid, e.member.cidNumber, Math.floor(e.timestampUs / 1e6));
  }

  private offering(ch: AgentChannel, e: Offering, p: PopData, cause: EventCause | null): void {
    const offer = (timedOut: boolean): void => {
      const call: CallInfo = {
        queue: e.queue,
        memberUuid: e.member.uuid,
        callerNumber: e.member.cidNumber,
        callerName: e.member.cidName,
        dnis: p.destination,
        joinedAt: p.joinedAt || Math.floor(e.timestampUs / 1e6),
        ...(timedOut ? { data: null, dataUnavailable: true } : popFields(p)),
        phase: 'ringing',
        held: false,
        agentLegUuid: null,
      };
      ch.call = call;
      this.push(ch, { type: 'call.offered', ...call }, cause);
    };
    if (!p.pending) return offer(false);
    // The lookup started when the caller joined has not answered yet (the offer came
    // within a Redis round trip): wait for that same lookup, holding the agent's pushes
    // and call events back until the offer is out.
    const held: Held[] = [];
    ch.held = held;
    let done = false;
    const release = (timedOut: boolean) => {
      if (done) return;
      done = true;
      if (ch.holdTimer) clearTimeout(ch.holdTimer);
      ch.holdTimer = null;
      ch.held = null;
      if (this.closed) return;
      this.metrics.offersHeld.inc({ outcome: timedOut ? 'timeout' : 'record' });
      offer(timedOut);
      this.replay(ch, held);
    };
    ch.holdTimer = setTimeout(() => release(true), RECORD_WAIT_MS);
    void p.pending.then(() => release(false));
  }

  /** Applies what was held, in order; a second offer in it holds the rest again. */
  private replay(ch: AgentChannel, items: Held[]): void {
    for (const [i, h] of items.entries()) {
      if (ch.held) {
        ch.held.push(...items.slice(i));
        return;
      }
      if (h.kind === 'push') this.push(ch, h.push, h.cause);
      else if (h.kind === 'snapshot') this.push(ch, this.snapshot(ch));
      else this.agentEvent(ch, h.event, h.pop, h.cause);
    }
  }
}
