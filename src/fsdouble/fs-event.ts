import { switchUrlEncode } from './url-encode.js';

/** switch_event.c EVENT_NAMES (1.10), used by `event`/`nixevent` to validate words. */
export const EVENT_NAMES: readonly string[] = [
  'CUSTOM', 'CLONE', 'CHANNEL_CREATE', 'CHANNEL_DESTROY', 'CHANNEL_STATE', 'CHANNEL_CALLSTATE',
  'CHANNEL_ANSWER', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HOLD', 'CHANNEL_UNHOLD', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_UNPARK', 'CHANNEL_APPLICATION',
  'CHANNEL_ORIGINATE', 'CHANNEL_UUID', 'API', 'LOG', 'INBOUND_CHAN', 'OUTBOUND_CHAN', 'STARTUP', 'SHUTDOWN',
  'PUBLISH', 'UNPUBLISH', 'TALK', 'NOTALK', 'SESSION_CRASH', 'MODULE_LOAD', 'MODULE_UNLOAD', 'DTMF', 'MESSAGE',
  'PRESENCE_IN', 'NOTIFY_IN', 'PRESENCE_OUT', 'PRESENCE_PROBE', 'MESSAGE_WAITING', 'MESSAGE_QUERY', 'ROSTER',
  'CODEC', 'BACKGROUND_JOB', 'DETECTED_SPEECH', 'DETECTED_TONE', 'PRIVATE_COMMAND', 'HEARTBEAT', 'TRAP',
  'ADD_SCHEDULE', 'DEL_SCHEDULE', 'EXE_SCHEDULE', 'RE_SCHEDULE', 'RELOADXML', 'NOTIFY', 'PHONE_FEATURE',
  'PHONE_FEATURE_SUBSCRIBE', 'SEND_MESSAGE', 'RECV_MESSAGE', 'REQUEST_PARAMS', 'CHANNEL_DATA', 'GENERAL',
  'COMMAND', 'SESSION_HEARTBEAT', 'CLIENT_DISCONNECTED', 'SERVER_DISCONNECTED', 'SEND_INFO', 'RECV_INFO',
  'RECV_RTCP_MESSAGE', 'SEND_RTCP_MESSAGE', 'CALL_SECURE', 'NAT', 'RECORD_START', 'RECORD_STOP',
  'PLAYBACK_START', 'PLAYBACK_STOP', 'CALL_UPDATE', 'FAILURE', 'SOCKET_DATA', 'MEDIA_BUG_START',
  'MEDIA_BUG_STOP', 'CONFERENCE_DATA_QUERY', 'CONFERENCE_DATA', 'CALL_SETUP_REQ', 'CALL_SETUP_RESULT',
  'CALL_DETAIL', 'DEVICE_STATE', 'TEXT', 'SHUTDOWN_REQUESTED', 'ALL',
];

const BY_UPPER = new Map(EVENT_NAMES.map((n) => [n, n]));

/**
 * switch_name_event(): case-insensitive, and a `SWITCH_EVENT_` prefix is
 * accepted (it compares `name + 13` when the name is longer than 13 chars).
 */
export function nameEvent(word: string): string | undefined {
  const upper = word.toUpperCase();
  if (upper.length > 13) {
    const tail = BY_UPPER.get(upper.slice(13));
    if (tail) return tail;
  }
  return BY_UPPER.get(upper);
}

export type Header = readonly [name: string, value: string];

/**
 * A fired event: ordered headers (duplicates allowed, as FreeSWITCH keeps
 * them) and an optional body. Serialized forms are cached because one event
 * usually goes to several listeners.
 */
export class FsEvent {
  private plainCache: string | null = null;
  private jsonCache: string | null = null;

  constructor(
    readonly name: string,
    readonly subclass: string | null,
    readonly headers: readonly Header[],
    readonly body: string | null = null,
  ) {}

  get(name: string): string | undefined {
    for (const [k, v] of this.headers) if (k === name) return v;
    return undefined;
  }

  /** switch_event_serialize(event, &str, SWITCH_TRUE). */
  plain(): string {
    if (this.plainCache !== null) return this.plainCache;
    let out = '';
    for (const [k, v] of this.headers) {
      const enc = switchUrlEncode(v);
      out += k + ': ' + (enc === '' ? '_undef_' : enc) + '\n';
    }
    if (this.body) out += 'Content-Length: ' + Buffer.byteLength(this.body) + '\n\n' + this.body;
    else out += '\n';
    return (this.plainCache = out);
  }

  /** switch_event_serialize_json(): cJSON object, body as Content-Length + _body. */
  json(): string {
    if (this.jsonCache !== null) return this.jsonCache;
    // Built by hand: duplicate names must stay, and JS objects would reorder numeric-like keys.
    const parts: string[] = [];
    for (const [k, v] of this.headers) parts.push(JSON.stringify(k) + ':' + JSON.stringify(v));
    if (this.body !== null) {
      parts.push('"Content-Length":' + JSON.stringify(String(Buffer.byteLength(this.body))));
      parts.push('"_body":' + JSON.stringify(this.body));
    }
    return (this.jsonCache = '{' + parts.join(',') + '}');
  }
}
