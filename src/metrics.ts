import client from 'prom-client';

/**
 * The gateway's own Prometheus metrics, in a registry per gateway instance
 * (several gateways can live in one test process). fastify-metrics adds the
 * HTTP route metrics and process metrics to the same registry.
 */
export class GatewayMetrics {
  readonly registry = new client.Registry();
  readonly eslUp = new client.Gauge({ name: 'cc_esl_link_up', help: '1 when the ESL link is authenticated and subscribed', registers: [this.registry] });
  readonly eslBulkUp = new client.Gauge({
    name: 'cc_esl_bulk_link_up',
    help: '1 when the bulk-read ESL connection is up; 0: lists go over the command link (see the esl-bulk log for why)',
    registers: [this.registry],
  });
  readonly offersHeld = new client.Counter({
    name: 'cc_offers_held_total',
    help: 'Offers that reached the gateway before their caller record and waited for it: outcome record (it came) or timeout (sent without it)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly eslReconnects = new client.Gauge({ name: 'cc_esl_reconnects', help: 'ESL reconnections since start', registers: [this.registry] });
  readonly commands = new client.Counter({
    name: 'cc_esl_commands_total',
    help: 'Commands sent to FreeSWITCH, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly commandSeconds = new client.Histogram({
    name: 'cc_esl_command_duration_seconds',
    help: 'Round trip of a command to FreeSWITCH',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly events = new client.Counter({ name: 'cc_events_total', help: 'callcenter::info events by CC-Action', labelNames: ['action'] as const, registers: [this.registry] });
  readonly resyncFailures = new client.Counter({
    name: 'cc_resync_failures_total',
    help: 'Resyncs with the switch that failed, by trigger (connect, unknown, periodic); the view may be stale meanwhile',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });
  readonly wsConnections = new client.Gauge({ name: 'cc_ws_connections', help: 'Open agent desk WebSockets', registers: [this.registry] });
  readonly wsMessages = new client.Counter({
    name: 'cc_ws_messages_total',
    help: 'Agent desk WebSocket messages',
    labelNames: ['direction', 'type'] as const,
    registers: [this.registry],
  });
  readonly wsDropped = new client.Counter({ name: 'cc_ws_dropped_total', help: 'Pushes dropped or sockets closed because a client could not keep up', registers: [this.registry] });
  /** The gateway's own part of a push's delay (observed once per push, when a page is connected). */
  readonly pushSeconds = new client.Histogram({
    name: 'cc_push_latency_seconds',
    help: 'From the ESL frame of an event read off the socket to its push handed to the agent page sockets, by push type',
    labelNames: ['type'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  /** Switch + ESL + gateway: the event's own Event-Date-Timestamp to the push (includes the switch's 20 ms listener poll). */
  readonly eventAgeSeconds = new client.Histogram({
    name: 'cc_event_age_seconds',
    help: "From the event's Event-Date-Timestamp to its push handed to the agent page sockets, by push type",
    labelNames: ['type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly channelEvents = new client.Counter({
    name: 'cc_channel_events_total',
    help: 'Channel events read by the call model: applied (a leg of ours) or dropped undecoded (another call; only its Unique-ID and cc_side were read)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly callRebuildFailures = new client.Counter({ name: 'cc_call_rebuild_failures_total', help: 'Call model rebuilds (show calls after a connect) that failed', registers: [this.registry] });
  readonly redisErrors = new client.Counter({ name: 'cc_redis_errors_total', help: 'Redis errors', registers: [this.registry] });
}
