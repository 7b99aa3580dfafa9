import type { EslLink } from '../esl/link.js';
import type { CallCenter } from '../callcenter/service.js';
import type { ViewReader } from '../callcenter/state.js';
import type { Logger } from '../log.js';
import type { CallModel, ChannelOutcome, ListedMember } from './model.js';
import { parseShowCalls } from './snapshot.js';

export interface FollowOptions {
  readonly logger: Logger;
  /** Each channel event's outcome (the gateway counts them). */
  readonly onChannelEvent?: (outcome: ChannelOutcome) => void;
  /** A rebuild failed (it is logged; the gateway counts it). */
  readonly onRebuildFailed?: (err: Error) => void;
}

/**
 * Feeds the call model from the link: every event in wire order, and a rebuild
 * from `show calls as json` plus the callcenter view's members and agents once
 * the view has been resynced after each (re)connect. The reply is applied in
 * its read callback, so events that follow it on the wire apply on top of it.
 */
export function followCalls(client: EslLink, callCenter: CallCenter, view: ViewReader, model: CallModel, opts: FollowOptions): void {
  client.on('event', (e) => {
    const outcome = model.ingest(e);
    if (outcome) opts.onChannelEvent?.(outcome);
  });
  callCenter.on('ready', () => {
    client
      .api('show calls as json', {
        onReply: (body) => model.rebuild(listedMembers(view), parseShowCalls(body)),
      })
      .then(
        () => opts.logger.debug({ calls: model.size }, 'call model rebuilt'),
        (err: Error) => {
          opts.logger.warn({ err: err.message }, 'call model rebuild failed; it follows events until the next connect');
          opts.onRebuildFailed?.(err);
        },
      );
  });
}

/** Members of every queue with the leg of the agent serving them (the agent list's `uuid` column). */
export function listedMembers(view: ViewReader): ListedMember[] {
  const out: ListedMember[] = [];
  for (const m of view.members.values()) {
    out.push({
      queue: m.queue,
      uuid: m.uuid,
      sessionUuid: m.sessionUuid,
      cidNumber: m.cidNumber,
      cidName: m.cidName,
      state: m.state,
      servingAgent: m.servingAgent,
      agentUuid: m.servingAgent ? (view.agents.get(m.servingAgent)?.uuid ?? '') : '',
    });
  }
  return out;
}
