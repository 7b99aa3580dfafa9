import { hostname as osHostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { SwitchCore } from './core.js';
import { CallCenter } from './callcenter.js';
import { CallCenterApi } from './callcenter-api.js';
import { Routing, type AnswerMode, type CallerIds, type CallerSpec, type DialplanExtension } from './routing.js';
import { ClickToDial } from './click-to-dial.js';
import { Legs } from './legs.js';
import { ApiCommands } from './api.js';
import { EslServer } from './esl-server.js';
import { Eavesdrops, type EavesdropView } from './eavesdrop.js';
import type { FsEvent } from './fs-event.js';
import { fetchQueue, type QueueLookup, type XmlCurlBinding } from './xml-curl.js';
import { FIXTURE_QUEUE, type CallcenterDatabase, type Agent, type Member, type ModelSnapshot, type Queue, type QueueConfig, type Tier } from './switch-model.js';

/** An agent present at start, as callcenter.conf or an earlier run would leave it. */
export interface InitialAgent {
  readonly name: string;
  readonly type?: string;
  readonly contact?: string;
  readonly status?: string;
  readonly state?: string;
  readonly maxNoAnswer?: number;
  readonly wrapUpTime?: number;
  readonly rejectDelayTime?: number;
  readonly busyDelayTime?: number;
  readonly noAnswerDelayTime?: number;
}

export interface InitialTier {
  readonly queue: string;
  readonly agent: string;
  readonly level?: number;
  readonly position?: number;
  readonly state?: string;
}

export interface FreeSwitchDoubleOptions {
  /** 0 (default) picks a free port. The double only ever binds 127.0.0.1. */
  readonly port?: number;
  readonly password?: string;
  /** Default time from agent-offering to the agent's answer (ms). */
  readonly ringMs?: number;
  /** FreeSWITCH-Hostname / -Switchname. */
  readonly hostname?: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** discard-abandoned-after of every queue that does not set its own (seconds; fractions allowed). */
  readonly discardAbandonedAfterS?: number;
  /** callcenter.conf queues; default: the fixture's support@default. */
  readonly queues?: readonly QueueConfig[];
  /** Loopback extensions that run `callcenter`; default 7000 -> support@default. */
  readonly dialplan?: Readonly<Record<string, DialplanExtension>>;
  /** How long mod_callcenter waits for a loopback agent to bridge (default 5000 ms). */
  readonly noBridgeGiveUpMs?: number;
  /** agent-originate-timeout (seconds), the ring limit when the contact sets none. Default 60. */
  readonly agentOriginateTimeoutS?: number;
  /** The phone a `loopback/<ext>` agent contact ends up bridged to; default `null/agent-phone-<ext>`. */
  readonly loopbackTarget?: (ext: string) => string;
  readonly initial?: { readonly agents?: readonly InitialAgent[]; readonly tiers?: readonly InitialTier[] };
  /** What a list row costs the switch, in µs (default: as measured on the real switch; see esl-server.ts). */
  readonly listRowCostUs?: number;
  /** mod_xml_curl's binding for the configuration section (absent: the files only). See xml-curl.ts. */
  readonly xmlCurl?: XmlCurlBinding;
  /**
   * Agents and tiers in a database shared with other doubles (mod_pgsql): one box of several.
   * `initial` agents and tiers are written into it (give them to one double only).
   */
  readonly database?: CallcenterDatabase;
  /** cc-instance-id: the `instance_id` of this box's member rows (default `single_box`). */
  readonly instanceId?: string;
}

export type AgentView = Readonly<Omit<Agent, 'rowid' | 'lastBridgeEndMs'>>;
export type TierView = Readonly<Omit<Tier, 'rowid'>>;
export type MemberView = Readonly<Omit<Member, 'rowid'>>;
export type QueueView = Readonly<Queue>;

interface Resolved {
  port: number;
  password: string;
  ringMs: number;
  hostname: string;
  ipv4: string;
  ipv6: string;
  queues: QueueConfig[];
  dialplan: Readonly<Record<string, DialplanExtension>>;
  noBridgeGiveUpMs: number;
  agentOriginateTimeoutS: number;
  loopbackTarget: (ext: string) => string;
  listRowCostUs: number | undefined;
  xmlCurl: XmlCurlBinding | null;
  database: CallcenterDatabase | undefined;
  instanceId: string;
}

/**
 * A FreeSWITCH 1.10 with mod_event_socket and mod_callcenter, for tests and
 * the demo: real TCP, the recorded wire format, and a control API to place
 * callers and steer agents' phones.
 */
export class FreeSwitchDouble {
  private core!: SwitchCore;
  private cc!: CallCenter;
  private routing!: Routing;
  private commands!: ApiCommands;
  private eavesdrops!: Eavesdrops;
  private readonly esl: EslServer;
  private readonly answerModes = new Map<string, AnswerMode>();
  /** How customers' numbers answer a click-to-dial (default: after ringMs). */
  private readonly customerModes = new Map<string, AnswerMode>();
  private clickToDial: ClickToDial | null = null;
  private running = false;
  /** Stops following the shared database's changes (null: none, or not attached). */
  private detach: (() => void) | null = null;

  private constructor(private readonly o: Resolved) {
    this.build(null);
    this.esl = new EslServer(this.core, this.commands, { host: '127.0.0.1', port: o.port, password: o.password, ...(o.listRowCostUs !== undefined ? { listRowCostUs: o.listRowCostUs } : {}) });
    this.esl.beforeApi = (line) => this.xmlCurlLookup(line);
  }

  static async start(options: FreeSwitchDoubleOptions = {}): Promise<FreeSwitchDouble> {
    const discard = options.discardAbandonedAfterS;
    const queues = options.queues
      ? options.queues.map((q) => ({ ...q, discardAbandonedAfter: q.discardAbandonedAfter ?? discard ?? 60 }))
      : [{ ...FIXTURE_QUEUE, discardAbandonedAfter: discard ?? 60 }];
    const d = new FreeSwitchDouble({
      port: options.port ?? 0,
      password: options.password ?? 'ClueCon',
      ringMs: options.ringMs ?? 100,
      hostname: options.hostname ?? osHostname(),
      ipv4: options.ipv4 ?? '127.0.0.1',
      ipv6: options.ipv6 ?? '::1',
      queues,
      dialplan: options.dialplan ?? { '7000': { queue: queues[0]?.name ?? 'support@default' } },
      noBridgeGiveUpMs: options.noBridgeGiveUpMs ?? 5000,
      agentOriginateTimeoutS: options.agentOriginateTimeoutS ?? 60,
      loopbackTarget: options.loopbackTarget ?? ((ext) => `null/agent-phone-${ext}`),
      listRowCostUs: options.listRowCostUs,
      xmlCurl: options.xmlCurl ?? null,
      database: options.database,
      instanceId: options.instanceId ?? 'single_box',
    });
    d.applyInitial(options.initial);
    await d.esl.listen();
    d.running = true;
    return d;
  }

  /** A fresh switch: new Core-UUID, sequence from 1, optionally carrying the callcenter db over. */
  private build(snapshot: ModelSnapshot | null): void {
    const o = this.o;
    this.core = new SwitchCore({ coreUuid: randomUUID(), hostname: o.hostname, switchname: o.hostname, ipv4: o.ipv4, ipv6: o.ipv6 }, o.queues, undefined, o.database, o.instanceId);
    this.cc = new CallCenter(this.core);
    this.routing = new Routing(this.core, this.cc, {
      ringMs: o.ringMs,
      noBridgeGiveUpMs: o.noBridgeGiveUpMs,
      agentOriginateTimeoutS: o.agentOriginateTimeoutS,
      loopbackTarget: o.loopbackTarget,
      dialplan: o.dialplan,
    });
    for (const [agent, mode] of this.answerModes) this.routing.setAnswerMode(agent, mode);
    const cc = this.cc;
    this.clickToDial = new ClickToDial(this.core, new Legs(this.core), {
      agentMode: (agent) => (agent ? this.answerModes.get(agent) : undefined) ?? { mode: 'answer' },
      customerMode: (number) => this.customerModes.get(number) ?? { mode: 'answer' },
      changed: () => cc.hooks.changed(),
      ringMs: o.ringMs,
    });
    this.eavesdrops = new Eavesdrops(this.core, this.routing.legs);
    const eavesdrops = this.eavesdrops;
    const routingGone = this.core.onChannelGone;
    this.core.onChannelGone = (ch) => {
      routingGone?.(ch);
      eavesdrops.gone(ch);
    };
    this.commands = new ApiCommands(this.core, new CallCenterApi(this.cc, this.core.model, () => this.core.nowS()), this.routing, this.clickToDial, this.eavesdrops);
    if (o.database) this.shareDatabase(o.database);
    if (snapshot) {
      // load_config() after an unclean stop: agents Waiting without uuid, tiers Ready,
      // members Abandoned without session; queues come back with zero counters.
      const model = this.core.model;
      model.restore({ ...snapshot, queues: [...model.queues.values()] });
      // In a shared database: every agent (their rows all say single_box; a real box restarted with
      // cc-instance-id fs1 reset an agent row of single_box) and this box's own members only.
      const own = (instanceId: string) => instanceId === model.instanceId;
      const reset = new Set<string>();
      for (const a of model.agents.values()) {
        if (!own(a.instanceId) && a.instanceId !== 'single_box') continue;
        reset.add(a.name);
        a.state = 'Waiting';
        a.uuid = '';
        a.externalCallsCount = 0;
      }
      for (const t of model.allTiers()) if (reset.has(t.agent)) t.state = 'Ready';
      for (const m of model.members.values()) {
        if (!own(m.instanceId)) continue;
        m.state = 'Abandoned';
        m.sessionUuid = '';
      }
      this.routing.adoptMembers();
    }
  }

  /** This box looks for work when another box changes agents or tiers, and tells them of its own changes. */
  private shareDatabase(db: CallcenterDatabase): void {
    const local = { ...this.cc.hooks };
    const box = { changed: () => local.changed(), wakeAt: (ms: number) => local.wakeAt(ms) };
    this.cc.hooks = {
      ...local,
      changed: () => {
        local.changed();
        db.changedBy(box);
      },
      wakeAt: (ms) => {
        local.wakeAt(ms);
        db.changedBy(box, ms);
      },
    };
    this.detach?.();
    this.detach = db.attach(box);
  }

  private applyInitial(initial: FreeSwitchDoubleOptions['initial']): void {
    const model = this.core.model;
    for (const a of initial?.agents ?? []) {
      const agent = model.addAgent(a.name, a.type ?? 'callback', this.core.nowS());
      agent.contact = a.contact ?? '';
      agent.status = a.status ?? 'Logged Out';
      agent.state = a.state ?? 'Waiting';
      agent.maxNoAnswer = a.maxNoAnswer ?? 0;
      agent.wrapUpTime = a.wrapUpTime ?? 0;
      agent.rejectDelayTime = a.rejectDelayTime ?? 0;
      agent.busyDelayTime = a.busyDelayTime ?? 0;
      agent.noAnswerDelayTime = a.noAnswerDelayTime ?? 0;
      if (a.status) agent.lastStatusChange = this.core.nowS();
    }
    for (const t of initial?.tiers ?? []) model.addTier(t.queue, t.agent, t.state ?? 'Ready', t.level ?? 1, t.position ?? 1);
  }

  /** The ESL port (the same across restarts). */
  get port(): number {
    return this.esl.port;
  }

  /** Every command block received over ESL, in order (the command line plus any header lines). */
  get received(): readonly string[] {
    return this.esl.received;
  }

  clearReceived(): void {
    this.esl.received.length = 0;
  }

  get connectionCount(): number {
    return this.esl.connectionCount;
  }

  get coreUuid(): string {
    return this.core.events.id.coreUuid;
  }

  /** Binds (or with null unbinds) mod_xml_curl for the configuration section, as xml_curl.conf + `reload mod_xml_curl` would. */
  setXmlCurl(binding: XmlCurlBinding | null): void {
    this.o.xmlCurl = binding;
  }

  /** Every mod_xml_curl lookup made, in order: the queue asked for and what came of it. */
  readonly xmlCurlLookups: Array<{ readonly queue: string; readonly outcome: QueueLookup['outcome'] }> = [];

  /**
   * `queue load|reload <name>` asks the binding first (load_queue → switch_xml_open_cfg
   * with CC-Queue): the answer replaces what the double knew from it; anything but a
   * found queue leaves the files (queueConfigs) to decide.
   */
  private xmlCurlLookup(line: string): Promise<void> | null {
    const binding = this.o.xmlCurl;
    const m = /^callcenter_config\s+queue\s+(load|reload|unload)\s+(\S+)/i.exec(line);
    if (!binding || !m) return null;
    const queue = m[2]!;
    const model = this.core.model;
    // The switch keeps no answer: a queue unloaded and later needed again is asked for again.
    // The double's on-demand load (a caller entering) uses the last answer, so unload forgets it.
    if (m[1]!.toLowerCase() === 'unload') {
      model.xmlCurlQueues.delete(queue);
      return null;
    }
    return fetchQueue(binding, queue, { hostname: this.o.hostname, coreUuid: this.coreUuid }).then((r) => {
      this.xmlCurlLookups.push({ queue, outcome: r.outcome });
      if (r.outcome === 'found') model.xmlCurlQueues.set(queue, r.config);
      else model.xmlCurlQueues.delete(queue);
    });
  }

  /** A caller dials the queue extension (like `originate ... loopback/7000/default &park`). */
  injectCaller(spec: CallerSpec): CallerIds {
    return this.routing.injectCaller(spec);
  }

  /** The caller hangs up (uuid of either loopback leg). */
  hangupCaller(uuid: string, cause = 'NORMAL_CLEARING'): boolean {
    return this.routing.hangupCaller(uuid, cause);
  }

  /** The agent hangs up its call, or declines while it rings. */
  hangupAgent(agentName: string, cause = 'NORMAL_CLEARING'): boolean {
    return this.routing.hangupAgent(agentName, cause);
  }

  /** How the agent's phone reacts to offers from now on; null restores the default (answer after ringMs). */
  setAgentAnswer(agentName: string, mode: AnswerMode | null): void {
    if (mode) this.answerModes.set(agentName, mode);
    else this.answerModes.delete(agentName);
    this.routing.setAnswerMode(agentName, mode);
  }

  /** How a customer's number answers a click-to-dial from now on; null restores the default (answer after ringMs). */
  setCustomerAnswer(number: string, mode: AnswerMode | null): void {
    if (mode) this.customerModes.set(number, mode);
    else this.customerModes.delete(number);
  }

  /** The customer's leg of the click-to-dial whose agent leg is `agentLegUuid` (to hang it up as the customer would). */
  clickToDialCustomerLeg(agentLegUuid: string): string | null {
    return this.clickToDial?.customerLegOf(agentLegUuid) ?? null;
  }

  /** An api command as typed in fs_cli; events go to ESL listeners as usual. Returns the raw output. */
  api(command: string): string {
    const r = this.commands.line(command.trim());
    return r.found ? r.output : `-ERR ${r.command} Command not found!\n`;
  }

  /** Every event the switch fires, whatever the ESL subscriptions. */
  onEvent(listener: (event: FsEvent) => void): () => void {
    return this.core.subscribe(listener);
  }

  /** Resolves with the first event matching `predicate` (fired after this call). */
  waitForEvent(predicate: (event: FsEvent) => boolean, timeoutMs = 5000): Promise<FsEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onEvent((e) => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  /**
   * Stops answering: the first command matching `match` (default: any; the
   * command line as received, e.g. `api callcenter_config agent list`) and
   * everything after it on that connection are received (see `received`) but
   * left unanswered until `resume()`, which handles them in order. Events keep
   * flowing. For timeouts (504) and a wedged switch.
   */
  pause(match?: (command: string) => boolean): void {
    this.esl.pause(match);
  }

  /** Answers what was held by `pause()`, in order, and answers normally from now on. */
  resume(): void {
    this.esl.resume();
  }

  /**
   * An `api` command matching `match` is carried out at once (a list reads its rows
   * then) and its reply held, with everything after it on that connection, until
   * releaseReplies(): a snapshot taken now that reaches the gateway late.
   */
  holdReplies(match: (command: string) => boolean): void {
    this.esl.holdReplies(match);
  }

  releaseReplies(): void {
    this.esl.releaseReplies();
  }

  /** Destroys every ESL socket at once, without a disconnect notice (a network failure). */
  dropConnections(): void {
    this.esl.dropConnections();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.routing.stop();
    this.core.timers.clear();
    this.detach?.();
    this.detach = null;
    await this.esl.close();
  }

  /** Stops and starts again on the same port; `keepState` keeps the callcenter db like a real restart. */
  async restart(opts: { keepState?: boolean } = {}): Promise<void> {
    // A box sharing its agents and tiers (mod_pgsql) comes back to that database: load_config() resets them.
    const snapshot = opts.keepState ? this.core.model.snapshot() : this.o.database ? { agents: [], tiers: [], members: [], queues: [] } : null;
    const port = this.esl.port;
    await this.stop();
    this.build(snapshot);
    this.esl.core = this.core;
    this.esl.commands = this.commands;
    await this.esl.listen(port);
    this.running = true;
  }

  // --- read accessors -------------------------------------------------------

  /** uuid_broadcast commands received (the double plays nothing). */
  get broadcasts(): ReadonlyArray<{ uuid: string; path: string; leg: string }> {
    return this.commands.broadcasts;
  }

  agents(): AgentView[] {
    return [...this.core.model.agents.values()].map(({ rowid: _r, lastBridgeEndMs: _l, ...a }) => a);
  }

  agent(name: string): AgentView | undefined {
    return this.agents().find((a) => a.name === name);
  }

  tiers(): TierView[] {
    return this.core.model.allTiers().map(({ rowid: _r, ...t }) => t);
  }

  members(queue?: string): MemberView[] {
    const all = [...this.core.model.members.values()].filter((m) => queue === undefined || m.queue === queue);
    return all.map(({ rowid: _r, ...m }) => m);
  }

  queues(): QueueView[] {
    return [...this.core.model.queues.values()].map((q) => ({ ...q }));
  }

  /** Supervisor legs eavesdropping right now (originate … &eavesdrop(uuid)). */
  eavesdropping(): EavesdropView[] {
    return this.eavesdrops.list();
  }

  /** Live sessions (uuid and channel name). */
  channels(): Array<{ uuid: string; name: string }> {
    return [...this.core.channels.values()].map((c) => ({ uuid: c.uuid, name: c.name }));
  }
}
