import { CallcenterError } from '../callcenter/replies.js';
import * as grammar from '../callcenter/grammar.js';
import type { Actor, CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import { EslLinkDownError } from '../esl/errors.js';
import type { Logger } from '../log.js';
import { paramsFromQueueList, queueParams, queueParamsPatch, QUEUE_PARAM_KEYS, type QueueParams } from './params.js';
import type { QueueDefinition, QueueStore } from './store.js';

export type QueueAdminErrorCode =
  | 'QUEUE_EXISTS'
  | 'QUEUE_NOT_FOUND'
  | 'QUEUE_READ_ONLY'
  | 'QUEUE_HAS_CALLERS'
  | 'QUEUE_HAS_TIERS'
  | 'QUEUE_NOT_LOADED'
  | 'SWITCH_REFUSED';

/** A queue change refused by the gateway's rules or by the switch; nothing was left half-done. */
export class QueueAdminError extends Error {
  override readonly name = 'QueueAdminError';
  constructor(
    readonly code: QueueAdminErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** What the switch answered to the command that applied a change. */
export interface SwitchVerdict {
  readonly command: string;
  readonly reply: string;
}

/** A queue as REST shows it: owned by the gateway, or the switch's files' (read-only). */
export interface QueueDefinitionView {
  readonly name: string;
  /** gateway: stored here and served over mod_xml_curl; file: the switch's callcenter.conf.xml. */
  readonly source: 'gateway' | 'file';
  readonly readOnly: boolean;
  readonly takenOver: boolean;
  /** Parameters set (gateway) or as `queue list` shows them (file). */
  readonly params: QueueParams;
  /** Loaded on the switch now (from the view). */
  readonly loaded: boolean;
  readonly note?: string;
  readonly createdBy?: string;
  readonly updatedBy?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

export interface QueueChange {
  readonly queue: QueueDefinitionView;
  readonly switch: SwitchVerdict;
  readonly skipped?: string[];
}

const FILE_NOTE = 'defined in the switch\'s callcenter.conf.xml: read-only here; POST /api/queues/{queue}/takeover to manage it over REST';

/**
 * Queues as data: definitions stored by QueueStore, served to the switch by the
 * xml_curl endpoint, and applied with `queue load|reload|unload` over ESL right
 * after each change. The stored definition and the switch agree at the end of
 * every call: a change the switch refuses is rolled back and the refusal reported.
 */
export class QueueAdmin {
  private readonly log: Logger;

  constructor(
    private readonly store: QueueStore,
    private readonly callCenter: CallCenter,
    private readonly view: ViewReader,
    logger: Logger,
  ) {
    this.log = logger;
  }

  private viewOf(def: QueueDefinition): QueueDefinitionView {
    return {
      name: def.name,
      source: 'gateway',
      readOnly: false,
      takenOver: def.takenOver,
      params: def.params,
      loaded: this.view.queues.has(def.name),
      createdBy: def.createdBy,
      updatedBy: def.updatedBy,
      createdAt: def.createdAt.toISOString(),
      updatedAt: def.updatedAt.toISOString(),
    };
  }

  private fileView(name: string): QueueDefinitionView | null {
    const q = this.view.queues.get(name);
    if (!q) return null;
    return { name, source: 'file', readOnly: true, takenOver: false, params: paramsFromQueueList(q.config).params, loaded: true, note: FILE_NOTE };
  }

  /** Every queue: the gateway's definitions, then the loaded queues the files define. */
  async list(actor: Actor): Promise<QueueDefinitionView[]> {
    const defs = await this.store.list();
    await this.callCenter.listQueues(actor).catch((err: Error) => this.log.warn({ err: err.message }, 'queue list failed; the loaded flags may be stale'));
    const own = new Set(defs.map((d) => d.name));
    const files = [...this.view.queues.keys()].filter((n) => !own.has(n)).sort().flatMap((n) => this.fileView(n) ?? []);
    return [...defs.map((d) => this.viewOf(d)), ...files];
  }

  async get(name: string, actor: Actor): Promise<QueueDefinitionView> {
    grammar.queueName(name);
    const def = await this.store.get(name);
    if (def) return this.viewOf(def);
    if (!this.view.queues.has(name)) await this.callCenter.listQueues(actor);
    const file = this.fileView(name);
    if (!file) throw new QueueAdminError('QUEUE_NOT_FOUND', `queue ${name} is neither defined here nor loaded on the switch`);
    return file;
  }

  /** Stores a new queue and has the switch load it (`queue load`, which fetches it from the gateway). */
  async create(name: string, rawParams: unknown, actor: Actor): Promise<QueueChange> {
    grammar.queueName(name);
    const params = queueParams(rawParams ?? {});
    if (!(await this.store.get(name))) {
      if (!this.view.queues.has(name)) await this.callCenter.listQueues(actor);
      if (this.view.queues.has(name)) throw new QueueAdminError('QUEUE_READ_ONLY', `queue ${name} is ${FILE_NOTE}`);
    }
    const def = await this.store.insert(name, ordered(params), false, actor.id);
    if (!def) throw new QueueAdminError('QUEUE_EXISTS', `queue ${name} is already defined`);
    const verdict = await this.apply('load', name, actor, async () => {
      await this.store.remove(name);
    });
    return { queue: this.viewOf(def), switch: verdict };
  }

  /** Changes parameters (null: back to the switch's default) and has the switch reload the queue. */
  async update(name: string, rawPatch: unknown, actor: Actor): Promise<QueueChange> {
    grammar.queueName(name);
    const { set, unset } = queueParamsPatch(rawPatch ?? {});
    const before = await this.owned(name, actor);
    const params: QueueParams = { ...before.params, ...set };
    for (const k of unset) delete params[k];
    const def = await this.store.update(name, ordered(params), actor.id);
    if (!def) throw new QueueAdminError('QUEUE_NOT_FOUND', `queue ${name} is not defined`);
    const verdict = await this.apply('reload', name, actor, async () => {
      await this.store.restore(before);
      // The switch dropped the queue on `reload`: have it read the old definition again.
      await this.callCenter.loadQueue(name, actor).catch((err: Error) => this.log.warn({ queue: name, err: err.message }, 'reloading the previous definition failed'));
    });
    return { queue: this.viewOf(def), switch: verdict };
  }

  /**
   * Takes a queue of the switch's files over: its parameters (from `queue list`,
   * or the ones given) are stored here, and from the next `queue reload` on the
   * switch reads it from the gateway (mod_xml_curl is asked before the files).
   */
  async takeOver(name: string, rawParams: unknown, actor: Actor): Promise<QueueChange> {
    grammar.queueName(name);
    const given = rawParams === undefined ? null : queueParams(rawParams);
    if (await this.store.get(name)) throw new QueueAdminError('QUEUE_EXISTS', `queue ${name} is already managed here`);
    await this.callCenter.listQueues(actor);
    const q = this.view.queues.get(name);
    if (!q) throw new QueueAdminError('QUEUE_NOT_LOADED', `queue ${name} is not loaded on the switch: create it with POST /api/queues instead`);
    const fromList = paramsFromQueueList(q.config);
    const params = given ?? fromList.params;
    const def = await this.store.insert(name, ordered(params), true, actor.id);
    if (!def) throw new QueueAdminError('QUEUE_EXISTS', `queue ${name} is already managed here`);
    const verdict = await this.apply('reload', name, actor, async () => {
      await this.store.remove(name);
      await this.callCenter.loadQueue(name, actor).catch((err: Error) => this.log.warn({ queue: name, err: err.message }, 'reloading the queue from the files failed'));
    });
    // `queue list` has no announce-sound / announce-frequency: they are only kept when given.
    const skipped = given ? [] : [...fromList.skipped, 'announce-sound', 'announce-frequency'];
    return { queue: this.viewOf(def), switch: verdict, skipped };
  }

  /**
   * Removes a queue. Refused while callers wait in it or tiers point at it,
   * unless forced (then its tiers are deleted first). The definition goes
   * before `queue unload`: the switch reloads an unknown queue on demand
   * (get_queue → load_queue), so it must already get "not found" by then.
   * A taken-over queue goes back to the files (`queue reload`) instead.
   */
  async remove(name: string, force: boolean, actor: Actor): Promise<QueueChange & { removedTiers: number; waitingCallers: number }> {
    grammar.queueName(name);
    const def = await this.owned(name, actor);
    let removedTiers = 0;
    let waitingCallers = 0;
    if (!def.takenOver) {
      const waiting = this.view.queues.has(name) ? (await this.callCenter.listMembers(name, actor)).filter((m) => m.state === 'Waiting' || m.state === 'Trying').length : 0;
      const tiers = (await this.callCenter.listTiers(actor)).filter((t) => t.queue === name);
      if (!force && waiting > 0) throw new QueueAdminError('QUEUE_HAS_CALLERS', `${waiting} caller(s) wait in ${name}; add ?force=true to remove it anyway (they leave the queue)`, { waiting });
      if (!force && tiers.length > 0) throw new QueueAdminError('QUEUE_HAS_TIERS', `${tiers.length} tier(s) attach agents to ${name}; delete them or add ?force=true`, { tiers: tiers.length });
      waitingCallers = waiting;
      for (const t of tiers) {
        await this.callCenter.deleteTier(name, t.agent, actor);
        removedTiers++;
      }
    }
    await this.store.remove(name);
    const verdict = await this.apply(def.takenOver ? 'reload' : 'unload', name, actor, async () => {
      await this.store.restore(def);
    });
    return { queue: { ...this.viewOf(def), loaded: this.view.queues.has(name) }, switch: verdict, removedTiers, waitingCallers };
  }

  /**
   * Loads every gateway queue the switch has not loaded: a switch (re)started
   * reads only its files at module load (the gateway answers "not found" to a
   * lookup without a queue name), so after each connect the gateway loads its own.
   * Run after a resync (the view lists what is loaded); failures are logged, not thrown.
   */
  async loadMissing(): Promise<number> {
    if (!this.store.loaded) return 0;
    const actor: Actor = { source: 'auto', id: 'queue-definitions' };
    let loaded = 0;
    for (const def of await this.store.list()) {
      if (this.view.queues.has(def.name)) continue;
      try {
        await this.callCenter.loadQueue(def.name, actor);
        loaded++;
      } catch (err) {
        this.log.warn({ queue: def.name, err: (err as Error).message }, 'the switch did not load a gateway queue (is mod_xml_curl loaded and pointed at this gateway?)');
      }
    }
    if (loaded) this.log.info({ loaded }, 'gateway queues loaded on the switch');
    return loaded;
  }

  /** A definition of the gateway's, or the reason why not. */
  private async owned(name: string, actor: Actor): Promise<QueueDefinition> {
    const def = await this.store.get(name);
    if (def) return def;
    if (!this.view.queues.has(name)) await this.callCenter.listQueues(actor);
    if (this.view.queues.has(name)) throw new QueueAdminError('QUEUE_READ_ONLY', `queue ${name} is ${FILE_NOTE}`);
    throw new QueueAdminError('QUEUE_NOT_FOUND', `queue ${name} is not defined`);
  }

  /**
   * Runs `queue <action>` and returns the switch's verdict. A refusal (-ERR)
   * or a link that is down undoes the stored change (`undo`) and is reported;
   * a timeout is reported as is (the switch may have applied it).
   */
  private async apply(action: 'load' | 'reload' | 'unload', name: string, actor: Actor, undo: () => Promise<void>): Promise<SwitchVerdict> {
    const command = `callcenter_config queue ${action} ${name}`;
    try {
      const reply =
        action === 'load' ? await this.callCenter.loadQueue(name, actor) : action === 'reload' ? await this.callCenter.reloadQueue(name, actor) : await this.callCenter.unloadQueue(name, actor);
      return { command, reply };
    } catch (err) {
      if (err instanceof CallcenterError || err instanceof EslLinkDownError) {
        await undo().catch((e: Error) => this.log.error({ queue: name, err: e.message }, 'undoing a queue change the switch refused failed'));
      }
      if (err instanceof CallcenterError) {
        throw new QueueAdminError(
          'SWITCH_REFUSED',
          `FreeSWITCH answered \`${command}\` with ${JSON.stringify(err.reply)}; the change was undone. ` +
            (action === 'unload' ? '' : 'If the switch could not fetch the queue, check that mod_xml_curl is loaded and xml_curl.conf points at this gateway with its credentials.'),
          { command, reply: err.reply },
        );
      }
      throw err;
    }
  }
}

/** Parameters in callcenter.conf order (stable JSON in the database and stable XML). */
function ordered(params: QueueParams): QueueParams {
  const out: QueueParams = {};
  for (const k of QUEUE_PARAM_KEYS) if (params[k] !== undefined) out[k] = params[k];
  return out;
}
