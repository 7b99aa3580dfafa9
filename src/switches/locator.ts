import type { EslEvent } from '../esl/event.js';
import { EventHeaders } from '../esl/event-headers.js';

/** The headers of an event that name channels living on the switch that fired it. */
const CHANNEL_HEADERS = ['Unique-ID', 'Other-Leg-Unique-ID', 'CC-Member-Session-UUID', 'CC-Agent-UUID'] as const;

/** Bound on remembered channels (oldest forgotten first): a leak must not grow without end. */
const MAX_CHANNELS = 200_000;

function peek(h: ReadonlyMap<string, string>, name: string): string | undefined {
  return h instanceof EventHeaders ? h.peek(name) : h.get(name);
}

/**
 * Which switch holds which channel, learnt from the events each switch fires
 * about its own channels (a channel never moves between boxes). Commands about
 * a channel are sent where it lives; a channel not learnt yet is looked up on
 * every switch by the router (`uuid_exists`) and remembered with `place`.
 */
export class ChannelLocator {
  private readonly where = new Map<string, string>();

  learn(switchId: string, e: EslEvent): void {
    for (const name of CHANNEL_HEADERS) {
      const uuid = peek(e.headers, name);
      if (uuid) this.place(uuid, switchId);
    }
    if (e.name === 'CHANNEL_HANGUP_COMPLETE') {
      const uuid = peek(e.headers, 'Unique-ID');
      if (uuid) this.where.delete(uuid);
    }
  }

  place(uuid: string, switchId: string): void {
    if (this.where.get(uuid) === switchId) return;
    this.where.delete(uuid);
    this.where.set(uuid, switchId);
    if (this.where.size > MAX_CHANNELS) {
      const oldest = this.where.keys().next().value;
      if (oldest !== undefined) this.where.delete(oldest);
    }
  }

  switchOf(uuid: string): string | undefined {
    return this.where.get(uuid);
  }

  /** A switch went down: its channels are gone with it. Returns them. */
  forgetSwitch(switchId: string): Set<string> {
    const gone = new Set<string>();
    for (const [uuid, id] of this.where) {
      if (id !== switchId) continue;
      this.where.delete(uuid);
      gone.add(uuid);
    }
    return gone;
  }

  get size(): number {
    return this.where.size;
  }
}
