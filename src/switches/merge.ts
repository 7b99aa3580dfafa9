import type { MergeKind } from './route.js';

/**
 * One reply from the replies of several switches to the same command (each a
 * success body: an `-ERR` from any box has failed the command before this).
 */
export function mergeReplies(kind: MergeKind, bodies: readonly string[]): string {
  if (bodies.length === 1) return bodies[0]!;
  switch (kind) {
    case 'list':
      return mergeLists(bodies);
    case 'count':
      return `${bodies.reduce((n, b) => n + (parseInt(b.trim(), 10) || 0), 0)}\n`;
    case 'json-rows':
      return mergeJsonRows(bodies);
    case 'all-ok':
      return bodies[0]!;
  }
}

/**
 * `callcenter_config … list` replies: a header line, one `|`-separated row per line and `+OK`
 * (just `+OK` when there are no rows). The same columns on every box (same module version).
 */
function mergeLists(bodies: readonly string[]): string {
  let header: string | null = null;
  const rows: string[] = [];
  for (const body of bodies) {
    const lines = body.split('\n');
    while (lines.length > 0 && (lines[lines.length - 1] === '' || lines[lines.length - 1] === '+OK')) lines.pop();
    if (lines.length === 0) continue;
    header ??= lines[0]!;
    rows.push(...lines.slice(1));
  }
  return header === null ? '+OK\n' : `${header}\n${rows.map((r) => `${r}\n`).join('')}+OK\n`;
}

/** `show … as json`: `{"row_count":N,"rows":[…]}`, or `{"row_count":0}` when empty. */
function mergeJsonRows(bodies: readonly string[]): string {
  const rows: unknown[] = [];
  for (const body of bodies) {
    const parsed = JSON.parse(body) as { rows?: unknown };
    if (Array.isArray(parsed.rows)) rows.push(...(parsed.rows as unknown[]));
  }
  return JSON.stringify(rows.length === 0 ? { row_count: 0 } : { row_count: rows.length, rows });
}
