import type { EventCause } from '../callcenter/service.js';
import type { Logger } from '../log.js';
import type { AgentChannel, DeskSocket } from './desk.js';
import type { Push } from './protocol.js';
import { seqOf, type SharedPushStream } from './shared-stream.js';

/** After a push could not be stored: when the agent's pages get a snapshot instead. */
const RETRY_MS = 1000;

/** A numbered push held for a socket until its replay (resume or gap fill) is out. */
interface Gated {
  readonly seq: number;
  readonly json: string;
  readonly type: Push['type'];
  readonly cause: EventCause | null;
}

/** Hands a numbered push (serialised) to some of a channel's sockets, with the desk's metrics. */
export type SocketSender = (type: Push['type'], json: string, cause: EventCause | null, sockets: readonly DeskSocket[]) => void;

/**
 * The desk's push path when several gateway instances share the agents
 * (DESK_STREAM=redis): numbering and replay in Redis (SharedPushStream), and
 * delivery to this instance's sockets in seq order, each socket getting each
 * seq at most once.
 *
 * Which pushes are appended by whom:
 * - pushes caused by a switch event: by every instance following the agent,
 *   keyed by the event, so the stream has them once, even while the agent has
 *   no page anywhere (the seconds between an instance dying and its pages
 *   resuming elsewhere);
 * - call.held (from the call model's channel events, which carry no callcenter
 *   event): keyed by the call and the count of its hold changes, which every
 *   instance that followed the call counts alike;
 * - everything else (snapshots, link state, queue.waiting, a break reason the
 *   desk set): only by an instance that has a page of the agent.
 */
export class SharedDeskStream {
  /** Per socket: the last seq it was sent. */
  private readonly sent = new WeakMap<DeskSocket, number>();
  /** Sockets being resumed: what arrives for them meanwhile waits until their replay is out. */
  private readonly gated = new WeakMap<DeskSocket, Gated[]>();
  /** Gaps filled from the stream so far (tests and diagnostics). */
  gapFills = 0;
  /** Per agent and call: hold changes pushed so far (the call.held key). */
  private readonly holdChanges = new Map<string, number>();

  /** Per agent: the last append in flight (an ack waits for it, so the pushes before it come first, as on one instance). */
  private readonly tails = new Map<string, Promise<void>>();
  /** Per agent: a snapshot due after a push could not be stored. */
  private readonly retries = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly stream: SharedPushStream,
    private readonly log: Logger,
  ) {}

  /** The key that makes every instance's copy of this push one entry; null: appended by page holders only. */
  keyOf(ch: AgentChannel, p: Push, cause: EventCause | null): string | null {
    if (cause?.id) return `${cause.id}:${p.type}`;
    if (p.type === 'call.held') {
      const k = `${ch.agent}|${p.memberUuid}`;
      const n = (this.holdChanges.get(k) ?? 0) + 1;
      this.holdChanges.set(k, n);
      return `held:${p.memberUuid}:${n}`;
    }
    return null;
  }

  /**
   * Appends a push and sends it to the channel's sockets once Redis numbered it.
   * `resnapshot`: pushes a fresh snapshot; called a second after a push could not be
   * stored (Redis down), while the agent has a page here, so the page is not left stale.
   */
  push(ch: AgentChannel, p: Push, cause: EventCause | null, send: SocketSender, resnapshot: () => void): void {
    if (p.type === 'call.ended' || p.type === 'call.missed') this.holdChanges.delete(`${ch.agent}|${p.memberUuid}`);
    const key = this.keyOf(ch, p, cause);
    if (key === null && ch.sockets.size === 0) return;
    const tail = this.stream.append(ch.agent, JSON.stringify(p), key).then(
      ({ seq, json }) => {
        if (seq > ch.seq) ch.seq = seq;
        // Returned: the agent's tail (and so an ack after it) waits for a gap's fill too.
        if (json !== null) return this.deliver(ch, seq, json, p.type, cause, send, resnapshot);
        return undefined;
      },
      (err: Error) => {
        this.log.warn({ agent: ch.agent, type: p.type, err: err.message }, 'could not store a desk push in Redis');
        this.retryLater(ch, resnapshot);
      },
    );
    // Chained: a gap fill started by an earlier push may end after this push's own delivery.
    const prev = this.tails.get(ch.agent);
    const settled = prev ? Promise.all([prev, tail]).then(() => undefined) : tail;
    this.tails.set(ch.agent, settled);
    void settled.then(() => {
      if (this.tails.get(ch.agent) === settled) this.tails.delete(ch.agent);
    });
  }

  private deliver(ch: AgentChannel, seq: number, json: string, type: Push['type'], cause: EventCause | null, send: SocketSender, resnapshot: () => void): Promise<void> | undefined {
    const to: DeskSocket[] = [];
    let fills: Promise<void>[] | undefined;
    for (const s of ch.sockets) {
      const gate = this.gated.get(s);
      const last = this.sent.get(s) ?? 0;
      if (gate) gate.push({ seq, json, type, cause });
      else if (last > 0 && seq > last + 1) (fills ??= []).push(this.fillGap(ch, s, last, { seq, json, type, cause }, resnapshot));
      else if (seq > last) {
        this.sent.set(s, seq);
        to.push(s);
      }
    }
    send(type, json, cause, to);
    return fills ? Promise.all(fills).then(() => undefined) : undefined;
  }

  /**
   * A socket is about to skip seqs: other instances numbered pushes this one has not
   * handled yet (it lags behind them on the same switch events) or pushes of the agent's
   * page elsewhere. Sending this one now would make this instance's own copies of the
   * skipped ones arrive "already sent" and be dropped: the page would miss them. So the
   * socket is held as for a resume, the missing range is read from the stream (same
   * connection as the appends: it holds every seq numbered so far) and sent in order first.
   */
  private async fillGap(ch: AgentChannel, s: DeskSocket, last: number, first: Gated, resnapshot: () => void): Promise<void> {
    this.gated.set(s, [first]);
    this.gapFills++;
    try {
      const { head, missed } = await this.stream.since(ch.agent, last);
      if (!this.gated.has(s)) return; // ungated meanwhile (socket closed)
      if (missed !== null) {
        this.open(s, missed, head);
        return;
      }
    } catch (err) {
      this.log.warn({ agent: ch.agent, err: (err as Error).message }, 'could not read a desk stream gap from Redis');
    }
    // The stream no longer reaches back (or Redis failed): what is held goes out, then a snapshot puts the page right.
    this.open(s, [], 0);
    resnapshot();
  }

  /** Resolves when every push appended so far for the agent has been sent to this instance's sockets. */
  settled(agent: string): Promise<void> {
    return this.tails.get(agent) ?? Promise.resolve();
  }

  private retryLater(ch: AgentChannel, resnapshot: () => void): void {
    if (this.retries.has(ch.agent)) return;
    const t = setTimeout(() => {
      this.retries.delete(ch.agent);
      if (ch.sockets.size) resnapshot();
    }, RETRY_MS);
    this.retries.set(ch.agent, t);
  }

  close(): void {
    for (const t of this.retries.values()) clearTimeout(t);
    this.retries.clear();
  }

  /** Before a resuming socket is attached: its pushes wait until open(). */
  gate(s: DeskSocket): void {
    this.gated.set(s, []);
  }

  /**
   * Sends the replay, then what arrived for the socket meanwhile that the replay did not
   * have, in order, and lets later pushes through.
   */
  open(s: DeskSocket, replay: readonly string[], head: number): void {
    const waiting = this.gated.get(s) ?? [];
    this.gated.delete(s);
    for (const json of replay) s.send(json);
    let last = Math.max(head, replay.length ? seqOf(replay[replay.length - 1]!) : 0, this.sent.get(s) ?? 0);
    this.sent.set(s, last);
    for (const w of waiting) {
      if (w.seq <= last) continue;
      last = w.seq;
      this.sent.set(s, last);
      s.send(w.json);
    }
  }

  /** A socket whose resume failed: nothing waits for it any more. */
  ungate(s: DeskSocket): void {
    this.gated.delete(s);
  }
}
