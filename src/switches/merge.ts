import type { MergeKind } from './route.js';

/**
 * One reply from the replies of several switches to the same command (each a
 * success body: an `-ERR` from any box has failed the command before this).
 */
export function mergeReplies(kind: MergeKind, bodies: readonly string[]): string {
  if (bodies.length === 1) return bodies[0]!;
  switch (kind) {
    case 'json-rows':
      return mergeJsonRows(bodies);
    case 'all-ok':
      return bodies[0]!;
  }
}

/** `show … as json`: `{"row_count":N,"rows":[…]}`, or `{"row_count": 0}` when empty. */
function mergeJsonRows(bodies: readonly string[]): string {
  const rows: unknown[] = [];
  for (const body of bodies) {
    const parsed = JSON.parse(body) as { rows?: unknown };
    if (Array.isArray(parsed.rows)) rows.push(...(parsed.rows as unknown[]));
  }
  return JSON.stringify(rows.length === 0 ? { row_count: 0 } : { row_count: rows.length, rows });
}

/**
 * `callcenter_config queue list members` without the rows of boxes that are down: a header line
 * (with an `instance_id` column), one `|`-separated row per line, then `+OK` (just `+OK` when empty).
 * Rows whose instance_id names no box that is down are kept (a box the gateway does not watch).
 */
export function withoutMembersOf(down: ReadonlySet<string>, body: string): string {
  if (down.size === 0) return body;
  const lines = body.split('\n');
  const columns = lines[0]?.split('|') ?? [];
  const at = columns.indexOf('instance_id');
  if (at === -1) return body;
  const kept: string[] = [];
  let rows = 0;
  for (const line of lines.slice(1)) {
    const fields = line.split('|');
    if (fields.length === columns.length) {
      if (down.has(fields[at]!)) continue;
      rows++;
    }
    kept.push(line);
  }
  // No row left: the switch writes a bare `+OK` then.
  return rows === 0 ? kept.join('\n') : [lines[0]!, ...kept].join('\n');
}
