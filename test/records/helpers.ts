import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { memoryCallerStore } from '../../src/store/callers.js';
import { memoryPasswordStore } from '../../src/store/passwords.js';
import { memorySessionStore } from '../../src/store/sessions.js';
import type { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { raw } from '../helpers/http.js';
import { waitFor } from '../helpers/stack.js';

export const ADMIN = 'records-admin-token-0123';
export const SUPERVISOR = 'records-supervisor-token-0123';
export const QUEUE = 'support@default';

export interface RecordsGateway {
  readonly gw: Gateway;
  api(path: string, token?: string | null): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/**
 * A gateway on `fs` with call records on `databaseUrl` (null: embedded PGlite).
 * Redis is not what these tests are about: the in-process stores stand in.
 */
export async function recordsGateway(fs: FreeSwitchDouble, databaseUrl: string | null, env: Record<string, string> = {}): Promise<RecordsGateway> {
  const config = loadConfig({
    ESL_PORT: String(fs.port),
    HTTP_PORT: '0',
    API_TOKENS: `boss:admin:${ADMIN},watcher:supervisor:${SUPERVISOR}`,
    RATE_LIMIT_PER_MINUTE: '100000',
    ESL_COMMAND_TIMEOUT_MS: '2000',
    // Several gateways per test: each answers mod_xml_curl on a port of its own.
    XML_CURL_PORT: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const logger = process.env.TEST_LOG ? createLogger('debug') : silentLogger();
  const gw = await startGateway({
    config,
    logger,
    stores: { callers: memoryCallerStore(), passwords: memoryPasswordStore(), sessions: memorySessionStore() },
    resyncIntervalMs: 0,
    eslBackoff: { initialMs: 20, maxMs: 200 },
    recordsTiming: { lingerMs: 5, retryMaxMs: 200 },
  });
  try {
    await waitFor(() => gw.callCenter.ready && gw.view.queues.size > 0, 'gateway connected and resynced');
    await waitFor(() => gw.records?.ready === true, 'call records database open', 60_000);
  } catch (err) {
    await gw.stop();
    throw err;
  }
  return {
    gw,
    async api(path, token = ADMIN) {
      return raw(gw.url, 'GET', path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    },
    stop: () => gw.stop(),
  };
}

/** An agent with a null/ phone (auto-answers after the double's ringMs), Available, in the queue. */
export async function availableAgent(g: RecordsGateway, name: string, settings: { rejectDelayTime?: number } = {}): Promise<void> {
  const actor = { source: 'demo' as const, id: 'test' };
  await g.gw.callCenter.createAgent({ name, contact: `null/agent-${name.split('@')[0]}`, status: 'Available', ...settings }, actor);
  await g.gw.callCenter.addTier(QUEUE, name, 1, 1, actor);
}

/** Waits until the history holds a record for `memberUuid` and returns it. */
export async function recordOf(g: RecordsGateway, memberUuid: string, timeoutMs = 10_000): Promise<any> {
  let body: any = null;
  await waitFor(
    async () => {
      const res = await g.api(`/api/calls/${memberUuid}`);
      body = res.body;
      return res.status === 200;
    },
    `call record of ${memberUuid} (last answer ${JSON.stringify(body)})`,
    timeoutMs,
  );
  return body;
}

export async function metricValue(g: RecordsGateway, name: string): Promise<number> {
  const text = await g.gw.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').pop()) : NaN;
}
