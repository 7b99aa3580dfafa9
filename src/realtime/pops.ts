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

/**
 * Screen-pop data per queue member, gathered when the caller joins the queue
 * (member-queue-start) so that agent-offering, seconds later, needs no Redis
 * round trip. Bounded: entries leave with member-queue-end, and the oldest go
 * first past `max`.
 */
export class PopCache {
  private readonly entries = new Map<string, PopData>();

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
    return this.add(memberUuid, cidNumber, { queue, destination: '', joinedAt, exported: {}, record: null, recordUnavailable: false, pending: null });
  }

  onEvent(e: CallcenterEvent): void {
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
