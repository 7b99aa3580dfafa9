import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';

/**
 * Signals between gateway instances over Redis pub/sub (one channel,
 * `<prefix>cluster`). Pub/sub delivers to the instances connected at that
 * moment and keeps nothing: a signal is only ever a hint about state that
 * Redis also holds (an agent in the followed set, a revoked token), so an
 * instance that missed it while disconnected is right again when it reads
 * that state.
 */
export type Signal =
  /** An agent's page attached on some instance: follow its pushes here too. */
  | { readonly kind: 'follow'; readonly agent: string }
  /** An agent's desk sessions were revoked (deleted, password changed): close its pages here too. */
  | { readonly kind: 'revoke'; readonly agent: string };

interface Envelope {
  readonly from: string;
  readonly signal: Signal;
}

const AGENT = /^[^\s]{1,256}$/;

/** Reads a message off the channel; anything not of our shape is dropped (the channel is ours, but Redis is shared). */
export function parseEnvelope(text: string): Envelope | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { from, signal } = v as { from?: unknown; signal?: unknown };
  if (typeof from !== 'string' || typeof signal !== 'object' || signal === null) return null;
  const { kind, agent } = signal as { kind?: unknown; agent?: unknown };
  if ((kind !== 'follow' && kind !== 'revoke') || typeof agent !== 'string' || !AGENT.test(agent)) return null;
  return { from, signal: { kind, agent } };
}

export class ClusterBus {
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly handlers: Array<(s: Signal, fromSelf: boolean) => void> = [];

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly instanceId: string,
    private readonly log: Logger,
  ) {
    this.channel = `${prefix}cluster`;
    // A subscribed connection can do nothing else: a connection of its own (ioredis resubscribes after a reconnect).
    this.sub = redis.duplicate();
    this.sub.on('error', () => undefined);
    this.sub.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const env = parseEnvelope(text);
      if (!env) return this.log.warn({ channel }, 'ignored a malformed cluster signal');
      for (const h of this.handlers) h(env.signal, env.from === this.instanceId);
    });
  }

  async start(): Promise<void> {
    await this.sub.connect().catch((err: Error) => this.log.warn({ err: err.message }, 'cluster signals: Redis not reachable at start; retrying'));
    await this.sub.subscribe(this.channel).catch((err: Error) => this.log.warn({ err: err.message }, 'cluster signals: could not subscribe yet'));
  }

  on(handler: (s: Signal, fromSelf: boolean) => void): void {
    this.handlers.push(handler);
  }

  /** Sends a signal to every instance, this one included. */
  async publish(signal: Signal): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify({ from: this.instanceId, signal } satisfies Envelope));
  }

  stop(): void {
    this.sub.disconnect();
  }
}

/**
 * The agents with a desk page somewhere, recently: a sorted set scored by the last attach, so
 * that an instance starting up follows them too and forgets those idle past the session life.
 */
export class FollowedAgents {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly ttlMs: number,
  ) {
    this.key = `${prefix}desk-agents`;
  }

  async attached(agent: string): Promise<void> {
    await this.redis.zadd(this.key, Date.now(), agent);
  }

  async recent(): Promise<string[]> {
    const since = Date.now() - this.ttlMs;
    await this.redis.zremrangebyscore(this.key, '-inf', `(${since}`);
    return this.redis.zrangebyscore(this.key, since, '+inf');
  }
}
