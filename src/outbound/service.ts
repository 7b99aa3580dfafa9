import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import * as g from '../callcenter/grammar.js';
import type { Actor, CommandRecord } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { EslLink } from '../esl/link.js';
import { EslCommandError } from '../esl/errors.js';
import type { EslEvent } from '../esl/event.js';
import type { Logger } from '../log.js';
import { isFinal, statesBefore, type OutboundAction } from './action.js';
import type { CallerId, OutboundConfig } from './config.js';
import { actionIdOf, moveFor, parseShowChannels, reconciledMove, type ListedChannel } from './lifecycle.js';
import { originateCommand } from './originate.js';
import { checkNumber, type DialRole } from './policy.js';
import type { DialRateLimiter } from './rate-limit.js';
import { getAction, insertAction, moveAction, openActions, unrecordedActions, writeOutboundRecord, type Move } from './store.js';

export type DialRefusal =
  | 'NUMBER_INVALID'
  | 'NUMBER_NOT_ALLOWED'
  | 'DIAL_RATE_LIMITED'
  | 'AGENT_BUSY'
  | 'AGENT_NOT_FOUND'
  | 'NO_CONTACT'
  | 'NO_CALLER_ID'
  | 'IDEMPOTENCY_CONFLICT'
  | 'OUTBOUND_UNAVAILABLE'
  | 'SWITCH_DOWN';

/** A dial refused before anything was stored or sent. */
export class DialRefusedError extends Error {
  override readonly name = 'DialRefusedError';
  constructor(
    readonly code: DialRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface DialRequest {
  readonly agent: string;
  readonly number: unknown;
  readonly idempotencyKey?: string | undefined;
  readonly role: DialRole;
  readonly actor: Actor;
}

export interface DialOutcome {
  readonly action: OutboundAction;
  /** false: an earlier request with the same idempotency key made this action (nothing was dialled now). */
  readonly created: boolean;
}

export interface OutboundDialerDeps {
  readonly client: EslLink;
  readonly view: ViewReader;
  /** The records database's pool once it is open, else null. */
  readonly pool: () => pg.Pool | null;
  /** Resolves when the database is open (resume waits for it). */
  readonly databaseReady: Promise<void>;
  readonly limiter: DialRateLimiter;
  readonly config: OutboundConfig;
  /** Every dial, allowed or refused, and every originate with its reply. */
  readonly audit: (r: CommandRecord) => void;
  readonly logger: Logger;
}

export interface OutboundDialerEvents {
  /** An action changed state (as this instance saw it): the desk pushes it. */
  state: [action: OutboundAction];
}

interface Tracked {
  action: OutboundAction;
  /** This action's database writes, one after the other. */
  chain: Promise<void>;
}

const KEY = /^[A-Za-z0-9_-]{8,64}$/;
const AGENT_ON_QUEUE_CALL = new Set(['In a queue call', 'Receiving']);
const RETRIES = 5;

/**
 * Outbound calls (click to dial) as durable actions: checks a dial against
 * the policy and the per-agent rate limit, stores it (`new`, idempotency key
 * unique), claims it (`new` → `sent`, one instance wins) and only then sends
 * the originate, so that a retry or a restart never dials twice. The legs'
 * channel events move it on (src/outbound/lifecycle.ts); when it ends, its
 * call record is written. After every connect, actions left `new` are sent
 * and the others are checked against the switch's channel list.
 */
export class OutboundDialer extends EventEmitter<OutboundDialerEvents> {
  private readonly open = new Map<string, Tracked>();
  /** Database writes in flight (a finished action leaves `open` before its last write is done). */
  private readonly writes = new Set<Promise<void>>();
  /**
   * Actions this instance saw finish (the most recent ones): the second leg's hangup
   * arrives after the first ended the action, and must not be taken for an action
   * of another instance (read back from a database its final write has not reached yet).
   */
  private readonly finished = new Set<string>();
  private readonly log: Logger;
  private closed = false;
  private recheck: NodeJS.Timeout | null = null;

  constructor(private readonly deps: OutboundDialerDeps) {
    super();
    this.log = deps.logger;
    deps.client.on('event', (e) => this.onEvent(e));
    // After a (re)connect, and once the database is open: events may have been missed meanwhile.
    deps.client.on('ready', () => {
      void deps.databaseReady.then(() => this.resume());
    });
  }

  close(): void {
    this.closed = true;
    if (this.recheck) clearTimeout(this.recheck);
  }

  /** Waits for every pending database write (tests, stop). */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }

  private pool(): pg.Pool {
    const p = this.deps.pool();
    if (!p) throw new DialRefusedError('OUTBOUND_UNAVAILABLE', 'the outbound actions database is not available; nothing was dialled');
    return p;
  }

  async get(id: string): Promise<OutboundAction | null> {
    const t = this.open.get(id);
    if (t) return t.action;
    return getAction(this.pool(), id);
  }

  // ---- dialling ---------------------------------------------------------------

  async dial(req: DialRequest): Promise<DialOutcome> {
    const started = performance.now();
    const shown = typeof req.number === 'string' ? req.number.slice(0, 40) : String(typeof req.number);
    const refuse = (code: DialRefusal, message: string): never => {
      this.auditDial(req, `outbound dial ${JSON.stringify(shown)}`, false, `${code}: ${message}`, started);
      throw new DialRefusedError(code, message);
    };
    try {
      return await this.dialChecked(req, refuse, started);
    } catch (err) {
      if (err instanceof DialRefusedError) throw err;
      // The database or Redis (rate limit) failed mid-request: report it, audited like any refusal.
      this.log.warn({ err: (err as Error).message, agent: req.agent }, 'outbound dial failed');
      return refuse('OUTBOUND_UNAVAILABLE', 'the gateway could not reach its database or Redis; nothing was dialled');
    }
  }

  private async dialChecked(req: DialRequest, refuse: (code: DialRefusal, message: string) => never, started: number): Promise<DialOutcome> {
    const { view, config } = this.deps;
    const agent = view.agents.get(req.agent);
    if (!agent) return refuse('AGENT_NOT_FOUND', `agent ${req.agent} is not on the switch`);
    const decision = checkNumber(config.policy, req.role, req.number);
    if (!decision.ok) return refuse(decision.code, decision.reason);
    const number = decision.number;
    if (req.idempotencyKey !== undefined && !KEY.test(req.idempotencyKey)) return refuse('IDEMPOTENCY_CONFLICT', 'idempotencyKey must be 8-64 letters, digits, _ or -');
    const pool = this.deps.pool();
    if (!pool) return refuse('OUTBOUND_UNAVAILABLE', 'the outbound actions database is not available; nothing was dialled');
    const key = req.idempotencyKey ?? randomUUID();
    if (req.idempotencyKey !== undefined) {
      const again = await this.byKey(pool, req.agent, key);
      if (again) {
        if (again.number !== number) return refuse('IDEMPOTENCY_CONFLICT', 'this idempotency key was used for another number');
        this.auditDial(req, `outbound dial ${number}`, true, `replayed: action ${again.id} (${again.state})`, started);
        return { action: this.open.get(again.id)?.action ?? again, created: false };
      }
    }
    const limit = await this.deps.limiter.take(req.agent);
    if (!limit.ok) return refuse('DIAL_RATE_LIMITED', `too many dials this ${limit.window}; retry in ${limit.retryAfterS} s`);
    if (AGENT_ON_QUEUE_CALL.has(agent.state)) return refuse('AGENT_BUSY', `the agent is ${agent.state.toLowerCase()}`);
    if (!this.usableContact(agent.contact)) return refuse('NO_CONTACT', 'the agent has no phone contact the gateway can dial');
    const cid = this.callerIdFor(req.agent);
    if (!cid) return refuse('NO_CALLER_ID', 'no caller ID is configured for this agent or its queues (OUTBOUND_CALLER_ID / OUTBOUND_CALLER_IDS)');
    if (!this.deps.client.ready) return refuse('SWITCH_DOWN', 'FreeSWITCH is not reachable; nothing was dialled');
    const id = randomUUID();
    const inserted = await insertAction(pool, {
      id,
      agent: req.agent,
      idempotencyKey: key,
      number,
      callerIdNumber: cid.callerId.number,
      callerIdName: cid.callerId.name,
      queue: cid.queue,
      requestedBy: `${req.actor.source}:${req.actor.id}`,
      role: req.role,
      agentLegUuid: randomUUID(),
      customerLegUuid: randomUUID(),
    });
    if (inserted.kind === 'busy') return refuse('AGENT_BUSY', inserted.open ? `the agent has an outbound call in progress (action ${inserted.open.id}, ${inserted.open.state})` : 'the agent has an outbound call in progress');
    if (inserted.kind === 'existing') {
      if (inserted.action.number !== number) return refuse('IDEMPOTENCY_CONFLICT', 'this idempotency key was used for another number');
      return { action: this.open.get(inserted.action.id)?.action ?? inserted.action, created: false };
    }
    this.auditDial(req, `outbound dial ${number}`, true, `accepted: action ${id} caller ID ${cid.callerId.number}`, started);
    const t = this.track(inserted.action);
    this.emit('state', t.action);
    // The claim (new → sent) is awaited: the caller's ack says the dial is on its way.
    await this.send(t, req.actor);
    return { action: t.action, created: true };
  }

  private async byKey(pool: pg.Pool, agent: string, key: string): Promise<OutboundAction | null> {
    const res = await pool.query<{ id: string }>('SELECT id FROM outbound_actions WHERE agent = $1 AND idempotency_key = $2', [agent, key]);
    const id = res.rows[0]?.id;
    return id ? getAction(pool, id) : null;
  }

  private usableContact(contact: string): boolean {
    try {
      g.contact(contact);
      return true;
    } catch {
      return false;
    }
  }

  /** The agent's own caller ID, else that of its first queue (by tier level, then position) that has one, else the default. */
  private callerIdFor(agent: string): { callerId: CallerId; queue: string } | null {
    const { callerIds, defaultCallerId } = this.deps.config;
    const own = callerIds.get(agent);
    if (own) return { callerId: own, queue: '' };
    const tiers = [...this.deps.view.tiers.values()].filter((t) => t.agent === agent).sort((a, b) => a.level - b.level || a.position - b.position);
    for (const t of tiers) {
      const c = callerIds.get(t.queue);
      if (c) return { callerId: c, queue: t.queue };
    }
    return defaultCallerId ? { callerId: defaultCallerId, queue: '' } : null;
  }

  private auditDial(req: DialRequest, command: string, ok: boolean, reply: string, started: number): void {
    this.deps.audit({ at: Date.now(), actor: req.actor.agent === req.agent ? req.actor : { ...req.actor, agent: req.agent }, command, ok, reply, latencyMs: performance.now() - started });
  }

  private track(a: OutboundAction): Tracked {
    let t = this.open.get(a.id);
    if (!t) {
      t = { action: a, chain: Promise.resolve() };
      this.open.set(a.id, t);
    }
    return t;
  }

  /**
   * Claims the action (`new` → `sent`: only one instance, once) and sends its
   * originate in the background. A failed originate (-ERR) fails the action
   * with the switch's cause; a lost link leaves it to the next reconcile (the
   * switch may have started the call).
   */
  private async send(t: Tracked, actor: Actor): Promise<void> {
    const pool = this.pool();
    const claimed = await moveAction(pool, t.action.id, { to: 'sent', at: Date.now() });
    if (!claimed) return;
    this.advance(t, claimed);
    const a = claimed;
    const agent = this.deps.view.agents.get(a.agent);
    let command: string;
    try {
      command = originateCommand({
        actionId: a.id,
        agent: a.agent,
        contact: agent?.contact ?? '',
        agentLegUuid: a.agentLegUuid,
        customerLegUuid: a.customerLegUuid,
        number: a.number,
        callerId: { number: a.callerIdNumber, name: a.callerIdName },
        route: this.deps.config.route,
        agentRingS: this.deps.config.agentRingS,
      });
    } catch (err) {
      this.apply(t, { to: 'failed', cause: err instanceof g.GrammarError && err.field === 'contact' ? 'NO_CONTACT' : 'BAD_REQUEST', at: Date.now() });
      return;
    }
    const started = performance.now();
    const record = (ok: boolean, reply: string) =>
      this.deps.audit({ at: Date.now(), actor: actor.agent === a.agent ? actor : { ...actor, agent: a.agent }, command, ok, reply: `${reply} (action ${a.id})`, latencyMs: performance.now() - started });
    // The job ends when the agent answers (+OK <uuid>) or the agent's leg fails (-ERR <cause>).
    this.deps.client.bgapi(command, { timeoutMs: (this.deps.config.agentRingS + 30) * 1000 }).then(
      (body) => record(true, body.trim()),
      (err: Error) => {
        if (err instanceof EslCommandError) {
          record(false, err.reply);
          const cause = err.reply.replace(/^-(ERR|USAGE):?\s*/, '').trim().split(/\s+/)[0] || 'ORIGINATE_FAILED';
          this.apply(t, { to: 'failed', cause, at: Date.now() });
        } else {
          record(false, err.message);
          this.log.warn({ action: a.id, err: err.message }, 'originate outcome unknown (link lost or timed out); the next reconcile decides');
          this.scheduleRecheck(5000);
        }
      },
    );
  }

  // ---- lifecycle --------------------------------------------------------------

  private onEvent(e: EslEvent): void {
    if (!e.name.startsWith('CHANNEL_')) return;
    const id = actionIdOf(e);
    if (!id) return;
    if (this.finished.has(id)) return;
    const t = this.open.get(id);
    if (t) {
      const move = moveFor(t.action, e);
      if (move) this.apply(t, move);
      return;
    }
    // Started by another gateway instance (or before this one loaded it): read it, then apply.
    const pool = this.deps.pool();
    if (!pool) return;
    getAction(pool, id).then(
      (a) => {
        if (!a || isFinal(a.state) || this.finished.has(id)) return;
        const tracked = this.open.get(id) ?? this.track(a);
        const move = moveFor(tracked.action, e);
        if (move) this.apply(tracked, move);
      },
      (err: Error) => this.log.warn({ action: id, err: err.message }, 'could not read an outbound action for its event'),
    );
  }

  /**
   * Moves the action forward as the switch reported it: at once in memory
   * (and pushed), then in the database in this action's order. The instance
   * whose final write wins writes the call record.
   */
  private apply(t: Tracked, move: Move): void {
    if (!statesBefore(move.to).includes(t.action.state)) return;
    const a = t.action;
    const next: OutboundAction = {
      ...a,
      state: move.to,
      cause: move.cause ?? a.cause,
      updatedAt: Date.now(),
      agentAnsweredAt: move.to === 'agent-answered' || move.to === 'bridged' ? (a.agentAnsweredAt ?? move.at) : a.agentAnsweredAt,
      bridgedAt: move.to === 'bridged' ? move.at : a.bridgedAt,
      endedAt: isFinal(move.to) ? move.at : a.endedAt,
    };
    t.action = next;
    this.emit('state', next);
    if (isFinal(move.to)) {
      this.open.delete(a.id);
      this.finished.add(a.id);
      if (this.finished.size > 1000) this.finished.delete(this.finished.values().next().value ?? '');
    }
    const write = t.chain.then(() => this.persist(t, move));
    t.chain = write;
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  private async persist(t: Tracked, move: Move): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const pool = this.pool();
        const row = await moveAction(pool, t.action.id, move);
        if (row && isFinal(row.state)) await writeOutboundRecord(pool, row);
        return;
      } catch (err) {
        if (attempt >= RETRIES || this.closed) {
          this.log.warn({ action: t.action.id, to: move.to, err: (err as Error).message }, 'outbound action state not stored; the next reconcile repairs it');
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  /** The database row is authoritative for what this instance did not see (a claim by this instance). */
  private advance(t: Tracked, row: OutboundAction): void {
    t.action = row;
    this.emit('state', row);
  }

  // ---- restart and reconnect --------------------------------------------------

  private scheduleRecheck(ms: number): void {
    if (this.recheck || this.closed) return;
    this.recheck = setTimeout(() => {
      this.recheck = null;
      if (this.deps.client.ready) void this.resume();
    }, ms);
    this.recheck.unref();
  }

  /**
   * Sends the actions left `new` and checks the others against `show
   * channels`: a leg still up keeps (or advances) its action, both legs gone
   * end it (`LOST`: its end was not seen). An action sent under 3 s ago is
   * left to its events and checked again a little later.
   */
  async resume(): Promise<void> {
    if (this.closed) return;
    const pool = this.deps.pool();
    if (!pool) return;
    try {
      for (const a of await unrecordedActions(pool)) await writeOutboundRecord(pool, a);
      const actions = await openActions(pool);
      if (actions.length === 0) return;
      const fresh = actions.filter((a) => a.state === 'new');
      const sent = actions.filter((a) => a.state !== 'new');
      let channels: Map<string, ListedChannel> | null = null;
      if (sent.length > 0) {
        const body = await this.deps.client.api('show channels as json');
        channels = new Map(parseShowChannels(body).map((c) => [c.uuid, c]));
      }
      const now = Date.now();
      for (const a of sent) {
        if (a.sentAt !== null && now - a.sentAt < 3000) {
          this.track(a);
          this.scheduleRecheck(3000);
          continue;
        }
        const t = this.track(a);
        const move = reconciledMove(t.action, channels ?? new Map(), now);
        if (move) this.apply(t, move);
      }
      for (const a of fresh) await this.send(this.track(a), { source: 'auto', id: 'outbound-resume', agent: a.agent });
      this.log.info({ sent: fresh.length, checked: sent.length }, 'outbound actions resumed');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'outbound actions could not be resumed; retrying');
      this.scheduleRecheck(5000);
    }
  }
}
