import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { AgentDesk } from '../realtime/desk.js';
import { runOnce } from '../store/once.js';

/** How often an instance says which agents have a page on it. */
const BEAT_MS = 5000;
/** A page entry not refreshed for this long is an instance that died. */
const STALE_MS = 3 * BEAT_MS;
/** Two instances whose graces for one agent fire within this window run one status change. */
const ONCE_TTL_MS = 10_000;

/**
 * Where an agent's pages are, across instances, for the presence graces
 * (away → On Break → Logged Out). Per agent, a Redis hash: instance id →
 * until when its pages count (refreshed every BEAT_MS, dropped when its last
 * page leaves). A grace that falls acts only when no other instance holds a
 * live page of the agent, and through runOnce, so two instances whose last
 * pages left at the same time send one command, not two.
 */
export class PagePresence {
  private readonly local = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private desk: AgentDesk | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly log: Logger,
  ) {}

  private key(agent: string): string {
    return `${this.prefix}desk-pages:${agent}`;
  }

  start(desk: AgentDesk): void {
    this.desk = desk;
    this.timer = setInterval(() => this.beat(), BEAT_MS);
    this.timer.unref();
  }

  /** A page of `agent` attached here. */
  attached(agent: string): void {
    this.local.add(agent);
    this.write(agent, true);
  }

  private write(agent: string, present: boolean): void {
    const done = present
      ? this.redis.multi().hset(this.key(agent), this.instanceId, String(Date.now() + STALE_MS)).pexpire(this.key(agent), STALE_MS * 4).exec()
      : this.redis.hdel(this.key(agent), this.instanceId);
    done.catch((err: Error) => this.log.debug({ agent, err: err.message }, 'could not write page presence'));
  }

  private beat(): void {
    for (const agent of this.local) {
      const here = (this.desk?.channel(agent)?.sockets.size ?? 0) > 0;
      if (!here) this.local.delete(agent);
      this.write(agent, here);
    }
  }

  /** Whether another instance has a live page of the agent. */
  async elsewhere(agent: string): Promise<boolean> {
    const all = await this.redis.hgetall(this.key(agent));
    const now = Date.now();
    return Object.entries(all).some(([inst, until]) => inst !== this.instanceId && Number(until) > now);
  }

  /** The desk's presenceOnce: see the class comment. */
  readonly once = async (agent: string, which: 'away' | 'logout', change: () => Promise<void>): Promise<void> => {
    // Our own entry goes now: the grace fell, so this instance has no page of the agent.
    this.local.delete(agent);
    this.write(agent, false);
    if (await this.elsewhere(agent)) {
      this.log.info({ agent, which }, 'grace fell here but the agent has a page on another instance; nothing sent');
      return;
    }
    const r = await runOnce(this.redis, `${this.prefix}once:presence:${which}:${agent}`, this.instanceId, ONCE_TTL_MS, change);
    if (!r.ran) this.log.info({ agent, which }, 'another instance ran this grace');
  };

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
