import type { ViewReader } from '../../callcenter/state.js';
import { ControlError } from './errors.js';
import { EXTENSION_PATTERN } from './grammar.js';

/** A directory phone as the agent's contact: `user/EXT` or `user/EXT@DOMAIN`, after any `{…}`/`[…]` variables. */
const DIRECTORY_PHONE = /^user\/([0-9]{2,10})(?:@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}))?$/;
const EXTENSION = new RegExp(EXTENSION_PATTERN);

/**
 * The extension an agent can be reached at, from its contact as the switch
 * holds it (the callcenter view), or null when the contact is not a directory
 * phone (a gateway, loopback, several endpoints): such an agent is not a
 * transfer target, since the transfer runs a dialplan extension.
 *
 * Read when the control runs, never from the page: a dynamic seat (`login`
 * with `contact`) moves the agent to another phone.
 */
export function agentExtension(contact: string): string | null {
  const endpoint = contact.replace(/^([[{][^\]}]*[\]}])+/, '');
  const ext = DIRECTORY_PHONE.exec(endpoint)?.[1];
  return ext !== undefined && EXTENSION.test(ext) ? ext : null;
}

/** The extension of a named agent, or BAD_TARGET (unknown agent, no directory phone). */
export function resolveAgent(view: ViewReader, name: string): string {
  const agent = view.agents.get(name);
  if (!agent) throw new ControlError('BAD_TARGET', `no agent ${name} on the switch`);
  const ext = agentExtension(agent.contact);
  if (ext === null) throw new ControlError('BAD_TARGET', `agent ${name} has no directory phone to transfer to`);
  return ext;
}
