/**
 * `show calls as json` (mod_commands): `{"row_count":N,"rows":[…]}` with one
 * row per call from the core's `basic_calls` view — the A leg's columns
 * (`uuid`, `name`, `callstate`, …) and, when bridged, the B leg's (`b_uuid`,
 * `b_name`, `b_callstate`, …); an unbridged channel is a row with empty `b_*`.
 * No channel: `{"row_count": 0}` and no `rows`. Every value is a string.
 */

export interface ChannelRow {
  readonly uuid: string;
  readonly name: string;
  /** `callstate` column: DOWN, RINGING, EARLY, ACTIVE, HELD, … */
  readonly callState: string;
  readonly bridgedTo: string | null;
}

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Every channel of a `show calls as json` reply, by uuid. */
export function parseShowCalls(body: string): Map<string, ChannelRow> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SnapshotError(`show calls: not JSON: ${body.slice(0, 80)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SnapshotError('show calls: not an object');
  const rows = (parsed as { rows?: unknown }).rows;
  const out = new Map<string, ChannelRow>();
  if (rows === undefined) return out;
  if (!Array.isArray(rows)) throw new SnapshotError('show calls: rows is not a list');
  for (const row of rows as unknown[]) {
    if (row === null || typeof row !== 'object') continue;
    const r = row as Record<string, unknown>;
    const a = str(r.uuid);
    const b = str(r.b_uuid);
    if (a) out.set(a, { uuid: a, name: str(r.name), callState: str(r.callstate), bridgedTo: b || null });
    if (b) out.set(b, { uuid: b, name: str(r.b_name), callState: str(r.b_callstate), bridgedTo: a || null });
  }
  return out;
}
