import type { CallControls } from '../calls/controls/controls.js';
import type { AgentDesk } from './desk.js';

/**
 * What the switch confirmed about a control reaches the agent's pages, whoever
 * asked for it (the agent, a supervisor over REST): `call.muted` (kept in the
 * call the snapshot shows) and `call.transferred`. Hold needs nothing here: the
 * desk pushes `call.held` from the call model's CHANNEL_HOLD/UNHOLD.
 */
export function pushControlOutcomes(controls: CallControls, desk: AgentDesk): void {
  controls.on('muted', (call, muted) => {
    const ch = call.agent ? desk.channel(call.agent) : undefined;
    if (!ch?.call || ch.call.memberUuid !== call.memberUuid) return;
    ch.call = { ...ch.call, muted };
    desk.push(ch, { type: 'call.muted', queue: call.queue, memberUuid: call.memberUuid, muted }, null);
  });
  controls.on('consult', (call, state, target) => {
    const ch = call.agent ? desk.channel(call.agent) : undefined;
    if (!ch) return;
    desk.push(ch, { type: 'call.consult', queue: call.queue, memberUuid: call.memberUuid, state, kind: target.kind, to: target.to }, null);
  });
  controls.on('transferred', (call, target) => {
    const ch = call.agent ? desk.channel(call.agent) : undefined;
    if (!ch) return;
    desk.push(ch, { type: 'call.transferred', queue: call.queue, memberUuid: call.memberUuid, kind: target.kind, to: target.to }, null);
  });
}
