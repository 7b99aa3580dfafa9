import type { CallcenterEvent } from '../callcenter/events.js';
import type { CallCenter } from '../callcenter/service.js';
import type { Logger } from '../log.js';
import type { AftercallConfig } from './config.js';

/**
 * Agent-ID announcement (issue 10 §5): in the queues that want it, when an
 * agent answers (bridge-agent-start), the caller's leg (CC-Member-Session-UUID,
 * the channel running `callcenter`) is sent `uuid_broadcast <leg> <file> aleg`:
 * the caller hears the agent's recording, the agent hears nothing of it (no
 * hold music on its side: `aleg` alone). The file is ANNOUNCE_AGENT_ID_FILE
 * with `{agent}` replaced by the agent ID (the part of the agent's name before
 * `@`); the README says how to supply the recordings. mod_callcenter has no such
 * announcement of its own.
 */
export class AgentIdAnnouncer {
  private readonly queues: ReadonlySet<string>;

  constructor(
    private readonly cc: CallCenter,
    private readonly config: AftercallConfig,
    private readonly log: Logger,
  ) {
    this.queues = new Set(config.announceQueues);
    if (this.queues.size > 0) cc.on('event', (e) => this.onEvent(e));
  }

  /** The sound for an agent: the template with its ID, or null when the ID cannot be part of a path. */
  fileFor(agent: string): string | null {
    const id = agent.split('@')[0] ?? '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
    return this.config.announceFile.split('{agent}').join(id);
  }

  private onEvent(e: CallcenterEvent): void {
    if (e.action !== 'bridge-agent-start' || !this.queues.has(e.queue)) return;
    const file = this.fileFor(e.agent);
    if (!file) {
      this.log.warn({ agent: e.agent }, 'agent ID cannot be announced (not letters, digits, _ or -)');
      return;
    }
    this.cc
      .broadcast(e.member.sessionUuid, file, 'aleg', { source: 'auto', id: 'announce-agent-id', agent: e.agent })
      .catch((err: Error) => this.log.warn({ agent: e.agent, memberSessionUuid: e.member.sessionUuid, err: err.message }, 'agent ID announcement not sent'));
  }
}
