import type { RawData } from 'ws';

/**
 * The text of a WebSocket message. `ws` hands a message over as a Buffer (its
 * default binaryType), but its type also allows an ArrayBuffer or a list of
 * fragments, whose default `toString()` would not be the text.
 */
export function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
