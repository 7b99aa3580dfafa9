import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Resume tokens for the agent desk, issued at login. Kept in Redis so a page
 * can resume after a gateway restart; valid for the logout grace.
 */
export interface SessionStore {
  issue(agent: string, ttlS: number): Promise<string>;
  agentOf(token: string): Promise<string | null>;
  /** Keeps a token valid for another `ttlS` (it lives as long as the agent keeps coming back). */
  touch(token: string, ttlS: number): Promise<void>;
  revoke(token: string): Promise<void>;
  /** Ends every session of an agent (password changed, agent deleted). */
  revokeAgent(agent: string): Promise<void>;
}

export function redisSessionStore(redis: Redis, prefix: string): SessionStore {
  const key = (t: string) => `${prefix}desk-session:${t}`;
  const ofAgent = (agent: string) => `${prefix}desk-sessions-of:${agent}`;
  return {
    async issue(agent, ttlS) {
      const token = randomBytes(24).toString('base64url');
      const ttl = Math.max(60, ttlS);
      // The per-agent index lives as long as its newest token; members that expired are harmless.
      const replies = await redis.multi().set(key(token), agent, 'EX', ttl).sadd(ofAgent(agent), token).expire(ofAgent(agent), ttl).exec();
      // exec() resolves even when a command in it failed (e.g. WRONGTYPE): a token missing from
      // the agent's index would survive a password change, so any failed part fails the issue.
      const failed = replies === null ? new Error('desk session transaction aborted') : replies.find(([err]) => err)?.[0];
      if (failed) {
        // Best effort: the failure above is what the caller hears, and the key expires with its TTL anyway.
        await redis.del(key(token)).catch(() => undefined);
        throw failed;
      }
      return token;
    },
    async agentOf(token) {
      if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return null;
      return redis.get(key(token));
    },
    async touch(token, ttlS) {
      await redis.expire(key(token), Math.max(60, ttlS));
    },
    async revoke(token) {
      await redis.del(key(token));
    },
    async revokeAgent(agent) {
      const tokens = await redis.smembers(ofAgent(agent));
      await redis.del(ofAgent(agent), ...tokens.map(key));
    },
  };
}

/** For the demo only, when no Redis answers. */
export function memorySessionStore(): SessionStore {
  const map = new Map<string, { agent: string; expires: number }>();
  const sweep = () => {
    const now = Date.now();
    for (const [t, v] of map) if (v.expires < now) map.delete(t);
  };
  return {
    async issue(agent, ttlS) {
      sweep();
      const token = randomBytes(24).toString('base64url');
      map.set(token, { agent, expires: Date.now() + Math.max(60, ttlS) * 1000 });
      return token;
    },
    async agentOf(token) {
      const v = map.get(token);
      return v && v.expires >= Date.now() ? v.agent : null;
    },
    async touch(token, ttlS) {
      const v = map.get(token);
      if (v) v.expires = Date.now() + Math.max(60, ttlS) * 1000;
    },
    async revoke(token) {
      map.delete(token);
    },
    async revokeAgent(agent) {
      for (const [t, v] of map) if (v.agent === agent) map.delete(t);
    },
  };
}
