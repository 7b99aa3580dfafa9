import type { CallcenterEvent } from '../callcenter/events.js';
import { CallerRecordError, type CallerStore } from '../store/callers.js';

export interface PopData {
  queue: string;
  destination: string;
  joinedAt: number;
  exported: Record<string, string>;
  record: Record<string, string> | null;
  recordUnavailable: boolean;
  /** Set while the Redis lookup started at member-queue-start is still running. */
  pending: Promise<void> | null;
}

/** How long a pop made for an offer waits for the member-queue-start behind it (the desk waits 150 ms for a pending pop). */
const LATE_ARRIVAL_MS = 100;

/**
 * Screen-pop data per queue member, gathered when the caller joins the queue
 * (member-queue-start) so that agent-offering, seconds later, needs no Redis
 * round trip. Bounded: entries leave with member-queue-end, and the oldest go
 * first past `max`.
 */
export class PopCache {
  private readonly entries = new Map<string, PopData>();
  /** Entries made for an offer that came before its member-queue-start, until it comes. */
  private readonly awaiting = new Map<string, { readonly data: PopData; readonly arrived: () => void }>();

  constructor(
    private readonly callers: CallerStore,
    private readonly onRedisError: () => void,
    private readonly max = 20_000,
  ) {}

  get(memberUuid: string): PopData | undefined {
    return this.entries.get(memberUuid);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * An offer for a caller whose arrival the gateway did not see (it joined before
   * a gateway restart or an ESL reconnect): look the record up now, as a fallback.
   */
  late(queue: string, memberUuid: string, cidNumber: string, joinedAt: number): PopData {
    const data = this.add(memberUuid, cidNumber, { queue, destination: '', joinedAt, exported: {}, record: null, recordUnavailable: false, pending: null });
    // The offer can also come just before its own member-queue-start: on the real switch, when a
    // caller re-enters a queue whose agent is free, the agent's thread races the member's. That
    // event carries the exported variables: wait a little for it (less than the desk waits for a
    // pending pop); past that the caller joined unseen (a restart) and only the record is left.
    const record = data.pending;
    const arrival = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (this.awaiting.get(memberUuid)?.data === data) this.awaiting.delete(memberUuid);
        resolve();
      }, LATE_ARRIVAL_MS);
      timer.unref();
      this.awaiting.set(memberUuid, {
        data,
        arrived: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
    data.pending = Promise.all([record, arrival]).then(() => {
      data.pending = null;
    });
    return data;
  }

  onEvent(e: CallcenterEvent): void {
    const waiting = e.action === 'member-queue-start' ? this.awaiting.get(e.member.uuid) : undefined;
    if (waiting && e.action === 'member-queue-start') {
      // The offer came first and holds this entry: fill it in place.
      this.awaiting.delete(e.member.uuid);
      Object.assign(waiting.data, { queue: e.queue, destination: e.destination, joinedAt: e.joinedEpoch, exported: { ...e.exported } });
      waiting.arrived();
      return;
    }
    if (e.action === 'member-queue-start' || e.action === 'member-queue-resume') {
      this.add(e.member.uuid, e.member.cidNumber, { queue: e.queue, destination: e.destination, joinedAt: e.joinedEpoch, exported: { ...e.exported }, record: null, recordUnavailable: false, pending: null });
    } else if (e.action === 'member-queue-end') {
      this.entries.delete(e.member.uuid);
    }
  }

  private add(memberUuid: string, number: string, data: PopData): PopData {
    this.entries.set(memberUuid, data);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    let lookup: Promise<Record<string, string> | null>;
    try {
      lookup = this.callers.get(number);
    } catch {
      return data; // not a number we key records by (anonymous, letters): no record
    }
    data.pending = lookup.then(
        (record) => {
          data.record = record;
          data.pending = null;
        },
        (err: unknown) => {
          data.pending = null;
          // The store is async, so a caller ID we key no records by (anonymous,
          // letters) arrives here too: that is no record, not Redis trouble.
          if (err instanceof CallerRecordError) return;
          data.recordUnavailable = true;
          this.onRedisError();
        },
      );
    return data;
  }
}

/** The pop's `data`: the CRM record, then the dialplan's exported variables on top. */
export function popFields(p: PopData | undefined): { data: Record<string, string> | null; dataUnavailable?: true } {
  if (!p) return { data: null };
  // Redis down: number and name still go out, with no data and the flag.
  if (p.recordUnavailable) return { data: null, dataUnavailable: true };
  if (!p.record && Object.keys(p.exported).length === 0) return { data: null };
  return { data: { ...(p.record ?? {}), ...p.exported } };
}
