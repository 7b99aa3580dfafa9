import { EslProtocolError, type EslFrame } from './frame-parser.js';
import { EventHeaders } from './event-headers.js';

/** A FreeSWITCH event with its headers URL-decoded, whatever format it came in. */
export interface EslEvent {
  readonly name: string;
  readonly headers: ReadonlyMap<string, string>;
  /** The event's own body (BACKGROUND_JOB output); '' when none. */
  readonly body: string;
  /** Several switches: the id of the switch that fired it (src/switches/); absent over one link. */
  readonly switchId?: string;
}

export type EventFormat = 'plain' | 'json';

export function isEventFrame(frame: EslFrame): boolean {
  const type = frame.headers['Content-Type'];
  return type === 'text/event-plain' || type === 'text/event-json';
}

/** Decodes a `text/event-plain` or `text/event-json` frame. */
export function decodeEventFrame(frame: EslFrame): EslEvent {
  const body = frame.body;
  if (body === null) throw new EslProtocolError('event frame without a body');
  if (frame.headers['Content-Type'] === 'text/event-json') return decodeJsonEvent(body.toString('utf8'));
  return decodePlainEvent(body);
}

function decodePlainEvent(raw: Buffer): EslEvent {
  const end = raw.indexOf('\n\n', 0, 'latin1');
  const headerEnd = end === -1 ? raw.length : end;
  // Parsed on first read: most events are dropped by name alone.
  const headers = new EventHeaders(raw.toString('utf8', 0, headerEnd));
  let body = '';
  // Only an event with something after its header block can have a body.
  const lengthText = end !== -1 && end + 2 < raw.length ? headers.peek('Content-Length') : undefined;
  if (lengthText !== undefined) {
    // The inner Content-Length counts bytes, so slice the Buffer, not the string.
    const start = end + 2;
    body = raw.toString('utf8', start, Math.min(raw.length, start + Number(lengthText)));
  }
  return { name: headers.peek('Event-Name') ?? '', headers, body };
}

function decodeJsonEvent(text: string): EslEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EslProtocolError(`bad json event: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new EslProtocolError('json event is not an object');
  const headers = new Map<string, string>();
  let body = '';
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === '_body') body = String(value);
    else headers.set(key, typeof value === 'string' ? value : String(value));
  }
  return { name: headers.get('Event-Name') ?? '', headers, body };
}
