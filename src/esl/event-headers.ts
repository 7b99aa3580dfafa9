import { parseEventHeaders, urlDecode } from './frame-parser.js';

/**
 * An event's headers, parsed on first read. Channel events carry 150+ headers
 * and most events that arrive are read by nobody but the filter that drops
 * them: splitting and URL-decoding those was half of the ingest time. A single
 * header can be looked up without parsing the rest (`peek`).
 */
export class EventHeaders implements ReadonlyMap<string, string> {
  #text: string | null;
  #map: Map<string, string> | null = null;

  /** `text`: the header lines of a plain event, still URL-encoded. */
  constructor(text: string) {
    this.#text = text;
  }

  private get map(): Map<string, string> {
    if (this.#map === null) {
      this.#map = parseEventHeaders(this.#text ?? '');
      this.#text = null;
    }
    return this.#map;
  }

  /**
   * One header's decoded value, found in the raw lines while nothing else was
   * read. Like the full parse, a repeated header (FreeSWITCH repeats
   * Hangup-Cause) gives its last value.
   */
  peek(name: string): string | undefined {
    const text = this.#text;
    if (text === null) return this.map.get(name);
    // One scan for every line naming the header; the last one wins.
    const key = `\n${name}:`;
    let at = text.startsWith(key.slice(1)) ? 0 : -1;
    for (let i = text.indexOf(key); i !== -1; i = text.indexOf(key, i + key.length)) at = i + 1;
    if (at === -1) return undefined;
    const start = at + key.length - 1;
    // `Name:` with an empty value, or `Name:x` (not a header line for the full parse): let it decide.
    if (text.charCodeAt(start) !== 32 /* ' ' */) return this.map.get(name);
    const nl = text.indexOf('\n', start);
    return urlDecode(text.slice(start + 1, nl === -1 ? text.length : nl));
  }

  /** Whether every header was decoded (false while only `peek` was used): for tests and the bench. */
  get decoded(): boolean {
    return this.#map !== null;
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  get size(): number {
    return this.map.size;
  }
  forEach(fn: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.map) fn.call(thisArg, v, k, this);
  }
  entries(): MapIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): MapIterator<string> {
    return this.map.keys();
  }
  values(): MapIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.map[Symbol.iterator]();
  }
}
