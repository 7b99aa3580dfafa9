import type { CallcenterEvent } from '../callcenter/events.js';
import type { CallCenter } from '../callcenter/service.js';
import type { CallsReader, CallView } from '../calls/types.js';
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
 *
 * Sent once the caller's leg is really bridged to the agent leg (its CHANNEL_BRIDGE in the
 * call model), not at bridge-agent-start: the real switch sends that event before its
 * uuid_bridge, and a broadcast queued on the caller's leg in that gap was lost with the
 * bridge (seen on 1.10.12 in about one call in five: no playback at all).
 */
/** How long an announcement waits for the caller's bridge after bridge-agent-start. */
const BRIDGE_WAIT_MS = 10_000;

export class AgentIdAnnouncer {
  private readonly queues: ReadonlySet<string>;

  /** Announcements waiting for their bridge, by the caller's leg. */
  private readonly pending = new Map<string, { agentLeg: string; file: string; agent: string; timer: NodeJS.Timeout }>();

  constructor(
    private readonly cc: CallCenter,
    private readonly calls: CallsReader,
    private readonly config: AftercallConfig,
    private readonly log: Logger,
  ) {
    this.queues = new Set(config.announceQueues);
    if (this.queues.size === 0) return;
    cc.on('event', (e) => this.onEvent(e));
    calls.on('call', (c) => this.onCall(c));
    calls.on('removed', (c) => this.drop(c.memberSessionUuid));
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
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
    const leg = e.member.sessionUuid;
    this.drop(leg);
    // A bridge that never comes (the caller hung up, the agent's phone failed) drops the announcement.
    const timer = setTimeout(() => this.drop(leg), BRIDGE_WAIT_MS);
    timer.unref();
    this.pending.set(leg, { agentLeg: e.agentUuid, file, agent: e.agent, timer });
    const now = this.calls.get(leg);
    if (now) this.onCall(now);
  }

  private onCall(c: CallView): void {
    const p = this.pending.get(c.memberSessionUuid);
    if (!p) return;
    const bridged = c.member?.bridgedTo === p.agentLeg || c.agentLeg?.bridgedTo === c.memberSessionUuid;
    if (!bridged) return;
    this.drop(c.memberSessionUuid);
    this.cc
      .broadcast(c.memberSessionUuid, p.file, 'aleg', { source: 'auto', id: 'announce-agent-id', agent: p.agent })
      .catch((err: Error) => this.log.warn({ agent: p.agent, memberSessionUuid: c.memberSessionUuid, err: err.message }, 'agent ID announcement not sent'));
  }

  private drop(leg: string): void {
    const p = this.pending.get(leg);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(leg);
  }
}
