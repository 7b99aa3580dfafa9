import { EslCommandError } from '../esl/errors.js';

/**
 * Parsers for `callcenter_config` replies, as recorded from a real switch
 * (test/fixtures/esl/api-replies.txt).
 */

export type CallcenterErrorCode =
  | 'AGENT_NOT_FOUND'
  | 'AGENT_EXISTS'
  | 'QUEUE_NOT_FOUND'
  | 'TIER_NOT_FOUND'
  | 'TIER_EXISTS'
  | 'INVALID_TYPE'
  | 'INVALID_STATUS'
  | 'INVALID_STATE'
  | 'INVALID_KEY'
  | 'INVALID_ARGUMENTS'
  | 'NO_REPLY'
  | 'USAGE'
  | 'COMMAND_NOT_FOUND'
  | 'BAD_REPLY'
  | 'SWITCH_ERROR';

/** The switch refused a callcenter command; `reply` is its exact text. */
export class CallcenterError extends Error {
  override readonly name = 'CallcenterError';
  constructor(
    readonly code: CallcenterErrorCode,
    readonly reply: string,
  ) {
    super(reply);
  }
}

const ERRORS: ReadonlyArray<readonly [RegExp, CallcenterErrorCode]> = [
  [/^-ERR Agent not found!/, 'AGENT_NOT_FOUND'],
  [/^-ERR Agent already exist!/, 'AGENT_EXISTS'],
  [/^-ERR (Invalid )?Queue not found!/, 'QUEUE_NOT_FOUND'],
  [/^-ERR Tier not found!/, 'TIER_NOT_FOUND'],
  [/^-ERR Tier already exist!/, 'TIER_EXISTS'],
  [/^-ERR Agent type invalid!/, 'INVALID_TYPE'],
  [/^-ERR Invalid Agent Status!/, 'INVALID_STATUS'],
  [/^-ERR Invalid (Agent|Tier) State!/, 'INVALID_STATE'],
  [/^-ERR Invalid (Agent|Tier) Update KEY!/, 'INVALID_KEY'],
  [/^-ERR Invalid!/, 'INVALID_ARGUMENTS'],
  [/^-ERR no reply/, 'NO_REPLY'],
  [/^-USAGE/, 'USAGE'],
  [/Command not found!$|^-ERR command not found/, 'COMMAND_NOT_FOUND'],
];

export function classifyError(reply: string): CallcenterError {
  const text = reply.trim();
  for (const [re, code] of ERRORS) if (re.test(text)) return new CallcenterError(code, text);
  return new CallcenterError('SWITCH_ERROR', text);
}

/** Maps an EslCommandError (a `-ERR` body) to a typed CallcenterError; anything else is rethrown. */
export function asCallcenterError(err: unknown): unknown {
  return err instanceof EslCommandError ? classifyError(err.reply) : err;
}

/** `+OK` (with its newline) is the only success reply of set/add/del commands. */
export function expectOk(body: string): void {
  if (body.trimEnd() !== '+OK') throw body.startsWith('-') ? classifyError(body) : new CallcenterError('BAD_REPLY', body.slice(0, 200));
}

export interface ParsedList {
  readonly rows: Array<Record<string, string>>;
  /** Rows whose field count did not match the header line (e.g. a `|` inside a value). */
  readonly malformed: number;
}

export interface ParsedTable {
  readonly columns: readonly string[];
  /** Fields of each well-formed row, in header order. */
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly malformed: number;
}

/**
 * A `|`-separated list: a header line naming the columns, one line per row,
 * then `+OK`. Rows are read by the header's column names, since the columns
 * differ between FreeSWITCH versions. An empty list is a bare `+OK`.
 */
/**
 * Columns that hold free text set from outside (a contact typed in fs_cli, a
 * caller's name) and so may contain `|`. When a row has too many fields, the
 * extra separators are taken to belong to the first of these the table has:
 * the columns left of it are read from the left, those right of it from the
 * right.
 */
const FREE_TEXT_COLUMNS = ['contact', 'cid_name', 'record_template'] as const;

export function parseTable(body: string): ParsedTable {
  if (body.startsWith('-')) throw classifyError(body);
  const lines = body.split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines[lines.length - 1] !== '+OK') throw new CallcenterError('BAD_REPLY', `list does not end with +OK: ${body.slice(0, 120)}`);
  lines.pop();
  const [header, ...rowLines] = lines;
  if (header === undefined) return { columns: [], rows: [], malformed: 0 };
  const columns = header.split('|');
  const free = FREE_TEXT_COLUMNS.map((c) => columns.indexOf(c)).find((i) => i !== -1) ?? -1;
  const rows: string[][] = [];
  let malformed = 0;
  for (const line of rowLines) {
    let fields = line.split('|');
    if (fields.length > columns.length && free !== -1) {
      const right = columns.length - free - 1;
      fields = [...fields.slice(0, free), fields.slice(free, fields.length - right).join('|'), ...fields.slice(fields.length - right)];
    }
    if (fields.length !== columns.length) {
      malformed++;
      continue;
    }
    rows.push(fields);
  }
  return { columns, rows, malformed };
}

/** parseTable with each row as a record keyed by column name. */
export function parseList(body: string): ParsedList {
  const { columns, rows, malformed } = parseTable(body);
  return {
    // parseTable keeps only rows with one field per column.
    rows: rows.map((fields) => Object.fromEntries(columns.map((column, c) => [column, fields[c] ?? '']))),
    malformed,
  };
}

/** `agent get status|state` replies the bare value, without a newline. */
export function parseValue(body: string): string {
  if (body.startsWith('-')) throw classifyError(body);
  return body.replace(/\n$/, '');
}
