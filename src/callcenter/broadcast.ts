import { GrammarError } from './grammar.js';

/**
 * `uuid_broadcast <uuid> <path> aleg`: plays a sound to one leg (the agent-ID
 * announcement to the caller). mod_commands splits the arguments on spaces and
 * answers `+OK Message sent` whether or not the channel exists (it ignores
 * switch_ivr_broadcast's status), so the path must be one word and the
 * outcome is seen in the channel's events, not in the reply.
 */

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A file path or `file_string://a!b`: no spaces, quotes, `${…}` expansion or dial-string syntax. */
const SOUND = /^[A-Za-z0-9_./:!-]{1,256}$/;

export function channelUuid(value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new GrammarError('uuid', 'must be a channel UUID');
  return value;
}

export function soundPath(value: unknown): string {
  if (typeof value !== 'string' || !SOUND.test(value) || value.includes('..')) throw new GrammarError('sound', 'must be a sound path of letters, digits and _ . / : ! - (no spaces, no ..)');
  return value;
}

export const uuidBroadcast = (uuid: string, path: string, leg: 'aleg' | 'bleg' | 'both'): string => `uuid_broadcast ${channelUuid(uuid)} ${soundPath(path)} ${leg}`;
