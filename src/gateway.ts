import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { EslClient } from './esl/client.js';
import { CallCenter } from './callcenter/service.js';
import { StateView, type ViewReader } from './callcenter/state.js';
import type { Logger } from './log.js';
import { GatewayMetrics } from './metrics.js';
import { buildHttpApp } from './http/app.js';
import { AuditLog } from './store/audit.js';
import { createRedis } from './store/redis.js';
import { redisCallerStore, type CallerStore } from './store/callers.js';
import { redisPasswordStore, type PasswordStore } from './store/passwords.js';
import { redisSessionStore, type SessionStore } from './store/sessions.js';
import { AgentDesk } from './realtime/desk.js';
import { PopCache } from './realtime/pops.js';
import { attachDeskWebSocket } from './realtime/ws-server.js';
import { CallModel } from './calls/model.js';
import { followCalls } from './calls/follow.js';
import { callSubscription } from './calls/subscription.js';
import type { CallsReader } from './calls/types.js';
import { CallRecords } from './records/service.js';
import { CallControls } from './calls/controls/controls.js';
import { pushControlOutcomes } from './realtime/desk-controls.js';

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly callCenter: CallCenter;
  /** Read-only: written by the callcenter domain alone. */
  readonly view: ViewReader;
  /** The live call model (read-only outside src/calls). */
  readonly calls: CallsReader;
  readonly desk: AgentDesk;
  readonly metrics: GatewayMetrics;
  readonly redis: Redis | null;
  readonly passwords: PasswordStore;
  readonly callers: CallerStore;
  /** Call records (null when CALL_RECORDS=off). */
  readonly records: CallRecords | null;
  /** Call controls (hang up, hold, mute, DTMF, transfer): for the desk, REST and the supervisor console. */
  readonly controls: CallControls;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Demo only: stores kept in this process when no Redis answers. */
  readonly stores?: { callers: CallerStore; passwords: PasswordStore; sessions: SessionStore };
  readonly resyncIntervalMs?: number;
  readonly eslBackoff?: { initialMs?: number; maxMs?: number };
  /** A second ESL connection for bulk reads (default true; false: everything on one, for the bench's comparison). */
  readonly bulkConnection?: boolean;
  /** Tests: call-record writer batching and retry timings. */
  readonly recordsTiming?: { lingerMs?: number; retryMaxMs?: number };
}

const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

/** The composition root: builds every part with plain factories and wires them together. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config, logger } = opts;
  const metrics = new GatewayMetrics();
  const redisError = () => metrics.redisErrors.inc();

  const subscription = callSubscription(config.esl.events);
  const client = new EslClient({
    host: config.esl.host,
    port: config.esl.port,
    password: config.esl.password,
    commandTimeoutMs: config.esl.commandTimeoutMs,
    format: 'plain',
    events: subscription.events,
    filters: subscription.filters,
    customSubclasses: ['callcenter::info'],
    ...(opts.eslBackoff ? { backoff: opts.eslBackoff } : {}),
    logger: logger.child({ part: 'esl' }),
  });
  // Bulk reads (resync lists) on a connection of their own, subscribed to nothing:
  // a long list never holds a command or the event stream behind it.
  const bulk = opts.bulkConnection === false ? null : new EslClient({
    host: config.esl.host,
    port: config.esl.port,
    password: config.esl.password,
    commandTimeoutMs: config.esl.commandTimeoutMs,
    ...(opts.eslBackoff ? { backoff: opts.eslBackoff } : {}),
    logger: logger.child({ part: 'esl-bulk' }),
  });
  const view = new StateView();
  const callCenter = new CallCenter(client, view, { logger: logger.child({ part: 'callcenter' }), resyncIntervalMs: opts.resyncIntervalMs ?? 30_000, ...(bulk ? { bulk } : {}) });
  const calls = new CallModel();
  followCalls(client, callCenter, view, calls, {
    logger: logger.child({ part: 'calls' }),
    onChannelEvent: (outcome) => metrics.channelEvents.inc({ outcome }),
    onRebuildFailed: () => metrics.callRebuildFailures.inc(),
  });

  let redis: Redis | null = null;
  let stores = opts.stores;
  let audit: AuditLog | null = null;
  if (!stores) {
    redis = createRedis(config.redisUrl, logger.child({ part: 'redis' }), redisError);
    await redis.connect().catch((err: Error) => logger.warn({ err: err.message }, 'Redis not reachable at start; retrying in the background'));
    stores = {
      callers: redisCallerStore(redis, config.callerKeyPrefix, config.callerTtlS),
      passwords: redisPasswordStore(redis, config.keyPrefix),
      sessions: redisSessionStore(redis, config.keyPrefix),
    };
    audit = new AuditLog(redis, `${config.keyPrefix}audit`, config.auditMaxLen, redisError);
    const a = audit;
    callCenter.on('command', (r) => a.record(r));
  }
  // The link classifies every reply: ok, error (-ERR), timeout, link_down.
  for (const link of bulk ? [client, bulk] : [client]) {
    link.on('command', (o) => {
      metrics.commands.inc({ outcome: o.outcome });
      metrics.commandSeconds.observe(o.latencyMs / 1000);
    });
  }
  client.on('ready', () => {
    metrics.eslUp.set(1);
    metrics.eslReconnects.set(client.linkState().reconnects);
  });
  client.on('down', () => metrics.eslUp.set(0));
  bulk?.on('ready', () => metrics.eslBulkUp.set(1));
  bulk?.on('down', () => metrics.eslBulkUp.set(0));
  callCenter.on('resyncFailed', (_err, trigger) => metrics.resyncFailures.inc({ trigger }));

  callCenter.on('ready', () => {
    const missing = config.queues.filter((q) => !view.queues.has(q));
    if (missing.length) logger.warn({ missing, loaded: [...view.queues.keys()] }, 'queues named in QUEUES are not loaded in FreeSWITCH (check callcenter.conf.xml)');
  });

  // Opened and migrated in the background: calls and pages never wait for the records database.
  const records = config.records.enabled
    ? new CallRecords(callCenter, view, {
        databaseUrl: config.records.databaseUrl,
        pgliteDataDir: config.records.pgliteDataDir,
        retentionDays: config.records.retentionDays,
        registry: metrics.registry,
        logger: logger.child({ part: 'records' }),
        ...opts.recordsTiming,
      })
    : null;
  if (records && !config.records.databaseUrl) {
    // The embedded database compiles and starts on this thread (seconds of CPU): done before the gateway
    // listens or connects, so that no desk or ESL traffic stalls behind it (bounded: a broken data dir must not stop the gateway).
    await Promise.race([records.start(), new Promise((r) => setTimeout(r, 60_000).unref())]);
  } else {
    void records?.start();
  }

  // After followCalls: the call model applies each event before the controls read it.
  const auditLog = audit;
  const controls = new CallControls({ client, calls, view, config: config.controls, logger: logger.child({ part: 'controls' }), ...(auditLog ? { onCommand: (r) => auditLog.record(r) } : {}) });

  const pops = new PopCache(stores.callers, redisError);
  const desk = new AgentDesk(
    callCenter,
    view,
    pops,
    metrics,
    { calls, breakReasons: config.breakReasons, awayGraceMs: config.agentAwayGraceS * 1000, logoutGraceMs: config.agentLogoutGraceS * 1000 },
    logger,
  );
  pushControlOutcomes(controls, desk);

  const app = await buildHttpApp({ config, callCenter, view, calls, controls, callers: stores.callers, passwords: stores.passwords, sessions: stores.sessions, audit, redis, metrics, logger, webRoot: WEB_ROOT, records });
  const ws = attachDeskWebSocket(
    app.server,
    { desk, callCenter, view, passwords: stores.passwords, sessions: stores.sessions, metrics, logger, controls },
    { pingMs: config.wsPingMs, logoutGraceS: config.agentLogoutGraceS },
  );
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  bulk?.start();
  client.start();

  return {
    url: `http://${config.http.host}:${port}`,
    port,
    callCenter,
    view,
    calls,
    desk,
    metrics,
    redis,
    passwords: stores.passwords,
    callers: stores.callers,
    records,
    controls,
    async stop() {
      await ws.close();
      controls.close();
      await app.close();
      desk.close();
      callCenter.close();
      await Promise.all([client.stop(), bulk?.stop()]);
      await records?.stop();
      if (redis) redis.disconnect();
    },
  };
}
