import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** Settings for running several gateway instances side by side (README, "Running more than one"). */
export interface ScaleConfig {
  /** `local`: push numbers and replay buffers in this process (one instance). `redis`: shared by every instance. */
  readonly deskStream: 'local' | 'redis';
  /** This instance's name in Redis (leases, signals, logs); unique per process. */
  readonly instanceId: string;
  /** On SIGTERM: how long the pages get to move to another instance before the gateway stops (0: stop at once). */
  readonly drainMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Throws a plain Error with the variable's name; config.ts turns it into a ConfigError. */
export function loadScaleConfig(env: Env): ScaleConfig {
  const stream = env.DESK_STREAM || 'local';
  if (stream !== 'local' && stream !== 'redis') throw new Error(`DESK_STREAM must be local or redis, got ${JSON.stringify(stream)}`);
  const id = env.INSTANCE_ID || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) throw new Error('INSTANCE_ID must be 1-64 characters of A-Z a-z 0-9 _ . : -');
  const rawDrain = env.DRAIN_MS;
  const drainMs = rawDrain === undefined || rawDrain === '' ? 0 : Number(rawDrain);
  if (!Number.isInteger(drainMs) || drainMs < 0 || drainMs > 600_000) throw new Error(`DRAIN_MS must be an integer in [0, 600000], got ${JSON.stringify(rawDrain)}`);
  return { deskStream: stream, instanceId: id, drainMs };
}
