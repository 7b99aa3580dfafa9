import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/** scrypt parameters: N=2^15 costs ~50 ms and 32 MB per check, so guessing is slow. */
const N = 32768;
const R = 8;
const P = 1;
const KEYLEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 128 * n * r * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url parts: the parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export interface PasswordStore {
  set(agent: string, password: string): Promise<void>;
  verify(agent: string, password: string): Promise<boolean>;
  delete(agent: string): Promise<void>;
}

export function redisPasswordStore(redis: Redis, prefix: string): PasswordStore {
  const key = (agent: string) => `${prefix}agent-password:${agent}`;
  // A fixed hash to verify against when the agent has none, so timing does not reveal which agents exist.
  const decoy = hashPassword(randomBytes(12).toString('hex'));
  return {
    async set(agent, password) {
      await redis.set(key(agent), await hashPassword(password));
    },
    async verify(agent, password) {
      const stored = await redis.get(key(agent));
      if (!stored) {
        await verifyPassword(password, await decoy);
        return false;
      }
      return verifyPassword(password, stored);
    },
    async delete(agent) {
      await redis.del(key(agent));
    },
  };
}

/** For the demo only, when no Redis answers. */
export function memoryPasswordStore(): PasswordStore {
  const map = new Map<string, string>();
  return {
    async set(agent, password) {
      map.set(agent, await hashPassword(password));
    },
    async verify(agent, password) {
      const stored = map.get(agent);
      return stored ? verifyPassword(password, stored) : false;
    },
    async delete(agent) {
      map.delete(agent);
    },
  };
}
