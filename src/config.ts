import { LOG_LEVELS, type LogLevel } from './log.js';
import { outboundConfig, type OutboundConfig } from './outbound/config.js';
import { kpiSettings, KpiConfigError } from './kpis/config.js';
import type { KpiSettings } from './kpis/types.js';
import { loadScaleConfig, type ScaleConfig } from './scale/config.js';
import { loadAftercallConfig, type AftercallConfig } from './aftercall/config.js';
import { controlsConfig, type ControlsConfig } from './calls/controls/config.js';
import { parseSwitches, type SwitchAddress } from './switches/config.js';

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
  /** mod_xml_curl's endpoint: freeswitch-conf/autoload_configs/xml_curl.conf.xml points here with these credentials. */
  xmlCurlHost: '127.0.0.1',
  xmlCurlPort: 8088,
  xmlCurlUser: 'freeswitch',
  xmlCurlPassword: 'ClueCon',
} as const;

export interface ApiToken {
  readonly name: string;
  readonly token: string;
  /** wallboard: reads the wallboard feed and nothing else. */
  readonly role: 'admin' | 'supervisor' | 'wallboard';
  /** The queues this token may see and act on (TOKEN_QUEUES); absent: every queue. */
  readonly queues?: readonly string[];
}

export interface Config {
  /**
   * `host`/`port`: the first switch. `switches`: every switch (ESL_HOSTS, else the one ESL_HOST:ESL_PORT);
   * password, timeout and events apply to each (src/switches/).
   */
  readonly esl: { host: string; port: number; password: string; commandTimeoutMs: number; events: readonly string[]; switches: readonly SwitchAddress[] };
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
  /** Outbound calls (click to dial): dial policy, rate limits, caller IDs, route (src/outbound/config.ts). */
  readonly outbound: OutboundConfig;
  /** KPI thresholds: service level T (default and per queue), short abandon. */
  readonly kpis: KpiSettings;
  /** Several instances: DESK_STREAM, INSTANCE_ID, DRAIN_MS (src/scale/config.ts). */
  readonly scale: ScaleConfig;
  /** After-call work: dispositions, agent-ID announcement (src/aftercall/config.ts). */
  readonly aftercall: AftercallConfig;
  /** Queues over REST, served to the switch by mod_xml_curl on a listener of its own (off when `enabled` is false). */
  readonly xmlCurl?: { readonly enabled: boolean; readonly host: string; readonly port: number; readonly user: string; readonly password: string };
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
 * adds named tokens with role `admin`, `supervisor` or `wallboard` (read-only wallboard feed).
 */
function tokens(env: Env): ApiToken[] {
  const out: ApiToken[] = [];
  if (env.ADMIN_TOKEN) out.push({ name: 'admin', token: env.ADMIN_TOKEN, role: 'admin' });
  for (const entry of list(env, 'API_TOKENS', [])) {
    const [name, role, ...rest] = entry.split(':');
    const token = rest.join(':');
    if (!name || !token || (role !== 'admin' && role !== 'supervisor' && role !== 'wallboard')) {
      throw new ConfigError(`API_TOKENS entry ${JSON.stringify(name ?? entry)} must be name:admin|supervisor|wallboard:token`);
    }
    out.push({ name, token, role });
  }
  for (const t of out) if (t.token.length < 8) throw new ConfigError(`token ${t.name} is shorter than 8 characters`);
  return withQueueScopes(env, out);
}

/**
 * `TOKEN_QUEUES=name=q1@d|q2@d,name2=q3@d`: limits a named token to those queues
 * (the supervisor console and its actions never show or touch anything outside).
 */
function withQueueScopes(env: Env, tokens: ApiToken[]): ApiToken[] {
  const scopes = new Map<string, string[]>();
  for (const entry of list(env, 'TOKEN_QUEUES', [])) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq);
    const queues = entry.slice(eq + 1).split('|').map((q) => q.trim()).filter(Boolean);
    if (eq <= 0 || queues.length === 0 || queues.some((q) => !/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}@[A-Za-z0-9.-]{1,190}$/.test(q))) {
      throw new ConfigError(`TOKEN_QUEUES entry ${JSON.stringify(entry)} must be name=queue@domain|queue@domain`);
    }
    if (!tokens.some((t) => t.name === name)) throw new ConfigError(`TOKEN_QUEUES names token ${JSON.stringify(name)}, which ADMIN_TOKEN/API_TOKENS do not define`);
    scopes.set(name, queues);
  }
  return tokens.map((t) => {
    const queues = scopes.get(t.name);
    return queues ? { ...t, queues } : t;
  });
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

function outbound(env: Env): OutboundConfig {
  try {
    return outboundConfig(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function scale(env: Env): ScaleConfig {
  try {
    return loadScaleConfig(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function kpis(env: Env): KpiSettings {
  try {
    return kpiSettings(env);
  } catch (err) {
    if (err instanceof KpiConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

function xmlCurl(env: Env): NonNullable<Config['xmlCurl']> {
  const mode = env.XML_CURL || 'on';
  if (mode !== 'on' && mode !== 'off') throw new ConfigError(`XML_CURL must be on or off, got ${JSON.stringify(mode)}`);
  const user = env.XML_CURL_USER || DEFAULTS.xmlCurlUser;
  // The switch sends `gateway-credentials` as user:password: a colon in the user would split it elsewhere.
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(user)) throw new ConfigError('XML_CURL_USER must be 1 to 64 letters, digits, _ . -');
  const password = env.XML_CURL_PASSWORD ?? DEFAULTS.xmlCurlPassword;
  if (password.length < 4 || /[\s"<>&]/.test(password)) throw new ConfigError('XML_CURL_PASSWORD must be at least 4 characters without spaces, quotes, < > or &');
  return { enabled: mode === 'on', host: env.XML_CURL_HOST || DEFAULTS.xmlCurlHost, port: int(env, 'XML_CURL_PORT', DEFAULTS.xmlCurlPort, 0, 65535), user, password };
}

export function loadConfig(env: Env = process.env): Config {
  const switches = parseSwitches(env.ESL_HOSTS, { host: env.ESL_HOST || DEFAULTS.eslHost, port: int(env, 'ESL_PORT', DEFAULTS.eslPort, 1, 65535) }, (m) => new ConfigError(m));
  return {
    esl: {
      host: switches[0]!.host,
      port: switches[0]!.port,
      switches,
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
    outbound: outbound(env),
    kpis: kpis(env),
    scale: scale(env),
    aftercall: loadAftercallConfig(env, (m) => new ConfigError(m)),
    xmlCurl: xmlCurl(env),
    controls: controlsConfig(env),
  };
}
