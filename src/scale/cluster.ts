import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { AgentDesk } from '../realtime/desk.js';
import { SharedDeskStream } from '../realtime/desk-shared.js';
import { SharedPushStream } from '../realtime/shared-stream.js';
import type { DeskSockets } from '../realtime/ws-server.js';
import type { SessionStore } from '../store/sessions.js';
import { ClusterBus, FollowedAgents } from './bus.js';
import { PagePresence } from './presence.js';

/** WebSocket close code for a page whose sessions were revoked on some instance (the page's resume then gets BAD_TOKEN). */
export const REVOKED_CLOSE = 4001;

/**
 * The parts that let several gateway instances serve the same agents
 * (DESK_STREAM=redis): the shared push stream, the followed agents, and the
 * signals between instances. Built before the desk, started once the desk
 * sockets exist.
 */
export class Cluster {
  readonly shared: SharedDeskStream;
  private readonly bus: ClusterBus;
  private readonly followed: FollowedAgents;
  /** Where each agent's pages are, for the presence graces. */
  readonly presence: PagePresence;
  private readonly log: Logger;

  constructor(
    redis: Redis,
    config: Config,
    /** How long a desk session lives after its page's last sign of life. */
    sessionTtlS: number,
    logger: Logger,
  ) {
    this.log = logger.child({ part: 'cluster', instance: config.scale.instanceId });
    this.shared = new SharedDeskStream(new SharedPushStream(redis, config.keyPrefix, sessionTtlS * 1000, this.log), this.log);
    this.bus = new ClusterBus(redis, config.keyPrefix, config.scale.instanceId, this.log);
    this.followed = new FollowedAgents(redis, config.keyPrefix, sessionTtlS * 1000);
    this.presence = new PagePresence(redis, config.keyPrefix, config.scale.instanceId, this.log);
  }

  /** A page attached here: every instance follows the agent from now on. */
  attached(agent: string): void {
    this.presence.attached(agent);
    const fail = (err: Error) => this.log.warn({ agent, err: err.message }, 'could not tell the other instances to follow an agent');
    this.followed.attached(agent).catch(fail);
    this.bus.publish({ kind: 'follow', agent }).catch(fail);
  }

  /** Session store whose revokeAgent also closes the agent's pages on every instance. */
  sessions(inner: SessionStore): SessionStore {
    return {
      issue: (a, t) => inner.issue(a, t),
      agentOf: (t) => inner.agentOf(t),
      touch: (t, s) => inner.touch(t, s),
      revoke: (t) => inner.revoke(t),
      revokeAgent: async (agent) => {
        await inner.revokeAgent(agent);
        await this.bus.publish({ kind: 'revoke', agent }).catch((err: Error) => this.log.warn({ agent, err: err.message }, 'could not signal a revoke; pages elsewhere close at their next resume'));
      },
    };
  }

  async start(desk: AgentDesk, sockets: DeskSockets): Promise<void> {
    this.bus.on((s, fromSelf) => {
      if (s.kind === 'follow') {
        if (!fromSelf) desk.follow(s.agent);
      } else {
        const n = sockets.closeAgent(s.agent, REVOKED_CLOSE, 'session revoked');
        if (n) this.log.info({ agent: s.agent, pages: n }, 'closed the pages of a revoked agent');
      }
    });
    this.presence.start(desk);
    await this.bus.start();
    const agents = await this.followed.recent().catch((err: Error) => {
      this.log.warn({ err: err.message }, 'could not read the followed agents; following those that attach from now on');
      return [];
    });
    for (const a of agents) desk.follow(a);
  }

  stop(): void {
    this.presence.stop();
    this.bus.stop();
  }
}
