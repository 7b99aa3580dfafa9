import type { EslLink } from '../esl/link.js';
import { EslCommandError } from '../esl/errors.js';
import type { Actor, CommandRecord } from '../callcenter/service.js';
import * as cmd from './commands.js';
import type { EavesdropMode } from './protocol.js';

/**
 * What the supervisor console asks of the switch beyond callcenter_config. One
 * interface, so that the call hang-up can move to the controls helper's
 * CallControls without touching the console.
 */
export interface SupervisorSwitch {
  /** `callcenter_break agent <leg>`: ends a queue call mod_callcenter still thinks is up. */
  releaseAgent(agentLeg: string, actor: Actor): Promise<void>;
  /** Hangs up a queue call by its member leg. */
  hangupCall(memberLeg: string, actor: Actor): Promise<void>;
  /** Rings `phone` into an eavesdrop on the agent leg; resolves with the supervisor's leg once answered. */
  eavesdrop(phone: string, agentLeg: string, mode: EavesdropMode, actor: Actor): Promise<string>;
  /** Hangs up a supervisor leg. */
  hangupLeg(leg: string, actor: Actor): Promise<void>;
}

/** How long a supervisor's phone may ring before the eavesdrop is given up (the originate's own timeout is 60 s). */
const EAVESDROP_RING_MS = 65_000;

/**
 * Over the gateway's command link, each command recorded like the callcenter
 * domain's (same CommandRecord, same audit stream). Replies: `+OK` is success;
 * `callcenter_break` writes no output, which the switch reports as `-ERR no reply`:
 * that is its success (call-control-facts, 11 and 13).
 */
export class EslSupervisorSwitch implements SupervisorSwitch {
  constructor(
    private readonly client: EslLink,
    private readonly onCommand: (r: CommandRecord) => void,
  ) {}

  async releaseAgent(agentLeg: string, actor: Actor): Promise<void> {
    await this.run(cmd.breakAgent(agentLeg), actor, (reply) => reply === '-ERR no reply');
  }

  async hangupCall(memberLeg: string, actor: Actor): Promise<void> {
    await this.run(cmd.killChannel(memberLeg), actor);
  }

  async eavesdrop(phone: string, agentLeg: string, mode: EavesdropMode, actor: Actor): Promise<string> {
    const { leg, command } = cmd.eavesdropOriginate(phone, agentLeg, mode, 'Supervisor');
    await this.run(command, actor, undefined, true);
    return leg;
  }

  async hangupLeg(leg: string, actor: Actor): Promise<void> {
    await this.run(cmd.killChannel(leg), actor);
  }

  private async run(command: string, actor: Actor, okError?: (reply: string) => boolean, background = false): Promise<string> {
    const started = performance.now();
    const record = (ok: boolean, reply: string) =>
      this.onCommand({ at: Date.now(), actor, command, ok, reply: reply.length > 500 ? reply.slice(0, 500) + '…' : reply, latencyMs: performance.now() - started });
    try {
      const body = background ? await this.client.bgapi(command, { timeoutMs: EAVESDROP_RING_MS }) : await this.client.api(command);
      record(true, body.trim());
      return body;
    } catch (err) {
      if (err instanceof EslCommandError && okError?.(err.reply)) {
        record(true, err.reply);
        return err.reply;
      }
      record(false, err instanceof EslCommandError ? err.reply : (err as Error).message);
      throw err;
    }
  }
}
