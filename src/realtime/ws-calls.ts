import type { Actor } from '../callcenter/service.js';
import type { CallControls, CallRef } from '../calls/controls/controls.js';
import { ControlError } from '../calls/controls/errors.js';
import type { AgentChannel } from './desk.js';
import type { CallControlMessage } from './protocol.js';
import { ClientError, type Connection } from './ws-connection.js';
import type { ViewReader } from '../callcenter/state.js';
import { inDirectory } from './directory.js';

/**
 * The desk's call controls (`call.hangup`, `call.hold`, … see protocol.ts): on
 * the logged-in agent's own current call only — the page names no channel, at
 * most the memberUuid it shows, which must still be the agent's call. The ack
 * goes out once the switch confirmed the control (CallControls waits for the
 * confirming event); a refusal is an `error` with the control's code.
 */
export async function callControl(controls: CallControls | null, view: ViewReader, c: Connection, ch: AgentChannel, m: CallControlMessage, id: string | number | null): Promise<void> {
  if (!controls) throw new ClientError('NOT_ALLOWED', 'call controls are not available on this gateway');
  // An agent target from the desk: one of the agent's own directory (a colleague of its queues), as the view has it now.
  if ((m.type === 'call.transfer' || m.type === 'call.consult') && m.kind === 'agent' && !inDirectory(view, ch.agent, m.to)) {
    throw new ClientError('BAD_TARGET', `${m.to} is not another agent of your queues`);
  }
  const actor: Actor = { source: 'agent-desk', id: ch.agent, agent: ch.agent };
  const ref: CallRef = m.memberUuid ? { agent: ch.agent, memberUuid: m.memberUuid } : { agent: ch.agent };
  try {
    switch (m.type) {
      case 'call.hangup':
        await controls.hangup(ref, actor);
        break;
      case 'call.hold':
      case 'call.unhold':
        await controls.hold(ref, m.type === 'call.hold', actor);
        break;
      case 'call.mute':
      case 'call.unmute':
        await controls.mute(ref, m.type === 'call.mute', actor);
        break;
      case 'call.dtmf':
        await controls.dtmf(ref, m.digits, actor);
        break;
      case 'call.transfer':
        await controls.transfer(ref, { kind: m.kind, to: m.to }, actor);
        break;
      case 'call.consult':
        await controls.consult(ref, { kind: m.kind, to: m.to }, actor);
        break;
      case 'call.consult.complete':
        await controls.consultComplete(ref, actor);
        break;
      case 'call.consult.cancel':
        await controls.consultCancel(ref, actor);
        break;
      case 'call.conference':
        await controls.conference(ref, actor);
        break;
    }
  } catch (err) {
    if (err instanceof ControlError) throw new ClientError(err.code, err.message);
    throw err;
  }
  c.check();
  c.reply({ type: 'ack', id, seq: ch.seq });
}
