import type { SwitchCore } from './core.js';
import type { Channel } from './channel.js';

/**
 * `show calls as json` / `show channels as json` (mod_commands' show over the
 * core db): `{"row_count":N,"rows":[…]}`, every value a string (NULL → ""),
 * or `{"row_count": 0}` and a newline when there is no row. `calls` lists one
 * row per bridge (the A leg's columns and the B leg's as `b_*`) plus one per
 * unbridged channel (`basic_calls`); `channels` one row per channel. Only the
 * columns a client reads are filled with the double's data; the others are
 * there, empty.
 */
export function showCommand(core: SwitchCore, arg: string | null): string | null {
  const argv = (arg ?? '').trim().split(/\s+/);
  const what = argv[0]?.toLowerCase();
  if (what !== 'calls' && what !== 'channels') return null;
  if (argv[1]?.toLowerCase() !== 'as' || argv[2]?.toLowerCase() !== 'json') return null;
  const live = [...core.channels.values()].filter((c) => !c.gone);
  const rows: Array<Record<string, string>> = [];
  if (what === 'channels') {
    for (const ch of live) rows.push(columns(ch, ''));
  } else {
    const callees = new Set<string>();
    for (const ch of live) {
      const b = partner(core, ch);
      if (b && ch.other?.type === 'originatee') callees.add(b.uuid);
    }
    for (const ch of live) {
      if (callees.has(ch.uuid)) continue;
      const b = ch.other?.type === 'originatee' ? partner(core, ch) : null;
      rows.push({ ...columns(ch, ''), ...bColumns(b), call_created_epoch: b ? String(Math.floor(ch.profile.bridgedUs / 1e6)) : '' });
    }
  }
  if (rows.length === 0) return '{"row_count": 0}\n';
  return JSON.stringify({ row_count: rows.length, rows });
}

function partner(core: SwitchCore, ch: Channel): Channel | null {
  if (!ch.bridged || !ch.other) return null;
  const b = core.channels.get(ch.other.profile.uuid);
  return b && !b.gone ? b : null;
}

function callState(ch: Channel): string {
  if (ch.callStateHeld) return 'HELD';
  return ch.answered ? 'ACTIVE' : 'RINGING';
}

function columns(ch: Channel, prefix: '' | 'b_'): Record<string, string> {
  const p = ch.profile;
  const created = Math.floor(p.channelCreatedUs / 1e6);
  return {
    [`${prefix}uuid`]: ch.uuid,
    [`${prefix}direction`]: p.direction,
    [`${prefix}created`]: new Date(created * 1000).toISOString().replace('T', ' ').slice(0, 19),
    [`${prefix}created_epoch`]: String(created),
    [`${prefix}name`]: ch.name,
    [`${prefix}state`]: ch.answered ? 'CS_EXECUTE' : 'CS_INIT',
    [`${prefix}cid_name`]: p.cidName,
    [`${prefix}cid_num`]: p.cidNumber,
    [`${prefix}ip_addr`]: '',
    [`${prefix}dest`]: p.destination,
    [`${prefix}presence_id`]: '',
    [`${prefix}presence_data`]: '',
    [`${prefix}accountcode`]: '',
    [`${prefix}callstate`]: callState(ch),
    [`${prefix}callee_name`]: p.calleeName,
    [`${prefix}callee_num`]: p.calleeNumber,
    [`${prefix}callee_direction`]: '',
    ...(prefix === '' ? { call_uuid: ch.get('call_uuid') ?? '', hostname: '' } : {}),
    [`${prefix}sent_callee_name`]: '',
    [`${prefix}sent_callee_num`]: '',
  };
}

const B_COLUMNS = ['uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest', 'presence_id', 'presence_data', 'accountcode', 'callstate', 'callee_name', 'callee_num', 'callee_direction', 'sent_callee_name', 'sent_callee_num'];

function bColumns(b: Channel | null): Record<string, string> {
  if (b) return columns(b, 'b_');
  return Object.fromEntries(B_COLUMNS.map((c) => [`b_${c}`, '']));
}
