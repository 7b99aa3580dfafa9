import { EventBuilder, type CoreIdentity, preciseNowMs } from './event-builder.js';
import type { FsEvent } from './fs-event.js';
import type { Channel } from './channel.js';
import { SwitchModel, type CallcenterDatabase, type QueueConfig } from './switch-model.js';

/** Timers of one switch lifetime; all cleared at stop so nothing outlives it. */
export class Timers {
  private readonly live = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.live.delete(t);
      fn();
    }, Math.max(0, ms));
    t.unref();
    this.live.add(t);
    return t;
  }

  cancel(t: NodeJS.Timeout | null | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.live.delete(t);
  }

  clear(): void {
    for (const t of this.live) clearTimeout(t);
    this.live.clear();
  }
}

export type EventSink = (event: FsEvent) => void;

/**
 * What every part of the simulated switch shares: identity and event
 * sequence, the callcenter tables, live sessions, timers and the event bus
 * (mod_event_socket listeners subscribe here).
 */
export class SwitchCore {
  readonly events: EventBuilder;
  readonly model: SwitchModel;
  readonly channels = new Map<string, Channel>();
  readonly timers = new Timers();
  readonly startedMs: number;
  private readonly sinks = new Set<EventSink>();
  private sessionIds = 0;
  sessionsSinceStartup = 0;
  peakSessions = 0;

  constructor(id: CoreIdentity, queues: readonly QueueConfig[], readonly nowMs: () => number = preciseNowMs, database?: CallcenterDatabase, instanceId?: string) {
    this.events = new EventBuilder(id, nowMs);
    this.model = new SwitchModel(queues, database, instanceId);
    this.startedMs = nowMs();
  }

  nowS(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  nowUs(): number {
    return Math.floor(this.nowMs() * 1000);
  }

  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  fire(event: FsEvent): void {
    for (const s of this.sinks) s(event);
  }

  nextSessionId(): number {
    this.sessionsSinceStartup++;
    return ++this.sessionIds;
  }

  addChannel(ch: Channel): void {
    this.channels.set(ch.uuid, ch);
    this.peakSessions = Math.max(this.peakSessions, this.channels.size);
  }

  /** Set by routing to drop its bookkeeping of sessions that ended. */
  onChannelGone: ((ch: Channel) => void) | null = null;

  removeChannel(ch: Channel): void {
    ch.gone = true;
    this.channels.delete(ch.uuid);
    this.onChannelGone?.(ch);
  }
}
