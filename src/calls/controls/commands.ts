import { digits as checkDigits, legUuid } from './grammar.js';

/**
 * Pure builders for the switch commands behind the call controls (the text
 * after `api `), as recorded on FreeSWITCH 1.10.12 (fixtures 10-18 and the
 * controls real-switch test). Uuids come from the call model; other values
 * have passed grammar.ts.
 */

export const kill = (uuid: string): string => `uuid_kill ${legUuid(uuid)}`;
/** `+OK Success`; then CHANNEL_HOLD on the leg, and its partner plays the leg's `hold_music`. */
export const hold = (uuid: string): string => `uuid_hold ${legUuid(uuid)}`;
/** `+OK Success`, CHANNEL_UNHOLD; `-ERR Operation failed` on a leg not HELD (every loopback/null leg: 10b). */
export const unhold = (uuid: string): string => `uuid_hold off ${legUuid(uuid)}`;
export const setHoldMusic = (uuid: string, music: string): string => `uuid_setvar ${legUuid(uuid)} hold_music ${music}`;
/** A media bug that silences what the agent's phone sends: `+OK`, then MEDIA_BUG_START on the leg. */
export const mute = (uuid: string): string => `uuid_audio ${legUuid(uuid)} start read mute 1`;
/** Removes the bug: `+OK`, then MEDIA_BUG_STOP. */
export const unmute = (uuid: string): string => `uuid_audio ${legUuid(uuid)} stop`;
/** Sends out of the named leg (18): into the member leg = towards the caller. `+OK <uuid> sent DTMF <digits>.` */
export const sendDtmf = (uuid: string, digits: string): string => `uuid_send_dtmf ${legUuid(uuid)} ${checkDigits(digits)}`;
/** `uuid_transfer <uuid> <dest> XML <context>`: the caller runs that extension (11). */
export const transferXml = (uuid: string, destination: string, context: string): string => `uuid_transfer ${legUuid(uuid)} ${destination} XML ${context}`;
/** The caller re-enters a queue through an inline dialplan: same channel, so its variables (pop data) travel (12). */
export const transferToQueue = (uuid: string, queue: string): string => `uuid_transfer ${legUuid(uuid)} callcenter:${queue} inline`;
/** Ends the agent's queue call in mod_callcenter when its leg stays up (11, 13): answers `-ERR no reply` when it works. */
export const breakAgent = (uuid: string): string => `callcenter_break agent ${legUuid(uuid)}`;

/** The confirmed reply of uuid_send_dtmf, exactly. */
export function dtmfSent(reply: string, uuid: string, digits: string): boolean {
  return reply.trimEnd() === `+OK ${uuid} sent DTMF ${digits}.`;
}

// ---- consult (attended) transfer, conference: as run on the real switch (fixture 14, 15 and controls.test.ts) ----

/** park_after_bridge on the member: moving the agent leg away then parks the caller instead of hanging it up (14b). */
export const parkAfterBridge = (uuid: string, on: boolean): string => (on ? `uuid_setvar ${legUuid(uuid)} park_after_bridge true` : `uuid_setvar ${legUuid(uuid)} park_after_bridge`);
/**
 * The consult leg, parked once answered: `+OK <uuid>` (as a BACKGROUND_JOB) or `-ERR <cause>`.
 * `dial` is built here from a checked target; `callerId` is the caller's number when it is plain digits.
 */
export function originateConsult(uuid: string, dial: string, callerId: string | null): string {
  const vars = [`origination_uuid=${legUuid(uuid)}`, 'originate_timeout=30', 'ignore_early_media=true', 'loopback_bowout=false'];
  if (callerId && /^\+?[0-9]{1,20}$/.test(callerId)) vars.push(`origination_caller_id_number=${callerId}`);
  return `originate {${vars.join(',')}}${dial} &park`;
}
/** `+OK <b>`: a takes b as its partner; a's old partner follows its own park/hangup-after-bridge. */
export const bridge = (a: string, b: string): string => `uuid_bridge ${legUuid(a)} ${legUuid(b)}`;
/** `+OK Message sent`: plays to a parked caller (the consult's music). */
export const playMusic = (uuid: string, music: string): string => `uuid_broadcast ${legUuid(uuid)} ${music} aleg`;
/** `+OK`: stops what the leg plays. */
export const stopMedia = (uuid: string): string => `uuid_break ${legUuid(uuid)} all`;
/** The conference of a three-way call: one per caller. */
export const conferenceName = (memberSession: string): string => `cc-${legUuid(memberSession)}`;
/** Agent leg and its partner (the consult leg) into the conference (fixture 15 used -both from the member). */
export const bothToConference = (uuid: string, name: string): string => `uuid_transfer ${legUuid(uuid)} -both conference:${name}@default inline`;
export const toConference = (uuid: string, name: string): string => `uuid_transfer ${legUuid(uuid)} conference:${name}@default inline`;
/** `<id>;<channel>;<uuid>;<cid name>;<cid number>;<flags>;…` per member (15). */
export const conferenceList = (name: string): string => `conference ${name} list`;
