import assert from 'node:assert/strict';
import type { DeskClient } from '../helpers/stack.js';
import { createAgent, desk, pushes, talk, type Ctx, type Scenario } from './scenarios.js';

/**
 * Call-control scenarios (src/calls/controls), run on the double and on the real switch by
 * controls.test.ts: every control from the desk WebSocket, acked only on the switch's confirmation.
 * What they return (ack or error code per control, the pushes) must be the same on both.
 */

/** Sends a control and records `type:ack` or `type:CODE`. */
function controlLog(d: DeskClient): { log: string[]; send(m: Record<string, unknown>): Promise<void> } {
  const log: string[] = [];
  return {
    log,
    async send(m) {
      const r = await d.request(m);
      log.push(`${String(m.type)}:${r.type === 'ack' ? 'ack' : r.code}`);
    },
  };
}

/** The agent's SIP phone answers; the agent is Ready on the desk; a caller is bridged to it. */
async function bridged(c: Ctx, name: string): Promise<{ d: DeskClient; memberUuid: string; data: Record<string, string> | null }> {
  await createAgent(c, await c.t.agentPhone('1001', true), { status: 'Available' });
  const d = await desk(c, true);
  await c.t.call({ name, digits: '4242#' });
  const offered = await d.next('call.offered', () => true, 30000);
  await d.next('call.bridged', () => true, 30000);
  await talk();
  return { d, memberUuid: offered.memberUuid, data: offered.data };
}

export const CONTROL_SCENARIOS: readonly Scenario[] = [
  {
    name: 'controls-hold-mute-dtmf-hangup',
    async run(c) {
      const { d, memberUuid } = await bridged(c, 'Holder');
      const ctl = controlLog(d);
      await ctl.send({ type: 'call.hold', memberUuid });
      assert.equal((await d.next('call.held', () => true, 15000)).held, true);
      await ctl.send({ type: 'call.hold' });
      await ctl.send({ type: 'call.unhold' });
      assert.equal((await d.next('call.held', () => true, 15000)).held, false);
      await ctl.send({ type: 'call.mute' });
      assert.equal((await d.next('call.muted', () => true, 15000)).muted, true);
      await ctl.send({ type: 'call.unmute' });
      assert.equal((await d.next('call.muted', () => true, 15000)).muted, false);
      await ctl.send({ type: 'call.dtmf', digits: '12#' });
      await ctl.send({ type: 'call.dtmf', digits: '1|2' });
      await ctl.send({ type: 'call.hangup', memberUuid });
      const ended = await d.next('call.ended', () => true, 30000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      await ctl.send({ type: 'call.hangup', memberUuid });
      await ctl.send({ type: 'call.hold' });
      d.close();
      return { controls: ctl.log, ended: { cause: ended.cause, hangupCause: ended.hangupCause }, pushes: pushes(d) };
    },
  },
  {
    // On the real switch 1002 is a registered phone the vanilla dialplan bridges to (Local_Extension);
    // the double parks the caller (DIFFERENCES.md). Either way the agent is released at once.
    name: 'controls-transfer-to-extension',
    async run(c) {
      await c.t.agentPhone('1002', true);
      const { d } = await bridged(c, 'Mover');
      const ctl = controlLog(d);
      await ctl.send({ type: 'call.transfer', kind: 'extension', to: '1002' });
      await d.next('call.ended', () => true, 30000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      const transferred = d.received.find((m) => m.type === 'call.transferred');
      d.close();
      return {
        controls: ctl.log,
        transferred: transferred?.type === 'call.transferred' ? { kind: transferred.kind, to: transferred.to } : null,
        // call.transferred and mod_callcenter's call.ended race (the order differs between the targets).
        pushes: pushes(d).filter((t) => t !== 'call.transferred'),
      };
    },
  },
  {
    // Back into a queue (the same one: the tier has one): the same channel re-enters with its
    // variables, so the next offer carries the same screen-pop data.
    name: 'controls-transfer-to-queue',
    async run(c) {
      const { d, memberUuid, data } = await bridged(c, 'Requeued');
      const ctl = controlLog(d);
      await ctl.send({ type: 'call.transfer', kind: 'queue', to: 'support@default' });
      const again = await d.next('call.offered', (m) => m.memberUuid !== memberUuid, 30000);
      await d.next('call.bridged', (m) => m.memberUuid === again.memberUuid, 30000);
      await talk();
      await ctl.send({ type: 'call.hangup', memberUuid: again.memberUuid });
      await d.next('call.ended', (m) => m.memberUuid === again.memberUuid, 30000);
      await c.rec.waitFor('member-queue-end', (e) => e.headers.get('CC-Member-UUID') === again.memberUuid, 15000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      d.close();
      assert.equal(again.data?.account_number, '4242');
      return { controls: ctl.log, sameData: JSON.stringify(again.data) === JSON.stringify(data), pushes: pushes(d).filter((t) => t !== 'call.transferred') };
    },
  },
];
