import { actionView } from '../outbound/action.js';
import { DialRefusedError, type OutboundDialer } from '../outbound/service.js';
import type { AgentChannel, AgentDesk } from './desk.js';
import type { ClientMessage } from './protocol.js';
import { ClientError, type Connection } from './ws-connection.js';

type DialMessage = Extract<ClientMessage, { type: 'dial' }>;

/**
 * `dial` from a logged-in desk: always for the socket's own agent, with the
 * agent role's dial rules. Acknowledged once the action is stored and
 * claimed for sending (the ack carries it); a refusal is an `error` with the
 * dialer's code and nothing is dialled. Progress arrives as `outbound.state`.
 */
export async function dialCommand(dialer: OutboundDialer | null, c: Connection, ch: AgentChannel, m: DialMessage, id: string | number | null): Promise<void> {
  if (!dialer) throw new ClientError('OUTBOUND_UNAVAILABLE', 'outbound calls are not available (call records are turned off)');
  try {
    const { action } = await dialer.dial({
      agent: ch.agent,
      number: m.number,
      idempotencyKey: m.idempotencyKey,
      role: 'agent',
      actor: { source: 'agent-desk', id: ch.agent, agent: ch.agent },
    });
    c.check();
    c.reply({ type: 'ack', id, seq: ch.seq, action: actionView(action) });
  } catch (err) {
    if (err instanceof DialRefusedError) throw new ClientError(err.code === 'AGENT_NOT_FOUND' ? 'AGENT_NOT_FOUND' : err.code, err.message);
    throw err;
  }
}

/**
 * Every state change of an agent's action goes to that agent's pages (wherever the dial came from),
 * and every snapshot carries the agent's action in progress, so a reloaded page shows the dial.
 */
export function pushOutboundStates(dialer: OutboundDialer, desk: AgentDesk): void {
  desk.addSnapshotPart((agent) => {
    const open = dialer.openOf(agent);
    return { outbound: open ? actionView(open) : null };
  });
  dialer.on('state', (a) => {
    const ch = desk.channel(a.agent);
    if (ch) desk.push(ch, { type: 'outbound.state', action: actionView(a) }, null);
  });
}
