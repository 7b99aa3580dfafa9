import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { AcwInfo, NextStatusInfo } from '../realtime/protocol.js';
import { runOnce } from '../store/once.js';

/** Both hashes expire this long after their last write: a guard against leftovers, far longer than any call or wrap-up. */
const HASH_TTL_MS = 24 * 3_600_000;
/** How long the claim of one call's next status keeps the other instances (which read the same bridge-agent-end) from applying it again. */
const ONCE_TTL_MS = 10 * 60_000;
/** A recovered after-call work without a countdown (wrap-up 0) is dropped after this long. */
const OPEN_ACW_MAX_MS = 3_600_000;

/** Deletes a hash field only if it still describes the same call (a newer ACW of the agent stays). */
const DROP_IF_CALL = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local ok, d = pcall(cjson.decode, v)
if (not ok) or d.memberUuid == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

interface StateCommands {
  acwDropIfCall(key: string, agent: string, memberUuid: string): Promise<number>;
}

/** A next status as kept in Redis: what was asked, and the request's id (the key that applies it once). */
export interface StoredNext {
  readonly info: NextStatusInfo;
  readonly id: string;
}

export interface RecoveredState {
  readonly next: Map<string, StoredNext>;
  readonly acw: Map<string, AcwInfo>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A next status read back from Redis, or null when the stored value is not one. */
export function parseNextStatus(json: string): StoredNext | null {
  try {
    const v: unknown = JSON.parse(json);
    if (!isObject(v) || (v.status !== 'On Break' && v.status !== 'Logged Out')) return null;
    if (v.reason !== null && typeof v.reason !== 'string') return null;
    if (typeof v.id !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(v.id)) return null;
    return { info: { status: v.status, reason: v.reason }, id: v.id };
  } catch {
    return null;
  }
}

/** An after-call work read back from Redis, or null when the stored value is not one. */
export function parseAcw(json: string): AcwInfo | null {
  try {
    const v: unknown = JSON.parse(json);
    if (!isObject(v)) return null;
    const { memberUuid, queue, startedAt, endsAt, wrapUpS, dispositions, required, disposition } = v;
    if (typeof memberUuid !== 'string' || typeof queue !== 'string') return null;
    if (![startedAt, endsAt, wrapUpS].every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
    if (!Array.isArray(dispositions) || !dispositions.every((d) => isObject(d) && typeof d.code === 'string' && typeof d.label === 'string')) return null;
    if (typeof required !== 'boolean') return null;
    if (disposition !== null && !(isObject(disposition) && typeof disposition.code === 'string' && typeof disposition.notes === 'string')) return null;
    return {
      memberUuid,
      queue,
      startedAt: startedAt as number,
      endsAt: endsAt as number,
      wrapUpS: wrapUpS as number,
      dispositions: (dispositions as Array<{ code: string; label: string }>).map((d) => ({ code: d.code, label: d.label })),
      required,
      disposition: disposition === null ? null : { code: (disposition as { code: string }).code, notes: (disposition as { notes: string }).notes },
    };
  } catch {
    return null;
  }
}

/**
 * The after-call state that must outlive a gateway process (issue 10 §4):
 * a pending next status (hash `<prefix>acw:next`, agent → JSON) and the
 * after-call work of the moment (hash `<prefix>acw:work`, agent → the ACW as
 * the desk shows it). A restarted gateway, or another instance, reads them:
 * it applies the next status at the call's end and shows the ACW with its
 * countdown. Writes are best effort (logged): without Redis the state is kept
 * in the process, as before. Also the exactly-once of a next status across
 * instances: every instance reads the same bridge-agent-end, one applies it.
 */
export class AfterCallState {
  private readonly log: Logger;

  constructor(
    private readonly redis: Redis | null,
    private readonly opts: { readonly keyPrefix: string; readonly instanceId: string; readonly logger: Logger },
  ) {
    this.log = opts.logger;
    if (redis && !('acwDropIfCall' in redis)) redis.defineCommand('acwDropIfCall', { numberOfKeys: 1, lua: DROP_IF_CALL });
  }

  private get nextKey(): string {
    return `${this.opts.keyPrefix}acw:next`;
  }

  private get workKey(): string {
    return `${this.opts.keyPrefix}acw:work`;
  }

  get shared(): boolean {
    return this.redis !== null;
  }

  private async write(key: string, agent: string, json: string): Promise<void> {
    if (!this.redis) return;
    await this.redis.multi().hset(key, agent, json).pexpire(key, HASH_TTL_MS).exec();
  }

  private report(what: string, agent: string): (err: Error) => void {
    return (err) => this.log.warn({ agent, err: err.message }, `${what} not kept in Redis (a restart now loses it)`);
  }

  /** Whether Redis took it (false: logged; the caller keeps it in memory only). */
  async saveNext(agent: string, next: StoredNext): Promise<boolean> {
    return this.write(this.nextKey, agent, JSON.stringify({ ...next.info, id: next.id })).then(
      () => this.redis !== null,
      (err: Error) => {
        this.report('next status', agent)(err);
        return false;
      },
    );
  }

  async dropNext(agent: string): Promise<void> {
    await this.redis?.hdel(this.nextKey, agent).catch(this.report('cancelled next status', agent));
  }

  /** The agent's pending next status as Redis has it (another instance may have taken the request). Throws when Redis cannot answer. */
  async readNext(agent: string): Promise<StoredNext | null> {
    if (!this.redis) return null;
    const json = await this.redis.hget(this.nextKey, agent);
    return json === null ? null : parseNextStatus(json);
  }

  async saveAcw(agent: string, info: AcwInfo): Promise<void> {
    await this.write(this.workKey, agent, JSON.stringify(info)).catch(this.report('after-call work', agent));
  }

  /** Forgets the agent's ACW for that call (not a newer one another instance stored meanwhile). */
  async dropAcw(agent: string, memberUuid: string): Promise<void> {
    if (!this.redis) return;
    await (this.redis as Redis & StateCommands).acwDropIfCall(this.workKey, agent, memberUuid).catch(this.report('end of after-call work', agent));
  }

  /**
   * Runs `apply` (the status change of next-status request `id`) once across
   * instances: a runOnce claim keyed by the request. Without Redis, or
   * with Redis not answering, it runs here: a single instance must not lose
   * the change the agent asked for because Redis is away. Returns whether it ran here.
   */
  async once(agent: string, id: string, apply: () => Promise<void>): Promise<boolean> {
    if (!this.redis) {
      await apply();
      return true;
    }
    let started = false;
    const run = () => {
      started = true;
      return apply();
    };
    let r;
    try {
      r = await runOnce(this.redis, `${this.opts.keyPrefix}once:next-status:${agent}:${id}`, this.opts.instanceId, ONCE_TTL_MS, run);
    } catch (err) {
      if (started) throw err; // the change itself failed (the claim was given back): not to be sent twice
      this.log.warn({ agent, err: (err as Error).message }, 'Redis did not answer the next-status claim; applying it here');
      await apply();
      return true;
    }
    return r.ran;
  }

  /** What an earlier process (or another instance) left: next statuses, and after-call work still running. */
  async load(now = Date.now()): Promise<RecoveredState> {
    const state: RecoveredState = { next: new Map(), acw: new Map() };
    if (!this.redis) return state;
    const [next, work] = await Promise.all([this.redis.hgetall(this.nextKey), this.redis.hgetall(this.workKey)]);
    for (const [agent, json] of Object.entries(next)) {
      const n = parseNextStatus(json);
      if (n) state.next.set(agent, n);
    }
    for (const [agent, json] of Object.entries(work)) {
      const a = parseAcw(json);
      // Over already: the page's snapshot shows none (the switch's wrap-up ended by itself too).
      const over = !a || (a.wrapUpS > 0 ? a.endsAt * 1000 <= now : a.startedAt * 1000 + OPEN_ACW_MAX_MS <= now);
      if (a && !over) state.acw.set(agent, a);
      else await this.redis.hdel(this.workKey, agent).catch(() => undefined);
    }
    return state;
  }
}
