import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Actor, CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { Logger } from '../log.js';
import type { GatewayMetrics } from '../metrics.js';
import type { AuditLog } from '../store/audit.js';
import type { CallerStore } from '../store/callers.js';
import type { PasswordStore } from '../store/passwords.js';
import type { SessionStore } from '../store/sessions.js';
import type { CallRecords } from '../records/service.js';
import type { FastifyRequest } from 'fastify';
import type { CallsReader } from '../calls/types.js';
import type { OutboundDialer } from '../outbound/service.js';
import type { KpiReader } from '../kpis/types.js';
import type { Drain } from '../scale/drain.js';
import type { QueueAdmin } from '../queues/admin.js';
import type { CallControls } from '../calls/controls/controls.js';

/** What the HTTP edge needs, handed in by the composition root. */
export interface HttpDeps {
  readonly config: Config;
  readonly callCenter: CallCenter;
  /** Read-only: the callcenter domain alone writes the view. */
  readonly view: ViewReader;
  /** The live call model, read-only. */
  readonly calls: CallsReader;
  readonly callers: CallerStore;
  readonly passwords: PasswordStore;
  readonly sessions: SessionStore;
  readonly audit: AuditLog | null;
  /** null in the demo's in-process fallback. */
  readonly redis: Redis | null;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly webRoot: string;
  /** Call records (null or absent: turned off). */
  readonly records?: CallRecords | null;
  /** Outbound calls (null or absent: not available). */
  readonly outbound?: OutboundDialer | null;
  /** KPIs (null or absent: call records turned off). */
  readonly kpis?: KpiReader | null;
  /** Draining for a deploy (src/scale/drain.ts); absent: never draining. */
  readonly drain?: Drain;
  /** Several switches (ESL_HOSTS): each one's link, in ESL_HOSTS order (/readyz); absent: one switch. */
  readonly switches?: () => ReadonlyArray<{ readonly id: string; readonly connected: boolean }>;
  /** Queues over REST (null or absent: off). */
  readonly queueAdmin?: QueueAdmin | null;
  /** Call controls for supervisors and CRMs (absent: those routes answer 503). */
  readonly controls?: CallControls;
}

export function actorOf(req: FastifyRequest, agent?: string): Actor {
  return { source: 'rest', id: req.principal?.name ?? 'anonymous', ...(agent ? { agent } : {}) };
}
