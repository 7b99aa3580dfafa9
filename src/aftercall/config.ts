/**
 * After-call work settings (admin configuration, from the environment): the
 * disposition codes with their labels, the queues where one is required, how
 * long the Redis copy of a disposition lives, and the agent-ID announcement.
 */

export interface Disposition {
  readonly code: string;
  /** Shown on the desk as given: admin data, not a translation key. */
  readonly label: string;
}

export interface AftercallConfig {
  readonly dispositions: readonly Disposition[];
  /** Queues where the agent must file a disposition before ending after-call work. */
  readonly requiredQueues: readonly string[];
  /** Lifetime of the Redis copy of a disposition (seconds). */
  readonly dispositionTtlS: number;
  /** Queues whose callers first hear the agent's ID when the agent answers (off everywhere by default). */
  readonly announceQueues: readonly string[];
  /** The sound played to the caller; `{agent}` is replaced by the agent ID (the part before `@`). */
  readonly announceFile: string;
}

export const DISPOSITION_CODE = /^[a-z0-9][a-z0-9_.-]{0,31}$/;
export const MAX_LABEL = 64;
export const MAX_NOTES = 2000;
/** A sound path without spaces (uuid_broadcast splits on them), quotes or variable expansion. */
export const ANNOUNCE_FILE = /^[A-Za-z0-9_./:!{}-]{1,200}$/;

export const AFTERCALL_DEFAULTS = {
  dispositions: 'resolved:Resolved,callback:Call back,escalated:Escalated,no-action:No action needed',
  dispositionTtlS: 7 * 86_400,
  announceFile: 'agent-id/{agent}.wav',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function names(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** `DISPOSITIONS=code:Label,code:Label` (a label may not contain a comma). */
export function parseDispositions(raw: string, fail: (message: string) => Error): Disposition[] {
  const out: Disposition[] = [];
  for (const entry of names(raw)) {
    const at = entry.indexOf(':');
    const code = (at < 0 ? entry : entry.slice(0, at)).trim();
    const label = (at < 0 ? entry : entry.slice(at + 1)).trim();
    if (!DISPOSITION_CODE.test(code)) throw fail(`DISPOSITIONS: code ${JSON.stringify(code)} must match ${DISPOSITION_CODE.source}`);
    if (!label || label.length > MAX_LABEL) throw fail(`DISPOSITIONS: label of ${code} must be 1 to ${MAX_LABEL} characters`);
    if (out.some((d) => d.code === code)) throw fail(`DISPOSITIONS: code ${code} appears twice`);
    out.push({ code, label });
  }
  if (out.length === 0) throw fail('DISPOSITIONS must name at least one code');
  return out;
}

export function loadAftercallConfig(env: Env, fail: (message: string) => Error): AftercallConfig {
  const ttlRaw = env.DISPOSITION_TTL_S;
  const ttl = ttlRaw === undefined || ttlRaw === '' ? AFTERCALL_DEFAULTS.dispositionTtlS : Number(ttlRaw);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 365 * 86_400) throw fail(`DISPOSITION_TTL_S must be an integer in [60, ${365 * 86_400}], got ${JSON.stringify(ttlRaw)}`);
  const announceFile = env.ANNOUNCE_AGENT_ID_FILE || AFTERCALL_DEFAULTS.announceFile;
  if (!ANNOUNCE_FILE.test(announceFile) || announceFile.includes('${')) throw fail('ANNOUNCE_AGENT_ID_FILE must be a sound path of letters, digits and _ . / : ! - (no spaces), with {agent} for the agent ID');
  return {
    dispositions: parseDispositions(env.DISPOSITIONS || AFTERCALL_DEFAULTS.dispositions, fail),
    requiredQueues: names(env.DISPOSITION_REQUIRED_QUEUES),
    dispositionTtlS: ttl,
    announceQueues: names(env.ANNOUNCE_AGENT_ID_QUEUES),
    announceFile,
  };
}
