import { readFileSync } from 'node:fs';
import type { Item } from '../fsdouble/helpers.js';

/**
 * Compares the callcenter events the double and the real switch sent for one scenario. Every
 * difference is a key string; a key listed in src/fsdouble/DIFFERENCES.md (section "Real-switch
 * scenarios", one `- \`key\` reason` line each) is accepted, any other fails the test.
 */

/** Values that are per-run by nature (uuids, clocks) or name the channel technology. */
const VOLATILE = /UUID|-Time$|^CC-Agent-Called-Time|^CC-Member-Joined-Time|^CC-Member-Leaving-Time|^CC-Agent-Answered-Time|^CC-Bridge-Terminated-Time|^CC-Agent-Aborted-Time|^CC-Member-Rejoined-Time|^Event-|^Core-UUID|^FreeSWITCH-|^Content-Length/;
/** Channel variables the gateway reads from agent-offering / bridge events (the screen pop). */
const POP_VARS = ['variable_account_number', 'variable_caller_lang', 'variable_caller_number'];

export interface CcEvent {
  readonly action: string;
  /** CC-* header names, in wire order. */
  readonly names: readonly string[];
  /** CC-* values that must agree, plus the screen-pop variables. */
  readonly values: Readonly<Record<string, string>>;
}

export function ccEvents(items: readonly Item[]): CcEvent[] {
  return items.map((i) => {
    const names = i.names.filter((n) => n.startsWith('CC-'));
    const values: Record<string, string> = {};
    for (const n of names) if (!VOLATILE.test(n)) values[n] = i.headers.get(n) ?? '';
    for (const v of POP_VARS) if (i.headers.has(v)) values[v] = i.headers.get(v)!;
    return { action: i.headers.get('CC-Action') ?? '', names, values };
  });
}

/**
 * members-count is fired by the member's thread while the agent's thread bridges: where it lands
 * among the agent's events, and the count it reads, race (see DIFFERENCES.md). The sequence is
 * compared without it; its placement and counts are compared on their own.
 */
const RACY = 'members-count';

export function diffEvents(scenario: string, real: readonly CcEvent[], double: readonly CcEvent[]): string[] {
  const out: string[] = [];
  const seq = (ev: readonly CcEvent[]) => ev.filter((e) => e.action !== RACY).map((e) => e.action).join(' ');
  if (seq(real) !== seq(double)) out.push(`${scenario}: sequence real [${seq(real)}] double [${seq(double)}]`);
  const placement = (ev: readonly CcEvent[]) => ev.flatMap((e, k) => (e.action === RACY ? [`${ev[k - 1]?.action ?? '-'}:${e.values['CC-Count'] ?? ''}`] : [])).join(' ');
  if (placement(real) !== placement(double)) out.push(`*: members-count after real [${placement(real)}] double [${placement(double)}]`);
  // Pair the k-th event of each action on both sides.
  const byAction = (ev: readonly CcEvent[]) => {
    const m = new Map<string, CcEvent[]>();
    for (const e of ev) if (e.action !== RACY) m.set(e.action, [...(m.get(e.action) ?? []), e]);
    return m;
  };
  const rm = byAction(real);
  const dm = byAction(double);
  for (const [action, rs] of rm) {
    const ds = dm.get(action) ?? [];
    for (let k = 0; k < Math.min(rs.length, ds.length); k++) {
      const r = rs[k]!;
      const d = ds[k]!;
      const rn = r.names.join(',');
      const dn = d.names.join(',');
      if (rn !== dn) out.push(`*: ${action} headers real [${rn}] double [${dn}]`);
      for (const key of new Set([...Object.keys(r.values), ...Object.keys(d.values)])) {
        if (r.values[key] !== d.values[key]) out.push(`${scenario}: ${action} ${key} real ${JSON.stringify(r.values[key] ?? null)} double ${JSON.stringify(d.values[key] ?? null)}`);
      }
    }
  }
  return out;
}

const DIFFERENCES = new URL('../../src/fsdouble/DIFFERENCES.md', import.meta.url);

/** The accepted differences: `- \`key\` reason` lines of the "Real-switch scenarios" section. */
export function acceptedDifferences(): Map<string, string> {
  const text = readFileSync(DIFFERENCES, 'utf8');
  const start = text.indexOf('## Real-switch scenarios');
  const accepted = new Map<string, string>();
  if (start < 0) return accepted;
  const end = text.indexOf('\n## ', start + 1);
  for (const line of text.slice(start, end < 0 ? undefined : end).split('\n')) {
    const m = /^- `([^`]+)`\s*[:—-]?\s*(.*)$/.exec(line);
    if (m && m[2]!.trim() !== '') accepted.set(m[1]!, m[2]!.trim());
  }
  return accepted;
}

/** Differences not accepted; a key starting with `*: ` is accepted for every scenario. */
export function unexplained(diffs: readonly string[]): string[] {
  const ok = acceptedDifferences();
  return diffs.filter((d) => !ok.has(d) && !ok.has(d.replace(/^[^:]+: /, '*: ')));
}

/** Columns of `callcenter_config agent list` / `tier list` that hold clocks or uuids. */
const VOLATILE_COLUMNS = /^(uuid|instance_id|last_bridge_start|last_bridge_end|last_offered_call|last_status_change|talk_time|ready_time)$/;

/** A `|`-separated list reply with the volatile columns blanked (header row kept). */
export function normalizeList(reply: string): string {
  const lines = reply.trim().split('\n');
  const head = (lines[0] ?? '').split('|');
  return lines
    .map((l, k) => (k === 0 || l === '+OK' ? l : l.split('|').map((v, i) => (VOLATILE_COLUMNS.test(head[i] ?? '') ? '' : v)).join('|')))
    .join('\n');
}

export function diffReplies(scenario: string, command: string, real: string, double: string): string[] {
  const r = normalizeList(real);
  const d = normalizeList(double);
  return r === d ? [] : [`${scenario}: ${command} real ${JSON.stringify(r)} double ${JSON.stringify(d)}`];
}
