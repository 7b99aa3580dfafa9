import { randomUUID } from 'node:crypto';
import { GrammarError } from '../callcenter/grammar.js';
import type { EavesdropMode } from './protocol.js';

/**
 * Pure builders for the switch commands the supervisor console sends (the text
 * after `api `/`bgapi `). Every value passes a strict grammar first: channel
 * uuids are exactly a UUID, the supervisor's phone is one directory user.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `user/<ext>` or `user/<ext>@<domain>`: a phone of the switch's own directory, nothing else (no variables, gateways or loopbacks). */
const PHONE = /^user\/[A-Za-z0-9_.+-]{1,64}(@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,190}))?$/;

export function channelUuid(field: string, value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new GrammarError(field, 'must be a channel uuid');
  return value.toLowerCase();
}

export function supervisorPhone(value: unknown): string {
  if (typeof value !== 'string' || !PHONE.test(value)) throw new GrammarError('phone', 'must be a phone of the switch directory: user/EXTENSION or user/EXTENSION@DOMAIN');
  return value;
}

/**
 * Which way the supervisor's voice goes, for an eavesdrop on the **agent's leg**
 * (switch_ivr_eavesdrop_session on the target channel; mod_dptools reads the variables):
 * `eavesdrop_whisper_bleg` mixes the supervisor into what is written to the target
 * channel, i.e. what the agent's phone plays (DTMF 2 "speak with the uuid");
 * `eavesdrop_whisper_aleg` mixes it into what the target channel reads, i.e. what goes
 * on to the caller (DTMF 1). Listen sets neither (DTMF 0), barge both (DTMF 3).
 */
export const EAVESDROP_VARIABLES: Readonly<Record<EavesdropMode, readonly string[]>> = {
  listen: [],
  whisper: ['eavesdrop_whisper_bleg=true'],
  barge: ['eavesdrop_whisper_aleg=true', 'eavesdrop_whisper_bleg=true'],
};

/** The DTMF digit that switches a running eavesdrop into each mode (eavesdrop_enable_dtmf). */
export const EAVESDROP_DTMF: Readonly<Record<EavesdropMode, string>> = { listen: '0', whisper: '2', barge: '3' };

export interface EavesdropCommand {
  /** The supervisor's leg (origination_uuid): chosen here so it can be hung up later. */
  readonly leg: string;
  readonly command: string;
}

/**
 * `originate {…}user/<ext> &eavesdrop(<agent leg>)`: rings the supervisor's phone and,
 * once answered, joins it to the agent's leg in the given mode. DTMF stays on, so the
 * supervisor can change mode from the phone's keypad.
 */
export function eavesdropOriginate(phone: string, agentLeg: string, mode: EavesdropMode, callerIdName: string, leg: string = randomUUID()): EavesdropCommand {
  const p = supervisorPhone(phone);
  const target = channelUuid('agentLeg', agentLeg);
  const own = channelUuid('leg', leg);
  if (!/^[A-Za-z0-9 _.@-]{1,40}$/.test(callerIdName)) throw new GrammarError('callerIdName', 'letters, digits, space and . _ @ - only');
  const vars = [
    `origination_uuid=${own}`,
    // Spaces would end the originate argument: FreeSWITCH takes the variable block up to the first space.
    `origination_caller_id_name=${callerIdName.replace(/ /g, '_')}`,
    'origination_caller_id_number=eavesdrop',
    'eavesdrop_enable_dtmf=true',
    ...EAVESDROP_VARIABLES[mode],
  ];
  return { leg: own, command: `originate {${vars.join(',')}}${p} &eavesdrop(${target})` };
}

export const breakAgent = (agentLeg: string): string => `callcenter_break agent ${channelUuid('agentLeg', agentLeg)}`;
export const killChannel = (uuid: string): string => `uuid_kill ${channelUuid('uuid', uuid)}`;
