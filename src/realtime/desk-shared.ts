import type { EventCause } from '../callcenter/service.js';
import type { Logger } from '../log.js';
import type { AgentChannel, DeskSocket } from './desk.js';
import type { Push } from './protocol.js';
import { seqOf, type SharedPushStream } from './shared-stream.js';

/** After a push could not be stored: when the agent's pages get a snapshot instead. */
const RETRY_MS = 1000;

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
  private readonly gated = new WeakMap<DeskSocket, Array<{ seq: number; json: string; type: Push['type']; cause: EventCause | null }>>();
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
        if (json !== null) this.deliver(ch, seq, json, p.type, cause, send);
      },
      (err: Error) => {
        this.log.warn({ agent: ch.agent, type: p.type, err: err.message }, 'could not store a desk push in Redis');
        this.retryLater(ch, resnapshot);
      },
    );
    this.tails.set(ch.agent, tail);
    void tail.then(() => {
      if (this.tails.get(ch.agent) === tail) this.tails.delete(ch.agent);
    });
  }

  private deliver(ch: AgentChannel, seq: number, json: string, type: Push['type'], cause: EventCause | null, send: SocketSender): void {
    const to: DeskSocket[] = [];
    for (const s of ch.sockets) {
      const gate = this.gated.get(s);
      if (gate) gate.push({ seq, json, type, cause });
      else if (seq > (this.sent.get(s) ?? 0)) {
        this.sent.set(s, seq);
        to.push(s);
      }
    }
    send(type, json, cause, to);
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
