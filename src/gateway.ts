import { fileURLToPath } from 'node:url';
import promClient from 'prom-client';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { EslClient } from './esl/client.js';
import type { EslLink } from './esl/link.js';
import { SwitchSet, type SwitchLinks, type SwitchState } from './switches/switch-set.js';
import { followSwitchDowns } from './switches/switch-down.js';
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
import { OutboundDialer } from './outbound/service.js';
import { OUTBOUND_FILTERS } from './outbound/lifecycle.js';
import { memoryDialRateLimiter, redisDialRateLimiter } from './outbound/rate-limit.js';
import { pushOutboundStates } from './realtime/ws-outbound.js';
import { KpiEngine } from './kpis/engine.js';
import type { KpiReader } from './kpis/types.js';
import { Cluster } from './scale/cluster.js';
import { Drain } from './scale/drain.js';
import { AfterCallWork } from './aftercall/after-call.js';
import { DispositionStore } from './aftercall/disposition-store.js';
import { AfterCallState } from './aftercall/acw-state.js';
import { WrapUpControl } from './aftercall/wrap-up.js';
import { AgentIdAnnouncer } from './aftercall/announce.js';
import { tokenResolver } from './http/auth.js';
import { attachSupervisorWebSocket } from './realtime/supervisor-ws.js';
import { SupervisorActions } from './supervisor/actions.js';
import { SupervisorHub } from './supervisor/hub.js';
import { kpisOf } from './supervisor/kpis.js';
import { EslSupervisorSwitch } from './supervisor/switch-commands.js';
import { QueueStore } from './queues/store.js';
import { QueueAdmin } from './queues/admin.js';
import { XmlCurlEndpoint } from './queues/xml-curl-endpoint.js';
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
  /** Outbound calls (null when CALL_RECORDS=off: the actions live in the records database). */
  readonly outbound: OutboundDialer | null;
  /** Live and historical KPIs (null when call records are off). */
  readonly kpis: KpiReader | null;
  /** Draining for a deploy: not ready, desk sockets closed with 1012 so their pages move to another instance. */
  readonly drain: Drain;
  /** Queues over REST (null when XML_CURL=off or CALL_RECORDS=off). */
  readonly queueAdmin: QueueAdmin | null;
  /** The port mod_xml_curl is answered on (null: off). */
  readonly xmlCurlPort: number | null;
  /** Call controls (hang up, hold, mute, DTMF, transfer): for the desk, REST and the supervisor console. */
  readonly controls: CallControls;
  /** Every switch's link, in ESL_HOSTS order (one entry with one switch). */
  switches(): SwitchState[];
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
  /** Tests: KPI change coalescing and waiting-sample period (ms). */
  readonly kpiTiming?: { coalesceMs?: number; sampleMs?: number };
}

const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

/** The composition root: builds every part with plain factories and wires them together. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config, logger } = opts;
  const metrics = new GatewayMetrics();
  const redisError = () => metrics.redisErrors.inc();

  const subscription = callSubscription(config.esl.events);
  // Several switches (ESL_HOSTS): two links to each, events stamped with the switch id, and a router (src/switches/).
  const several = config.esl.switches.length > 1;
  const switchLinks: SwitchLinks[] = config.esl.switches.map((s) => ({
    id: s.id,
    main: new EslClient({
      host: s.host,
      port: s.port,
      password: config.esl.password,
      commandTimeoutMs: config.esl.commandTimeoutMs,
      format: 'plain',
      events: subscription.events,
      // The legs of outbound calls carry cc_outbound=true (src/outbound/originate.ts).
      filters: [...subscription.filters, ...OUTBOUND_FILTERS],
      customSubclasses: ['callcenter::info'],
      ...(opts.eslBackoff ? { backoff: opts.eslBackoff } : {}),
      ...(several ? { switchId: s.id } : {}),
      logger: logger.child(several ? { part: 'esl', switch: s.id } : { part: 'esl' }),
    }),
    // Bulk reads (resync lists) on a connection of their own, subscribed to nothing:
    // a long list never holds a command or the event stream behind it.
    bulk: opts.bulkConnection === false ? null : new EslClient({
      host: s.host,
      port: s.port,
      password: config.esl.password,
      commandTimeoutMs: config.esl.commandTimeoutMs,
      ...(opts.eslBackoff ? { backoff: opts.eslBackoff } : {}),
      logger: logger.child(several ? { part: 'esl-bulk', switch: s.id } : { part: 'esl-bulk' }),
    }),
  }));
  const switchSet = several ? new SwitchSet(switchLinks, logger.child({ part: 'switches' })) : null;
  const only = switchLinks[0]!;
  const client: EslLink = switchSet ?? only.main;
  const bulk: EslLink | null = switchSet ? switchSet.bulk : only.bulk;
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
  const switchUp = new promClient.Gauge({ name: 'cc_esl_switch_up', help: '1 while the ESL link to this switch (ESL_HOSTS id) is up', labelNames: ['switch'], registers: [metrics.registry] });
  const bulkUp = () => metrics.eslBulkUp.set(switchLinks.some((l) => l.bulk?.ready) ? 1 : 0);
  for (const l of switchLinks) {
    l.main.on('ready', () => switchUp.set({ switch: l.id }, 1));
    l.main.on('down', () => switchUp.set({ switch: l.id }, 0));
    l.bulk?.on('ready', bulkUp);
    l.bulk?.on('down', bulkUp);
  }
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
        // Ended calls wait in Redis while the database is down: a restart meanwhile loses none.
        spool: redis && config.records.spoolMax > 0 ? { redis, keyPrefix: config.keyPrefix, max: config.records.spoolMax } : null,
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

  const outboundLimits = { perMinute: config.outbound.ratePerMinute, perHour: config.outbound.ratePerHour };
  const outbound = records
    ? new OutboundDialer({
        client,
        view,
        pool: () => records.databasePool,
        databaseReady: records.start(),
        limiter: redis ? redisDialRateLimiter(redis, config.keyPrefix, outboundLimits) : memoryDialRateLimiter(outboundLimits),
        config: config.outbound,
        audit: (r) => audit?.record(r),
        logger: logger.child({ part: 'outbound' }),
      })
    : null;

  // KPIs count the calls the records tracker finishes; they need the records database for history.
  // The seed waits for the spool an earlier process left: those calls count in a restarted instance too.
  const kpis = records ? new KpiEngine(records.tracker, view, { start: () => records.settled(), reportPool: () => records.reportPool() }, { settings: config.kpis, logger: logger.child({ part: 'kpis' }), ...opts.kpiTiming }) : null;
  kpis?.start();
  // Several instances (DESK_STREAM=redis): pushes numbered in Redis, agents followed everywhere, signals over pub/sub.
  const cluster = config.scale.deskStream === 'redis' && redis ? new Cluster(redis, config, config.agentLogoutGraceS + 3600, logger) : null;
  if (config.scale.deskStream === 'redis' && !redis) logger.warn('DESK_STREAM=redis without Redis (demo stores): the desk keeps its pushes in this process');
  const sessions = cluster ? cluster.sessions(stores.sessions) : stores.sessions;
  const drain = new Drain();
  // Queues over REST: stored with the records, served to the switch by mod_xml_curl on a listener of its own.
  const queueStore = records && config.xmlCurl?.enabled ? new QueueStore(() => records.databasePool) : null;
  const queueAdmin = queueStore ? new QueueAdmin(queueStore, callCenter, view, logger.child({ part: 'queues' })) : null;
  let xmlCurl: XmlCurlEndpoint | null = null;
  let xmlCurlPort: number | null = null;
  if (queueStore && queueAdmin && config.xmlCurl) {
    const answers = new promClient.Counter({ name: 'cc_xml_curl_requests_total', help: 'mod_xml_curl lookups answered, by outcome (served, not_found, unauthorized, unavailable, bad_request)', labelNames: ['outcome'], registers: [metrics.registry] });
    xmlCurl = new XmlCurlEndpoint(queueStore, { ...config.xmlCurl, logger: logger.child({ part: 'xml-curl' }), onAnswer: (outcome) => answers.inc({ outcome }) });
    // Not fatal: calls and desks do not depend on it. The switch then falls back to its files,
    // and a queue change over REST is refused by the switch and reported (SWITCH_REFUSED).
    xmlCurlPort = await xmlCurl.listen().catch((err: Error) => {
      logger.error({ err: err.message, host: config.xmlCurl?.host, port: config.xmlCurl?.port }, 'xml_curl listener could not start: the switch cannot fetch the gateway\'s queues');
      return null;
    });
    const loadDefinitions = () =>
      queueStore.load().then(
        () => (callCenter.ready ? queueAdmin.loadMissing() : 0),
        (err: Error) => logger.warn({ err: err.message }, 'queue definitions could not be read'),
      );
    void records?.start().then(loadDefinitions);
    callCenter.on('ready', () => void loadDefinitions());
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
    {
      calls,
      breakReasons: config.breakReasons,
      awayGraceMs: config.agentAwayGraceS * 1000,
      logoutGraceMs: config.agentLogoutGraceS * 1000,
      ...(cluster ? { shared: cluster.shared, onAttach: (agent: string) => cluster.attached(agent), presenceOnce: cluster.presence.once } : {}),
    },
    logger,
  );
  pushControlOutcomes(controls, desk);
  // Several switches: a dead switch's calls end on the pages, its agents are freed in the shared rows.
  if (switchSet) followSwitchDowns(switchSet, calls, view, callCenter, desk, logger.child({ part: 'switches' }));

  // After-call work: dispositions in Redis (and with the call records when they are on), wrap-up overrides.
  const dispositions = new DispositionStore(redis, records ? { pool: () => records.databasePool } : null, {
    keyPrefix: config.keyPrefix,
    ttlS: config.aftercall.dispositionTtlS,
    logger: logger.child({ part: 'dispositions' }),
  });
  if (records) void records.start().then(() => dispositions.flush());
  const wrapUp = new WrapUpControl(callCenter, view, redis, { keyPrefix: config.keyPrefix, logger: logger.child({ part: 'wrap-up' }) });
  const acwState = new AfterCallState(redis, { keyPrefix: config.keyPrefix, instanceId: config.scale.instanceId, logger: logger.child({ part: 'after-call' }) });
  const aftercall = new AfterCallWork(callCenter, view, desk, dispositions, wrapUp, config.aftercall, acwState, logger);
  // Before the gateway listens and connects: a page that reconnects after a restart finds its after-call work.
  await aftercall.recover().catch((err: Error) => logger.warn({ err: err.message }, 'after-call state could not be read from Redis; pending next statuses are read again at each call end'));
  const announcer = new AgentIdAnnouncer(callCenter, calls, config.aftercall, logger.child({ part: 'announce' }));

  if (outbound) pushOutboundStates(outbound, desk);
  const switches = switchSet ? () => switchSet.states() : undefined;
  const app = await buildHttpApp({ config, callCenter, view, calls, controls, callers: stores.callers, passwords: stores.passwords, sessions, audit, redis, metrics, logger, webRoot: WEB_ROOT, records, outbound, kpis, drain, queueAdmin, ...(switches ? { switches } : {}) });
  const ws = attachDeskWebSocket(
    app.server,
    { desk, callCenter, view, passwords: stores.passwords, sessions, metrics, logger, outbound, aftercall, controls },
    { pingMs: config.wsPingMs, logoutGraceS: config.agentLogoutGraceS },
  );
  drain.bind(ws);
  await cluster?.start(desk, ws);
  // Supervisor console: live model + actions over /supervisor/ws.
  const supervisorHub = new SupervisorHub({
    view,
    calls,
    switchConnected: () => callCenter.ready,
    pop: (memberUuid) => pops.get(memberUuid),
    breakReason: (agent) => desk.channel(agent)?.breakReason ?? null,
    ...(kpis ? { kpis: kpisOf(kpis) } : {}),
  });
  kpis?.on('change', () => supervisorHub.kpisChanged());
  callCenter.on('ready', () => supervisorHub.linkChanged());
  callCenter.on('down', () => supervisorHub.linkChanged());
  const supervisorSwitch = new EslSupervisorSwitch(client, (r) => audit?.record(r));
  const supervisorActions = new SupervisorActions({ callCenter, view, calls, switch: supervisorSwitch, controls, queuesOfAgent: (a) => supervisorHub.queuesOfAgent(a) });
  const supervisorWs = attachSupervisorWebSocket(app.server, { hub: supervisorHub, actions: supervisorActions, resolveToken: tokenResolver(config.tokens), logger }, { pingMs: config.wsPingMs });
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  for (const l of switchLinks) {
    l.bulk?.start();
    l.main.start();
  }

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
    outbound,
    kpis,
    drain,
    queueAdmin,
    xmlCurlPort,
    controls,
    switches: () => switchSet?.states() ?? [{ id: only.id, connected: only.main.ready, link: only.main.linkState() }],
    async stop() {
      await ws.close();
      await supervisorWs.close();
      supervisorHub.close();
      controls.close();
      await app.close();
      await xmlCurl?.close();
      desk.close();
      outbound?.close();
      aftercall.close();
      announcer.close();
      wrapUp.close();
      dispositions.close();
      callCenter.close();
      await Promise.all(switchLinks.flatMap((l) => (l.bulk ? [l.main.stop(), l.bulk.stop()] : [l.main.stop()])));
      // The outbound actions' last state writes go before their database closes (bounded).
      if (outbound) await Promise.race([outbound.settled(), new Promise((r) => setTimeout(r, 3000).unref())]);

      kpis?.stop();
      await records?.stop();
      cluster?.stop();
      if (redis) redis.disconnect();
    },
  };
}
