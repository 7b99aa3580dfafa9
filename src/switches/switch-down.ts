import type { CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { CallsReader, CallView } from '../calls/types.js';
import type { Logger } from '../log.js';
import type { SwitchSet } from './switch-set.js';

/** Tier states mod_callcenter sets for an offer or a call, and puts back to Ready when it ends. */
const BUSY_TIERS = new Set(['Offering', 'Active Inbound', 'Standby']);

/** What shows a call to its agent's pages (AgentDesk.callGone). */
export interface CallPages {
  callGone(call: CallView, switchId: string): void;
}

/**
 * A switch went down: its channels are gone with it, and no event will say so.
 * Its calls leave the call model and the view at the relist that follows (SwitchSet
 * emits `ready`); here, at once, their agents' pages are told (call.ended,
 * cause SWITCH_DOWN), and the agents are freed (below).
 *
 * Agents and tiers are rows every switch shares: when a switch dies, the rows of
 * the agents it was offering a call to or had bridged keep saying `Receiving` /
 * `In a queue call` (and their tiers Offering / Active Inbound / Standby), and no
 * other switch offers them anything. Nobody else will put them back (the dead box
 * would, at its next start), so the gateway does it on a switch that is up:
 * agent state Waiting, those tiers Ready.
 *
 * Only agents whose call the call model had on the dead switch, and only while
 * the view still shows the state that call left. A switch that is only cut off
 * from the gateway (its calls still up) would get its agents offered a second
 * call: the deployment keeps the gateway and the switches on one network.
 */
export function followSwitchDowns(set: SwitchSet, calls: CallsReader, view: ViewReader, callCenter: CallCenter, pages: CallPages, log: Logger): void {
  set.switches.on('down', (id, _err, channels) => {
    const gone = calls.list().filter((c) => channels.has(c.memberSessionUuid));
    for (const call of gone) pages.callGone(call, id);
    const orphans = gone.filter((c) => c.agent && (c.phase === 'bridged' || c.phase === 'offering'));
    for (const call of orphans) {
      const agent = call.agent!;
      const left = call.phase === 'bridged' ? 'In a queue call' : 'Receiving';
      void release(agent, left).catch((err: Error) => log.warn({ agent, switch: id, err: err.message }, 'could not free an agent whose call died with its switch'));
    }
  });

  async function release(agent: string, left: string): Promise<void> {
    const actor = { source: 'auto', id: 'switch-down', agent } as const;
    if (set.ready && view.agents.get(agent)?.state === left) {
      await callCenter.setAgentState(agent, 'Waiting', actor);
      log.info({ agent, was: left }, 'agent freed: its call died with its switch');
    }
    // Tier states change without events: read them from the database first.
    for (const tier of await callCenter.listTiers(actor)) {
      if (tier.agent === agent && BUSY_TIERS.has(tier.state)) await callCenter.updateTier(tier.queue, agent, { state: 'Ready' }, actor);
    }
  }
}
