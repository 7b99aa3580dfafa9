import type { Redis } from 'ioredis';
import type { Actor, CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { Logger } from '../log.js';

/** One agent whose wrap-up time the gateway changed for a while, and what to put back. */
interface Override {
  /** The agent's own wrap-up time (seconds), put back by restore(). */
  readonly configured: number;
  /** When it is put back by itself (epoch ms); null: only by an explicit restore() or the next call. */
  readonly restoreAt: number | null;
  timer: NodeJS.Timeout | null;
}

const RETRY_MS = 5000;

/** An override as stored in Redis (`{configured, restoreAt}`), or null when the value is not one. */
function parseOverride(json: string): Override | null {
  try {
    const v = JSON.parse(json) as { configured?: unknown; restoreAt?: unknown };
    if (typeof v.configured !== 'number') return null;
    return { configured: v.configured, restoreAt: typeof v.restoreAt === 'number' ? v.restoreAt : null, timer: null };
  } catch {
    return null;
  }
}

/**
 * Changes an agent's `wrap_up_time` on the switch for a while and puts the
 * agent's own value back afterwards.
 *
 * Why this is needed (mod_callcenter.c, agents_callback): wrap-up is not a
 * state. The dispatcher offers a call to an agent only when
 * `last_bridge_end < now - wrap_up_time`, reading the agent's wrap_up_time
 * afresh on every pass. So the only switch-side way to end wrap-up early is to
 * set wrap_up_time to 0 (fixture 19: offered 0.1 s later), and it must stay 0
 * until the configured wrap-up would have ended anyway (or until the next call
 * starts, whose end then uses the restored value): putting it back at once puts
 * the agent back into wrap-up. The other use is a guard: a wrap-up of a few
 * seconds after a call whose end must be followed by a status change before the
 * dispatcher may look at the agent (next status).
 *
 * Overrides are kept in Redis too (one hash), so a gateway restarted meanwhile
 * still puts the configured values back.
 */
export class WrapUpControl {
  private readonly overrides = new Map<string, Override>();
  private readonly actor: Actor = { source: 'auto', id: 'after-call' };
  private closed = false;
  /**
   * Whether a guard (an override without restoreAt) that an earlier process
   * left must stay: its next status is still pending, and whoever applies it
   * at the call's end puts the wrap-up time back. Set by AfterCallWork.
   */
  keepGuard: (agent: string) => boolean = () => false;

  constructor(
    private readonly cc: CallCenter,
    private readonly view: ViewReader,
    private readonly redis: Redis | null,
    private readonly opts: { readonly keyPrefix: string; readonly logger: Logger },
  ) {
    cc.on('ready', () => void this.recover());
  }

  private get key(): string {
    return `${this.opts.keyPrefix}acw:wrapup`;
  }

  /** The agent's own wrap-up time: the saved one while overridden, else what the switch lists. */
  configured(agent: string): number {
    return this.overrides.get(agent)?.configured ?? this.view.agents.get(agent)?.wrapUpTime ?? 0;
  }

  overridden(agent: string): boolean {
    return this.overrides.has(agent);
  }

  /**
   * Sets the agent's wrap_up_time to `seconds` now, remembering its own value
   * (the first override's, if one is already in place); `restoreAt` (epoch ms)
   * puts it back by itself. Resolves when the switch said +OK.
   */
  async override(agent: string, seconds: number, restoreAt: number | null, actor: Actor = this.actor): Promise<void> {
    const configured = this.configured(agent);
    const previous = this.overrides.get(agent);
    if (previous?.timer) clearTimeout(previous.timer);
    const o: Override = { configured, restoreAt, timer: null };
    this.overrides.set(agent, o);
    await this.persist(agent, o);
    try {
      await this.cc.updateAgent(agent, { wrapUpTime: seconds }, actor);
    } catch (err) {
      // Nothing changed on the switch: forget this override (an earlier one stays as it was).
      if (previous) this.overrides.set(agent, previous);
      else {
        this.overrides.delete(agent);
        await this.redis?.hdel(this.key, agent).catch(() => undefined);
      }
      if (previous?.restoreAt != null) this.arm(agent, previous);
      throw err;
    }
    this.arm(agent, o);
  }

  private async persist(agent: string, o: Override): Promise<void> {
    await this.redis?.hset(this.key, agent, JSON.stringify({ configured: o.configured, restoreAt: o.restoreAt }));
  }

  private arm(agent: string, o: Override): void {
    if (o.restoreAt === null || this.closed) return;
    o.timer = setTimeout(() => void this.restore(agent), Math.max(0, o.restoreAt - Date.now()));
    o.timer.unref();
  }

  /**
   * Forgets this process's guard for the agent without telling the switch:
   * another instance applied the next status and puts the wrap-up time back.
   */
  forgetGuard(agent: string): void {
    const o = this.overrides.get(agent);
    if (!o || o.restoreAt !== null) return;
    if (o.timer) clearTimeout(o.timer);
    this.overrides.delete(agent);
  }

  /** An override another instance (or an earlier process) stored, taken over by this one. */
  private async adopt(agent: string): Promise<Override | undefined> {
    const json = await this.redis?.hget(this.key, agent).catch(() => null);
    const o = json ? parseOverride(json) : null;
    if (!o || this.overrides.has(agent)) return this.overrides.get(agent);
    this.overrides.set(agent, o);
    return o;
  }

  /**
   * Puts the agent's own wrap-up time back (no-op when not overridden, here or
   * in Redis: the override may have been made by another instance); retried
   * while the switch cannot be told.
   */
  async restore(agent: string): Promise<void> {
    const o = this.overrides.get(agent) ?? (await this.adopt(agent));
    if (!o) return;
    if (o.timer) clearTimeout(o.timer);
    o.timer = null;
    try {
      await this.cc.updateAgent(agent, { wrapUpTime: o.configured }, this.actor);
    } catch (err) {
      this.opts.logger.warn({ agent, err: (err as Error).message }, 'could not put the agent’s wrap-up time back; retrying');
      if (!this.closed && this.overrides.get(agent) === o) {
        o.timer = setTimeout(() => void this.restore(agent), RETRY_MS);
        o.timer.unref();
      }
      return;
    }
    if (this.overrides.get(agent) !== o) return;
    this.overrides.delete(agent);
    await this.redis?.hdel(this.key, agent).catch((err: Error) => this.opts.logger.warn({ agent, err: err.message }, 'could not forget a wrap-up override in Redis'));
  }

  /** After a (re)connect: overrides an earlier run of the gateway left behind are put back when due. */
  private async recover(): Promise<void> {
    if (!this.redis) return;
    let saved: Record<string, string>;
    try {
      saved = await this.redis.hgetall(this.key);
    } catch {
      return;
    }
    for (const [agent, json] of Object.entries(saved)) {
      if (this.overrides.has(agent)) continue;
      const o = parseOverride(json);
      if (!o) {
        await this.redis.hdel(this.key, agent).catch(() => undefined);
        continue;
      }
      this.overrides.set(agent, o);
      // A guard stays while its next status is pending or its call goes on (another instance may have
      // taken the request): the call's end puts it back. Otherwise nobody is left to put it back: now.
      if (o.restoreAt === null && !this.keepGuard(agent) && this.view.agents.get(agent)?.state !== 'In a queue call') void this.restore(agent);
      else this.arm(agent, o);
    }
  }

  close(): void {
    this.closed = true;
    for (const o of this.overrides.values()) if (o.timer) clearTimeout(o.timer);
  }
}
