import type { ClientMessage } from './protocol.js';
import { ClientError, type Connection, type DeskContext } from './ws-connection.js';
import type { AgentChannel } from './desk.js';

type StatusCommand = Extract<ClientMessage, { type: 'ready' | 'busy' | 'logout' }>;

/**
 * `ready`, `busy` and `logout` of a logged-in socket. They run one at a time per
 * agent across all its tabs (AgentDesk.serialize): `busy` sets the break reason
 * before asking the switch and puts the previous one back if the switch refuses,
 * which must not undo another tab's reason set meanwhile.
 */
export async function statusCommand(ctx: DeskContext, c: Connection, ch: AgentChannel, m: StatusCommand, id: string | number | null): Promise<void> {
  await ctx.desk.serialize(ch, async () => {
    c.check();
    await run(ctx, c, ch, m, id);
  });
}

async function run(ctx: DeskContext, c: Connection, ch: AgentChannel, m: StatusCommand, id: string | number | null): Promise<void> {
  const { desk, callCenter, view } = ctx;
  const actor = { source: 'agent-desk' as const, id: ch.agent, agent: ch.agent };
  switch (m.type) {
    case 'ready':
      await callCenter.setAgentStatus(ch.agent, 'Available', actor);
      break;
    case 'busy': {
      const reason = m.reason ?? desk.breakReasons[0] ?? 'break';
      if (!desk.breakReasons.includes(reason)) throw new ClientError('BAD_REASON', `reason must be one of: ${desk.breakReasons.join(', ')}`);
      const before = ch.breakReason;
      // From another status, the switch's status change carries the reason to the pages
      // (it may come after the reply). Already on break, no change fires: tell them here.
      const wasOnBreak = view.agents.get(ch.agent)?.status === 'On Break';
      desk.setBreakReason(ch, reason);
      try {
        await callCenter.setAgentStatus(ch.agent, 'On Break', actor);
      } catch (err) {
        desk.setBreakReason(ch, before);
        throw err;
      }
      if (wasOnBreak && before !== reason) desk.push(ch, { type: 'agent.status', status: 'On Break', reason });
      break;
    }
    case 'logout': {
      await callCenter.setAgentStatus(ch.agent, 'Logged Out', actor);
      if (c.token) await ctx.sessions.revoke(c.token).catch((err: Error) => ctx.log.warn({ agent: ch.agent, err: err.message }, 'could not revoke the token at logout; it expires on its own'));
      await desk.settled(ch);
      c.reply({ type: 'ack', id, seq: ch.seq });
      // This socket speaks for nobody any more; the agent's other tabs keep their channel.
      desk.release(ch, c, false);
      c.channel = null;
      c.token = null;
      return;
    }
  }
  await desk.settled(ch);
  c.reply({ type: 'ack', id, seq: ch.seq });
}
