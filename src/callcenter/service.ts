import { EventEmitter } from 'node:events';
import type { LinkState } from '../esl/client.js';
import type { EslLink } from '../esl/link.js';
import { EslCommandError } from '../esl/errors.js';
import type { Logger } from '../log.js';
import * as cmd from './commands.js';
import { decodeCallcenterEvent, isCallcenterEvent, type CallcenterEvent } from './events.js';
import { asCallcenterError, CallcenterError, expectOk, parseList, parseTable, parseValue } from './replies.js';
import { agentsFromTable, memberFromRow, newAgent, queueFromRow, tierFromRow, type AgentView, type MemberView, type QueueView, type StateView, type TierView } from './state.js';
import { ReadWindows, type ReadWindow } from './read-window.js';
import { uuidBroadcast } from './broadcast.js';
import type { AgentState, AgentStatus, AgentType, TierState } from './vocabulary.js';

/** Who asked for a command: recorded with it in the audit trail. */
export interface Actor {
  readonly source: 'rest' | 'agent-desk' | 'auto' | 'resync' | 'demo' | 'supervisor';
  readonly id: string;
  /** The agent the command is about, when there is one (audit filter). */
  readonly agent?: string;
}

/** The actor as recorded for a command about `agent`: the domain names the agent, callers need not. */
function about(actor: Actor, agent: string): Actor {
  return actor.agent === agent ? actor : { ...actor, agent };
}

/** The ESL event being applied: what a push made now is caused by (for the latency histograms). */
export interface EventCause {
  /** performance.now() when its frame was read off the socket. */
  readonly readAt: number;
  /** Its Event-Date-Timestamp, µs since the epoch (0 when absent). */
  readonly timestampUs: number;
  /** The switch's identity of the event (Core-UUID/Event-Sequence): the same on every gateway instance that reads it. */
  readonly id?: string;
}

export interface CommandRecord {
  readonly at: number;
  readonly actor: Actor;
  readonly command: string;
  readonly ok: boolean;
  readonly reply: string;
  readonly latencyMs: number;
}

export interface CallCenterEvents {
  /** A decoded callcenter event, after the view has applied it. */
  event: [event: CallcenterEvent];
  resynced: [];
  ready: [];
  down: [error: Error];
  command: [record: CommandRecord];
  /** A resync nobody waits for failed (it is logged; the gateway counts it). */
  resyncFailed: [error: Error, trigger: ResyncTrigger];
}

/** Why a resync ran on its own: after a connect, for an unknown agent or queue, or the periodic one. */
export type ResyncTrigger = 'connect' | 'unknown' | 'periodic';

export interface NewAgent {
  readonly name: string;
  readonly contact: string;
  readonly type?: AgentType;
  readonly status?: AgentStatus;
  readonly maxNoAnswer?: number;
  readonly wrapUpTime?: number;
  readonly rejectDelayTime?: number;
  readonly busyDelayTime?: number;
  readonly noAnswerDelayTime?: number;
}

export type AgentPatch = Partial<Omit<NewAgent, 'name'>>;

/** Thrown when a multi-step change failed half-way and could not be rolled back. */
export class PartialChangeError extends Error {
  override readonly name = 'PartialChangeError';
  constructor(
    message: string,
    override readonly cause: unknown,
    readonly applied: readonly string[],
  ) {
    super(message);
  }
}

const NUMERIC_FIELDS = [
  ['maxNoAnswer', 'max_no_answer'],
  ['wrapUpTime', 'wrap_up_time'],
  ['rejectDelayTime', 'reject_delay_time'],
  ['busyDelayTime', 'busy_delay_time'],
  ['noAnswerDelayTime', 'no_answer_delay_time'],
] as const;

/** One command of a multi-step change, and what the view learns when the switch says +OK. */
interface Step {
  readonly command: string;
  readonly view?: Partial<AgentView>;
}

export interface CallCenterOptions {
  readonly logger: Logger;
  /** Periodic full resync, the safety net for changes that fire no event (ms; 0 = off). */
  readonly resyncIntervalMs?: number;
  /**
   * A second connection for the bulk reads (the resync's lists, agent and tier lists):
   * a list of thousands of rows then never holds a desk's status change or the event
   * stream behind it. While it is down the lists go over the main link.
   */
  readonly bulk?: EslLink;
}

/**
 * The mod_callcenter domain over one ESL link: typed commands (validated,
 * built, sent, replies parsed and mapped to CallcenterError), the event stream
 * decoded into the StateView, and resync after every (re)connect.
 */
export class CallCenter extends EventEmitter<CallCenterEvents> {
  private resyncRunning: Promise<void> | null = null;
  private resyncAgain = false;
  private resyncTimer: NodeJS.Timeout | null = null;
  private unknownTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly log: Logger;
  private readonly windows: ReadWindows;
  private applying: EventCause | null = null;

  constructor(
    private readonly client: EslLink,
    private readonly view: StateView,
    private readonly opts: CallCenterOptions,
  ) {
    super();
    this.log = opts.logger;
    this.windows = new ReadWindows(view);
    client.on('event', (e, readAt) => {
      if (!isCallcenterEvent(e)) return;
      const event = decodeCallcenterEvent(e);
      if (event.action === 'unknown') this.log.warn({ action: event.rawAction }, 'unknown CC-Action passed through');
      const core = e.headers.get('Core-UUID');
      const sequence = e.headers.get('Event-Sequence');
      this.applying = { readAt, timestampUs: event.timestampUs, ...(core && sequence ? { id: `${core}/${sequence}` } : {}) };
      try {
        this.view.apply(event);
        this.emit('event', event);
      } finally {
        this.applying = null;
      }
    });
    client.on('ready', () => this.resyncAfterConnect(0));
    client.on('down', (err) => this.emit('down', err));
    view.on('unknown', (what) => {
      this.log.info({ what }, 'event about something unlisted; resyncing');
      if (this.unknownTimer || this.closed) return;
      this.unknownTimer = setTimeout(() => {
        this.unknownTimer = null;
        this.resyncInBackground('unknown');
      }, 200);
    });
    const every = opts.resyncIntervalMs ?? 30_000;
    if (every > 0) {
      this.resyncTimer = setInterval(() => {
        this.view.pruneAbandoned();
        if (this.client.ready) this.resyncInBackground('periodic');
      }, every);
      this.resyncTimer.unref();
    }
  }

  /**
   * The view is only announced ready once a resync after the connect succeeded;
   * a failed one (a slow switch) is retried while the link stays up.
   */
  private resyncAfterConnect(attempt: number): void {
    this.resync().then(
      () => this.emit('ready'),
      (err: Error) => {
        this.emit('resyncFailed', err, 'connect');
        if (!this.client.ready) return; // the next connect starts over
        const delay = Math.min(5000, 250 * 2 ** attempt);
        this.log.warn({ err: err.message, retryInMs: delay }, 'resync after connect failed');
        const t = setTimeout(() => {
          if (this.client.ready) this.resyncAfterConnect(attempt + 1);
        }, delay);
        t.unref();
      },
    );
  }

  /** A resync nobody awaits: its failure is logged and reported, never lost. */
  private resyncInBackground(trigger: ResyncTrigger): void {
    this.resync().catch((err: Error) => {
      this.log.warn({ err: err.message, trigger }, 'resync failed; the view may be stale until the next one');
      this.emit('resyncFailed', err, trigger);
    });
  }

  close(): void {
    this.closed = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.unknownTimer) clearTimeout(this.unknownTimer);
  }

  get ready(): boolean {
    return this.client.ready;
  }

  /** The ESL link's state, for health checks. */
  linkState(): LinkState {
    return this.client.linkState();
  }

  /** The event being applied right now (view changes and 'event' listeners run inside it), else null. */
  get cause(): EventCause | null {
    return this.applying;
  }

  /**
   * Sends one callcenter command and records it. Replies `-ERR …` become
   * CallcenterError; link errors (EslLinkDownError, EslTimeoutError) pass through.
   */
  private async run(command: string, actor: Actor, onReply?: (body: string) => void): Promise<string> {
    return this.runOn(this.client, command, actor, onReply);
  }

  private async runOn(client: EslLink, command: string, actor: Actor, onReply?: (body: string) => void): Promise<string> {
    const started = performance.now();
    try {
      const body = await client.api(command, onReply ? { onReply } : {});
      this.record(actor, command, true, body, started);
      return body;
    } catch (err) {
      const reply = err instanceof EslCommandError ? err.reply : (err as Error).message;
      this.record(actor, command, false, reply, started);
      throw asCallcenterError(err);
    }
  }

  /**
   * A bulk read: sent on the bulk connection when it is up, applied through a
   * ReadWindow so that what the view learnt while it was in flight is kept.
   */
  private async read(command: string, actor: Actor, apply: (body: string, w: ReadWindow) => void): Promise<string> {
    const bulk = this.opts.bulk;
    const client = bulk?.ready ? bulk : this.client;
    const w = this.windows.begin();
    try {
      return await this.runOn(client, command, actor, (body) => this.windows.apply(w, () => apply(body, w)));
    } finally {
      this.windows.end(w);
    }
  }

  private record(actor: Actor, command: string, ok: boolean, reply: string, started: number): void {
    if (this.listenerCount('command') === 0) return;
    this.emit('command', { at: Date.now(), actor, command, ok, reply: reply.length > 500 ? reply.slice(0, 500) + '…' : reply, latencyMs: performance.now() - started });
  }

  private async runOk(command: string, actor: Actor, after?: () => void): Promise<void> {
    await this.run(command, actor, (body) => {
      expectOk(body);
      after?.();
    });
  }

  // ---- agents ---------------------------------------------------------------

  /**
   * The commands for a set of agent settings, each with what the view learns
   * from its +OK (settings other than contact and status fire no event). All
   * are built before anything is sent, so a grammar error stops the request whole.
   */
  private settingSteps(name: string, s: AgentPatch): Step[] {
    const steps: Step[] = [];
    if (s.type !== undefined) steps.push({ command: cmd.agentSetType(name, s.type), view: { type: s.type } });
    if (s.contact !== undefined) steps.push({ command: cmd.agentSetContact(name, s.contact) });
    for (const [field, key] of NUMERIC_FIELDS) {
      const v = s[field];
      if (v !== undefined) steps.push({ command: cmd.agentSetNumber(name, key, v), view: { [field]: v } });
    }
    if (s.status !== undefined) steps.push({ command: cmd.agentSetStatus(name, s.status) });
    return steps;
  }

  private async runStep(name: string, step: Step, actor: Actor): Promise<void> {
    await this.runOk(step.command, actor, () => {
      const current = this.view.agents.get(name);
      if (step.view && current) this.view.putAgent({ ...current, ...step.view });
    });
  }

  /** Adds an agent with all its settings, or nothing: a failure after `agent add` deletes it again. */
  async createAgent(a: NewAgent, actor: Actor): Promise<void> {
    actor = about(actor, a.name);
    const { name, type, ...settings } = a;
    const steps = this.settingSteps(name, settings);
    const add = cmd.agentAdd(name, type ?? 'callback');
    // The agent-add event may trail the replies: the view gets the agent from the +OK.
    await this.runOk(add, actor, () => {
      if (!this.view.agents.has(name)) this.view.putAgent(newAgent(name, type ?? 'callback'));
    });
    const applied = [add];
    try {
      for (const step of steps) {
        await this.runStep(name, step, actor);
        applied.push(step.command);
      }
    } catch (err) {
      try {
        await this.runOk(cmd.agentDel(a.name), actor, () => this.view.removeAgent(a.name));
      } catch (rollbackErr) {
        throw new PartialChangeError(`agent ${a.name} was created but not fully configured, and could not be removed`, err, applied);
      }
      throw err;
    }
  }

  /** Applies each given setting in turn; on failure reports which were applied. */
  async updateAgent(name: string, patch: AgentPatch, actor: Actor): Promise<void> {
    actor = about(actor, name);
    const steps = this.settingSteps(name, patch);
    const applied: string[] = [];
    for (const step of steps) {
      try {
        await this.runStep(name, step, actor);
      } catch (err) {
        if (applied.length === 0) throw err;
        throw new PartialChangeError(`agent ${name}: ${applied.length} of ${steps.length} changes applied before a failure`, err, applied);
      }
      applied.push(step.command);
    }
  }

  async deleteAgent(name: string, actor: Actor): Promise<void> {
    actor = about(actor, name);
    const c = cmd.agentDel(name);
    if (!this.view.agents.has(name)) {
      // `agent del` of an unknown agent answers +OK on the real switch: check first.
      await this.getAgentStatus(name, actor);
    }
    await this.runOk(c, actor, () => this.view.removeAgent(name));
  }

  async setAgentStatus(name: string, status: AgentStatus, actor: Actor): Promise<void> {
    actor = about(actor, name);
    await this.runOk(cmd.agentSetStatus(name, status), actor);
  }

  /**
   * `agent set state`: a state is the switch's own bookkeeping; the gateway sets one only to free an
   * agent whose call died with its switch (src/switches/orphans.ts). Fires agent-state-change.
   */
  async setAgentState(name: string, state: AgentState, actor: Actor): Promise<void> {
    actor = about(actor, name);
    await this.runOk(cmd.agentSetState(name, state), actor);
  }

  async setAgentContact(name: string, contact: string, actor: Actor): Promise<void> {
    actor = about(actor, name);
    await this.runOk(cmd.agentSetContact(name, contact), actor);
  }

  /** Plays a sound to one leg of a call (uuid_broadcast; broadcast.ts says what its reply does not tell). */
  async broadcast(uuid: string, path: string, leg: 'aleg' | 'bleg' | 'both', actor: Actor): Promise<void> {
    await this.run(uuidBroadcast(uuid, path, leg), actor, (body) => {
      if (!body.startsWith('+OK')) throw new CallcenterError('BAD_REPLY', body.slice(0, 200));
    });
  }

  async getAgentStatus(name: string, actor: Actor): Promise<string> {
    actor = about(actor, name);
    return parseValue(await this.run(cmd.agentGetStatus(name), actor));
  }

  /** Lists agents from the switch (live counters) and refreshes the view with them. */
  async listAgents(actor: Actor): Promise<AgentView[]> {
    let agents: AgentView[] = [];
    await this.read(cmd.agentList(), actor, (body, w) => {
      // What changed while the list was in flight is newer than the list: the caller gets what the view keeps.
      agents = this.windows.agents(w, agentsFromTable(parseTable(body)));
      this.view.replaceAgents(agents);
    });
    return agents;
  }

  async getAgent(name: string, actor: Actor): Promise<AgentView> {
    actor = about(actor, name);
    let agent: AgentView | undefined;
    await this.run(cmd.agentList(name), actor, (body) => {
      agent = agentsFromTable(parseTable(body)).find((a) => a.name === name);
      if (agent) this.view.putAgent(agent);
      else this.view.removeAgent(name);
    });
    if (!agent) throw new CallcenterError('AGENT_NOT_FOUND', '-ERR Agent not found!');
    return agent;
  }

  // ---- tiers ----------------------------------------------------------------

  async addTier(queue: string, agent: string, level: number, position: number, actor: Actor): Promise<void> {
    actor = about(actor, agent);
    const c = cmd.tierAdd(queue, agent, level, position);
    if (!this.view.agents.has(agent)) await this.getAgent(agent, actor);
    await this.runOk(c, actor, () => this.view.putTier({ queue, agent, state: 'Ready', level, position }));
  }

  async updateTier(queue: string, agent: string, patch: { level?: number; position?: number; state?: TierState }, actor: Actor): Promise<void> {
    actor = about(actor, agent);
    const steps: Array<[string, () => void]> = [];
    const current = () => this.view.getTier(queue, agent);
    const put = (p: Partial<{ level: number; position: number; state: string }>) => () => {
      const t = current();
      if (t) this.view.putTier({ ...t, ...p });
    };
    if (patch.level !== undefined) steps.push([cmd.tierSetLevel(queue, agent, patch.level), put({ level: patch.level })]);
    if (patch.position !== undefined) steps.push([cmd.tierSetPosition(queue, agent, patch.position), put({ position: patch.position })]);
    if (patch.state !== undefined) steps.push([cmd.tierSetState(queue, agent, patch.state), put({ state: patch.state })]);
    if (!current()) await this.listTiers(actor);
    if (!current()) throw new CallcenterError('TIER_NOT_FOUND', '-ERR Tier not found!');
    for (const [c, after] of steps) await this.runOk(c, actor, after);
  }

  async deleteTier(queue: string, agent: string, actor: Actor): Promise<void> {
    actor = about(actor, agent);
    const c = cmd.tierDel(queue, agent);
    if (!this.view.getTier(queue, agent)) await this.listTiers(actor);
    if (!this.view.getTier(queue, agent)) throw new CallcenterError('TIER_NOT_FOUND', '-ERR Tier not found!');
    await this.runOk(c, actor, () => this.view.removeTier(queue, agent));
  }

  /** Lists tiers from the switch and refreshes the view: tier changes made elsewhere (fs_cli) fire no event. */
  async listTiers(actor: Actor): Promise<TierView[]> {
    let tiers: TierView[] = [];
    await this.read(cmd.tierList(), actor, (body, w) => {
      tiers = this.windows.tiers(w, parseList(body).rows.map(tierFromRow));
      this.view.replaceTiers(tiers);
    });
    return tiers;
  }

  // ---- queues ---------------------------------------------------------------

  /** Lists queues from the switch (configuration and counters) and refreshes the view with them. */
  async listQueues(actor: Actor): Promise<QueueView[]> {
    let queues: QueueView[] = [];
    // A bulk read like the resync's: on the bulk connection, keeping what changed while it was in flight.
    await this.read(cmd.queueList(), actor, (body, w) => {
      queues = this.windows.queues(w, this.readable(parseList(body), 'queue list').rows.map(queueFromRow));
      this.view.replaceQueues(queues);
    });
    return queues;
  }

  /** The callers in a queue, live from the switch (and refreshed in the view). */
  async listMembers(queue: string, actor: Actor): Promise<MemberView[]> {
    const c = cmd.queueListMembers(queue);
    // `queue list members` of an unknown queue answers an empty list: check the queue list.
    if (!this.view.queues.has(queue)) await this.listQueues(actor);
    if (!this.view.queues.has(queue)) throw new CallcenterError('QUEUE_NOT_FOUND', '-ERR Queue not found!');
    let members: MemberView[] = [];
    await this.read(c, actor, (body, w) => {
      members = this.windows.members(w, queue, this.readable(parseList(body), 'queue list members').rows.map(memberFromRow));
      this.view.replaceMembers(queue, members);
    });
    return members;
  }

  /** `queue reload`: the switch drops the queue and reads it again from its XML (files, or mod_xml_curl). Returns the switch's reply. */
  async reloadQueue(queue: string, actor: Actor): Promise<string> {
    const reply = await this.runQueueCommand(cmd.queueReload(queue), actor);
    await this.resync();
    return reply;
  }

  /** `queue load`: the switch reads the queue from its XML (mod_xml_curl first, then its files). Returns the switch's reply. */
  async loadQueue(queue: string, actor: Actor): Promise<string> {
    const reply = await this.runQueueCommand(cmd.queueLoad(queue), actor);
    await this.resync();
    return reply;
  }

  /** `queue unload`: the switch forgets the queue (its callers and tiers stay in its tables). Returns the switch's reply. */
  async unloadQueue(queue: string, actor: Actor): Promise<string> {
    const reply = await this.runQueueCommand(cmd.queueUnload(queue), actor);
    await this.resync();
    return reply;
  }

  private async runQueueCommand(command: string, actor: Actor): Promise<string> {
    let reply = '';
    await this.run(command, actor, (body) => {
      expectOk(body);
      reply = body.trim();
    });
    return reply;
  }

  // ---- resync ---------------------------------------------------------------

  /**
   * Replaces the view with what the switch lists. Concurrent calls share one
   * run; a call made while a run is going causes exactly one more run.
   */
  resync(): Promise<void> {
    if (this.resyncRunning) {
      this.resyncAgain = true;
      return this.resyncRunning;
    }
    const run = async (): Promise<void> => {
      do {
        this.resyncAgain = false;
        await this.resyncOnce();
      } while (this.resyncAgain);
    };
    this.resyncRunning = run().finally(() => {
      this.resyncRunning = null;
    });
    return this.resyncRunning;
  }

  /** Rows of a list, with a warning for rows that could not be read (they are left out of the view). */
  private readable<T extends { malformed: number }>(parsed: T, what: string): T {
    if (parsed.malformed > 0) this.log.warn({ what, rows: parsed.malformed }, 'unreadable rows in a list from the switch were skipped');
    return parsed;
  }

  private async resyncOnce(): Promise<void> {
    const actor: Actor = { source: 'resync', id: 'gateway' };
    const started = performance.now();
    // Each table is replaced in the reply callback, keeping what changed while it was in flight (ReadWindows).
    let queueNames: string[] = [];
    const ww = this.windows;
    await Promise.all([
      this.read(cmd.queueList(), actor, (body, w) => {
        const queues = this.readable(parseList(body), 'queue list').rows.map(queueFromRow);
        queueNames = queues.map((q) => q.name);
        this.view.replaceQueues(ww.queues(w, queues));
      }),
      this.read(cmd.agentList(), actor, (body, w) => this.view.replaceAgents(ww.agents(w, agentsFromTable(this.readable(parseTable(body), 'agent list'))))),
      this.read(cmd.tierList(), actor, (body, w) => this.view.replaceTiers(ww.tiers(w, this.readable(parseList(body), 'tier list').rows.map(tierFromRow)))),
    ]);
    await Promise.all(
      queueNames.map((q) =>
        this.read(cmd.queueListMembers(q), actor, (body, w) => this.view.replaceMembers(q, ww.members(w, q, this.readable(parseList(body), 'queue list members').rows.map(memberFromRow)))),
      ),
    );
    this.log.debug({ ms: Math.round(performance.now() - started), agents: this.view.agents.size, tiers: this.view.tiers.size }, 'resynced');
    this.emit('resynced');
  }
}
