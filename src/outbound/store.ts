import type pg from 'pg';
import { inTransaction } from '../db/database.js';
import { statesBefore, type ActionState, type OutboundAction } from './action.js';

/**
 * The `outbound_actions` table (migrations/1764547200000_outbound-actions.sql)
 * and the outbound call records. Every statement is one conditional write, so
 * that several gateway instances on one database agree: an insert loses to an
 * existing idempotency key, a claim (`new` → `sent`) succeeds for one of them,
 * and a state only moves forward.
 */

interface ActionRow {
  id: string;
  agent: string;
  idempotency_key: string;
  number: string;
  caller_id_number: string;
  caller_id_name: string;
  queue: string;
  requested_by: string;
  role: 'agent' | 'api';
  state: ActionState;
  cause: string | null;
  agent_leg_uuid: string;
  customer_leg_uuid: string;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  agent_answered_at: Date | null;
  bridged_at: Date | null;
  ended_at: Date | null;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

function fromRow(r: ActionRow): OutboundAction {
  return {
    id: r.id,
    agent: r.agent,
    idempotencyKey: r.idempotency_key,
    number: r.number,
    callerIdNumber: r.caller_id_number,
    callerIdName: r.caller_id_name,
    queue: r.queue,
    requestedBy: r.requested_by,
    role: r.role,
    state: r.state,
    cause: r.cause,
    agentLegUuid: r.agent_leg_uuid,
    customerLegUuid: r.customer_leg_uuid,
    createdAt: r.created_at.getTime(),
    updatedAt: r.updated_at.getTime(),
    sentAt: ms(r.sent_at),
    agentAnsweredAt: ms(r.agent_answered_at),
    bridgedAt: ms(r.bridged_at),
    endedAt: ms(r.ended_at),
  };
}

export type NewAction = Omit<OutboundAction, 'state' | 'cause' | 'createdAt' | 'updatedAt' | 'sentAt' | 'agentAnsweredAt' | 'bridgedAt' | 'endedAt'>;

export type InsertResult =
  | { readonly kind: 'created'; readonly action: OutboundAction }
  /** The same agent and idempotency key were seen before: that action, unchanged. */
  | { readonly kind: 'existing'; readonly action: OutboundAction }
  /** The agent has another action that is not finished. */
  | { readonly kind: 'busy'; readonly open: OutboundAction | null };

export async function insertAction(pool: pg.Pool, a: NewAction): Promise<InsertResult> {
  const res = await pool.query<ActionRow>(
    `INSERT INTO outbound_actions (id, agent, idempotency_key, number, caller_id_number, caller_id_name, queue, requested_by, role, state, agent_leg_uuid, customer_leg_uuid)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'new', $10, $11)
     ON CONFLICT DO NOTHING RETURNING *`,
    [a.id, a.agent, a.idempotencyKey, a.number, a.callerIdNumber, a.callerIdName, a.queue, a.requestedBy, a.role, a.agentLegUuid, a.customerLegUuid],
  );
  const row = res.rows[0];
  if (row) return { kind: 'created', action: fromRow(row) };
  const same = await pool.query<ActionRow>('SELECT * FROM outbound_actions WHERE agent = $1 AND idempotency_key = $2', [a.agent, a.idempotencyKey]);
  if (same.rows[0]) return { kind: 'existing', action: fromRow(same.rows[0]) };
  const open = await pool.query<ActionRow>("SELECT * FROM outbound_actions WHERE agent = $1 AND state NOT IN ('ended', 'failed')", [a.agent]);
  return { kind: 'busy', open: open.rows[0] ? fromRow(open.rows[0]) : null };
}

export async function getAction(pool: pg.Pool, id: string): Promise<OutboundAction | null> {
  const res = await pool.query<ActionRow>('SELECT * FROM outbound_actions WHERE id = $1', [id]);
  return res.rows[0] ? fromRow(res.rows[0]) : null;
}

export interface ActionFilter {
  readonly agent?: string;
  /** Only these agents (a token's queue scope); empty: none. */
  readonly agents?: readonly string[];
  readonly state?: ActionState;
  /** Created at or after. */
  readonly since?: Date;
}

/** Where a page of actions ends: the last row's exact `created_at` (as PostgreSQL prints it, microseconds kept) and id. */
export interface ActionKeyset {
  readonly createdAt: string;
  readonly id: string;
}

export interface ActionPage {
  readonly items: OutboundAction[];
  /** Pass back for the next page; null when this was the last. */
  readonly next: ActionKeyset | null;
}

/**
 * Actions newest first, filtered, in keyset pages on (created_at, id): a page
 * costs the same at any depth (indexes of migrations/1764547500000), and actions
 * created meanwhile do not shift the pages already read.
 */
export async function listActions(pool: pg.Pool, f: ActionFilter, after: ActionKeyset | null, limit: number): Promise<ActionPage> {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown): string => `$${args.push(v)}`;
  if (f.agent !== undefined) where.push(`agent = ${arg(f.agent)}`);
  if (f.agents !== undefined) where.push(`agent = ANY(${arg(f.agents)}::text[])`);
  if (f.state !== undefined) where.push(`state = ${arg(f.state)}`);
  if (f.since !== undefined) where.push(`created_at >= ${arg(f.since.toISOString())}::timestamptz`);
  if (after) where.push(`(created_at, id) < (${arg(after.createdAt)}::timestamptz, ${arg(after.id)})`);
  const res = await pool.query<ActionRow & { created_key: string }>(
    `SELECT *, created_at::text AS created_key FROM outbound_actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT ${arg(limit + 1)}`,
    args,
  );
  const rows = res.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return { items: rows.map(fromRow), next: res.rows.length > limit && last ? { createdAt: last.created_key, id: last.id } : null };
}

/** Actions not finished, oldest first (what a starting gateway must send or check). */
export async function openActions(pool: pg.Pool): Promise<OutboundAction[]> {
  const res = await pool.query<ActionRow>("SELECT * FROM outbound_actions WHERE state NOT IN ('ended', 'failed') ORDER BY created_at, id");
  return res.rows.map(fromRow);
}

/** Finished actions whose call record is not written yet (a crash between the two). */
export async function unrecordedActions(pool: pg.Pool): Promise<OutboundAction[]> {
  const res = await pool.query<ActionRow>("SELECT * FROM outbound_actions WHERE state IN ('ended', 'failed') AND recorded_at IS NULL ORDER BY ended_at LIMIT 1000");
  return res.rows.map(fromRow);
}

export interface Move {
  readonly to: ActionState;
  readonly cause?: string | null;
  /** Epoch ms of the switch's event (or now). */
  readonly at: number;
}

/**
 * Moves an action forward to `to` if it is in an earlier state; null when it
 * is not (already there or further, or finished): the caller then has nothing to push.
 */
export async function moveAction(pool: pg.Pool, id: string, m: Move): Promise<OutboundAction | null> {
  const at = new Date(m.at).toISOString();
  const t = '$4::timestamptz';
  const stamp =
    m.to === 'sent' ? `, sent_at = ${t}` :
    m.to === 'agent-answered' ? `, agent_answered_at = COALESCE(agent_answered_at, ${t})` :
    m.to === 'bridged' ? `, agent_answered_at = COALESCE(agent_answered_at, ${t}), bridged_at = ${t}` :
    m.to === 'ended' || m.to === 'failed' ? `, ended_at = ${t}` :
    '';
  const res = await pool.query<ActionRow>(
    `UPDATE outbound_actions SET state = $2, updated_at = now(), cause = COALESCE($5, cause)${stamp}
     WHERE id = $1 AND state = ANY($3::text[]) AND ${t} IS NOT NULL RETURNING *`, // $4 is used in every form: an unused parameter has no type
    [id, m.to, statesBefore(m.to), at, m.cause ?? null],
  );
  return res.rows[0] ? fromRow(res.rows[0]) : null;
}

/**
 * The action's own call record (`direction = 'outbound'`), written once: the
 * action id is the record's key, ON CONFLICT DO NOTHING, and `recorded_at`
 * marks the action so a restart writes what a crash left unwritten.
 * `caller_number` is the customer's number (whom the call was with), so a
 * search by number finds inbound and outbound calls alike.
 */
export async function writeOutboundRecord(pool: pg.Pool, a: OutboundAction): Promise<boolean> {
  const ended = a.endedAt ?? a.updatedAt;
  const secs = (from: number | null, to: number | null): number | null => (from === null || to === null ? null : Math.max(0, Math.round((to - from) / 1000)));
  return inTransaction(pool, async (client) => {
    const res = await client.query(
      `INSERT INTO call_records (member_uuid, session_uuid, direction, queue, caller_number, caller_name, destination, variables,
         joined_at, offered_at, answered_at, ended_at, wait_s, ring_s, talk_s, offers, agent, agent_uuid, outcome, cause, hangup_cause)
       VALUES ($1, $2, 'outbound', $3, $4, '', $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, '[]', $13, $14, $15, $16, $17)
       ON CONFLICT (member_uuid) DO NOTHING`,
      [
        a.id,
        a.agentLegUuid,
        a.queue,
        a.number,
        JSON.stringify({ cc_outbound_action: a.id, caller_id_number: a.callerIdNumber, requested_by: a.requestedBy, customer_leg_uuid: a.customerLegUuid }),
        new Date(a.createdAt).toISOString(),
        a.sentAt === null ? null : new Date(a.sentAt).toISOString(),
        a.bridgedAt === null ? null : new Date(a.bridgedAt).toISOString(),
        new Date(ended).toISOString(),
        secs(a.createdAt, a.bridgedAt ?? ended) ?? 0,
        secs(a.agentAnsweredAt, a.bridgedAt),
        secs(a.bridgedAt, ended),
        a.agent,
        a.agentLegUuid,
        // The records' outcome vocabulary: a customer reached is `answered`; anything else `cancelled`.
        a.bridgedAt !== null ? 'answered' : 'cancelled',
        a.state,
        a.cause,
      ],
    );
    await client.query('UPDATE outbound_actions SET recorded_at = now() WHERE id = $1', [a.id]);
    return (res.rowCount ?? 0) > 0;
  });
}
