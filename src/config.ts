import { LOG_LEVELS, type LogLevel } from './log.js';
import { controlsConfig, type ControlsConfig } from './calls/controls/config.js';

/**
 * Configuration from the environment. Every default here is mirrored by the
 * shipped FreeSWITCH configuration (freeswitch-conf/), and a test checks that
 * the two agree.
 */

export const DEFAULTS = {
  eslHost: '127.0.0.1',
  eslPort: 8021,
  eslPassword: 'ClueCon',
  eslCommandTimeoutMs: 5000,
  queue: 'support@default',
  httpHost: '127.0.0.1',
  httpPort: 8080,
  redisUrl: 'redis://127.0.0.1:6379',
  callerKeyPrefix: 'cc:caller:',
  keyPrefix: 'cc:',
  auditMaxLen: 100_000,
  wsPingMs: 15_000,
  stopTimeoutMs: 10_000,
  agentAwayGraceS: 30,
  agentLogoutGraceS: 600,
  breakReasons: ['break', 'lunch', 'meeting', 'training', 'after-call work'],
} as const;

export interface ApiToken {
  readonly name: string;
  readonly token: string;
  readonly role: 'admin' | 'supervisor';
}

export interface Config {
  readonly esl: { host: string; port: number; password: string; commandTimeoutMs: number; events: readonly string[] };
  readonly http: { host: string; port: number };
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly callerKeyPrefix: string;
  readonly callerTtlS: number;
  readonly auditMaxLen: number;
  readonly queues: readonly string[];
  readonly tokens: readonly ApiToken[];
  readonly wsPingMs: number;
  /** Longest a SIGTERM/SIGINT stop may take before the process exits anyway (non-zero). */
  readonly stopTimeoutMs: number;
  readonly agentAwayGraceS: number;
  readonly agentLogoutGraceS: number;
  readonly breakReasons: readonly string[];
  readonly rateLimitPerMinute: number;
  readonly logLevel: LogLevel;
  /** Call records: PostgreSQL at `databaseUrl`, else embedded PGlite (in memory, or in `pgliteDataDir`); off when `enabled` is false. */
  readonly records: { readonly enabled: boolean; readonly databaseUrl: string | null; readonly pgliteDataDir: string | null; readonly retentionDays: number };
  /** Call controls: transfer context, outside-number routes, confirmation timeout (src/calls/controls/config.ts). */
  readonly controls: ControlsConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  return n;
}

function list(env: Env, key: string, fallback: readonly string[]): string[] {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * `ADMIN_TOKEN=secret` gives one admin token; `API_TOKENS=name:role:token,…`
 * adds named tokens with role `admin` or `supervisor`.
 */
function tokens(env: Env): ApiToken[] {
  const out: ApiToken[] = [];
  if (env.ADMIN_TOKEN) out.push({ name: 'admin', token: env.ADMIN_TOKEN, role: 'admin' });
  for (const entry of list(env, 'API_TOKENS', [])) {
    const [name, role, ...rest] = entry.split(':');
    const token = rest.join(':');
    if (!name || !token || (role !== 'admin' && role !== 'supervisor')) {
      throw new ConfigError(`API_TOKENS entry ${JSON.stringify(name ?? entry)} must be name:admin|supervisor:token`);
    }
    out.push({ name, token, role });
  }
  for (const t of out) if (t.token.length < 8) throw new ConfigError(`token ${t.name} is shorter than 8 characters`);
  return out;
}

/**
 * Extra plain event names to subscribe to (e.g. CHANNEL_HANGUP_COMPLETE).
 * Off by default: every callcenter fact the gateway uses arrives in
 * `CUSTOM callcenter::info`, and channel events fire for every leg on the switch.
 */
function eventNames(env: Env): string[] {
  const names = list(env, 'ESL_EVENTS', []);
  for (const n of names) if (!/^[A-Z][A-Z_]{1,40}$/.test(n) || n === 'CUSTOM' || n === 'ALL') throw new ConfigError(`ESL_EVENTS: ${JSON.stringify(n)} is not an event name`);
  return names;
}

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === '') return 'info';
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  return level;
}

function records(env: Env): Config['records'] {
  const mode = env.CALL_RECORDS || 'on';
  if (mode !== 'on' && mode !== 'off') throw new ConfigError(`CALL_RECORDS must be on or off, got ${JSON.stringify(mode)}`);
  const url = env.DATABASE_URL || null;
  if (url && !/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  return { enabled: mode === 'on', databaseUrl: url, pgliteDataDir: env.PGLITE_DATA_DIR || null, retentionDays: int(env, 'CALL_RETENTION_DAYS', 0, 0, 36_500) };
}

export function loadConfig(env: Env = process.env): Config {
  return {
    esl: {
      host: env.ESL_HOST || DEFAULTS.eslHost,
      port: int(env, 'ESL_PORT', DEFAULTS.eslPort, 1, 65535),
      password: env.ESL_PASSWORD ?? DEFAULTS.eslPassword,
      commandTimeoutMs: int(env, 'ESL_COMMAND_TIMEOUT_MS', DEFAULTS.eslCommandTimeoutMs, 1, 600_000),
      events: eventNames(env),
    },
    http: { host: env.HTTP_HOST || DEFAULTS.httpHost, port: int(env, 'HTTP_PORT', DEFAULTS.httpPort, 0, 65535) },
    redisUrl: env.REDIS_URL || DEFAULTS.redisUrl,
    keyPrefix: env.REDIS_KEY_PREFIX ?? DEFAULTS.keyPrefix,
    callerKeyPrefix: env.CALLER_KEY_PREFIX ?? DEFAULTS.callerKeyPrefix,
    callerTtlS: int(env, 'CALLER_TTL_S', 0),
    auditMaxLen: int(env, 'AUDIT_MAXLEN', DEFAULTS.auditMaxLen, 100),
    queues: list(env, 'QUEUES', [DEFAULTS.queue]),
    tokens: tokens(env),
    wsPingMs: int(env, 'WS_PING_MS', DEFAULTS.wsPingMs, 10),
    stopTimeoutMs: int(env, 'STOP_TIMEOUT_MS', DEFAULTS.stopTimeoutMs, 1, 600_000),
    agentAwayGraceS: int(env, 'AGENT_AWAY_GRACE_S', DEFAULTS.agentAwayGraceS),
    agentLogoutGraceS: int(env, 'AGENT_LOGOUT_GRACE_S', DEFAULTS.agentLogoutGraceS),
    breakReasons: list(env, 'BREAK_REASONS', DEFAULTS.breakReasons),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 1),
    logLevel: logLevel(env),
    records: records(env),
    controls: controlsConfig(env),
  };
}
