/**
 * Incremental parser for the ESL wire format: a block of `Name: value` lines
 * ended by an empty line, then `Content-Length` bytes of body when present.
 *
 * Replaces modesl's Parser, which we measured at ~17k events/s on the
 * fixtures: it scans for "\n\n" byte by byte from the start of its buffer,
 * re-concatenates the whole buffer on every chunk and re-encodes every plain
 * event body. Here the scan is native (`Buffer.indexOf`), only an unfinished
 * frame is ever kept between chunks, and a large body is gathered once.
 */

export interface EslFrame {
  /** Outer (framing) headers, exactly as sent: FreeSWITCH does not URL-encode them. */
  readonly headers: Readonly<Record<string, string>>;
  /** The `Content-Length` bytes after the header block, or null when there is none. */
  readonly body: Buffer | null;
}

export class EslProtocolError extends Error {
  override readonly name = 'EslProtocolError';
}

const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
/** A header block larger than this is not ESL: refuse instead of buffering forever. */
const MAX_HEADER_BLOCK = 64 * 1024;
/** FreeSWITCH's own command buffer is 1 MB; a body bigger than 64 MB is a broken peer. */
const MAX_BODY = 64 * 1024 * 1024;

export class EslFrameParser {
  private buf: Buffer = EMPTY;
  /** Header block of a frame whose body is still arriving. */
  private pendingHeaders: Record<string, string> | null = null;
  private pendingLength = 0;
  private pendingChunks: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly onFrame: (frame: EslFrame) => void) {}

  push(chunk: Buffer): void {
    if (this.pendingHeaders !== null) {
      // Gather body chunks without copying until the body is complete.
      this.pendingChunks.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.pendingLength) return;
      const first = this.pendingChunks[0];
      const all = first !== undefined && this.pendingChunks.length === 1 ? first : Buffer.concat(this.pendingChunks, this.pendingBytes);
      this.pendingChunks = [];
      this.pendingBytes = 0;
      const headers = this.pendingHeaders;
      this.pendingHeaders = null;
      const body = all.subarray(0, this.pendingLength);
      this.buf = all.subarray(this.pendingLength);
      this.onFrame({ headers, body });
    } else {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    }
    this.drain();
  }

  /** Bytes held for an unfinished frame (for tests and memory accounting). */
  get buffered(): number {
    return this.buf.length + this.pendingBytes;
  }

  private drain(): void {
    const buf = this.buf;
    let pos = 0;
    for (;;) {
      // FreeSWITCH never sends blank lines between frames, but tolerate stray LFs.
      while (pos < buf.length && buf[pos] === LF) pos++;
      const end = buf.indexOf('\n\n', pos, 'latin1');
      if (end === -1) {
        if (buf.length - pos > MAX_HEADER_BLOCK) throw new EslProtocolError('ESL header block exceeds 64 KiB');
        break;
      }
      const headers = parseHeaderBlock(buf.toString('utf8', pos, end));
      const lengthText = headers['Content-Length'];
      const bodyStart = end + 2;
      if (lengthText === undefined) {
        pos = bodyStart;
        this.onFrame({ headers, body: null });
        continue;
      }
      const length = toLength(lengthText);
      if (buf.length - bodyStart >= length) {
        pos = bodyStart + length;
        this.onFrame({ headers, body: buf.subarray(bodyStart, pos) });
        continue;
      }
      // Body incomplete: keep what we have and wait for the rest.
      const rest = buf.subarray(bodyStart);
      this.pendingHeaders = headers;
      this.pendingLength = length;
      this.pendingChunks = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
      this.buf = EMPTY;
      return;
    }
    // Copy the unfinished tail so the (possibly large) chunk it came from can be freed.
    this.buf = pos >= buf.length ? EMPTY : Buffer.from(buf.subarray(pos));
  }
}

function toLength(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > MAX_BODY) throw new EslProtocolError(`bad Content-Length: ${JSON.stringify(text)}`);
  return n;
}

/**
 * Framing headers (`Content-Type`, `Reply-Text`, …): a handful per frame, never
 * URL-encoded. Event bodies have their own reader, parseEventHeaders.
 */
export function parseHeaderBlock(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let start = 0;
  const len = text.length;
  while (start < len) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = len;
    const colon = text.indexOf(': ', start);
    if (colon !== -1 && colon < nl) {
      headers[text.slice(start, colon)] = text.slice(colon + 2, nl);
    } else if (nl > start) {
      // `Name:` with an empty value
      const line = text.slice(start, nl);
      if (line.endsWith(':')) headers[line.slice(0, -1)] = '';
    }
    start = nl + 1;
  }
  return headers;
}

/**
 * Header lines of an event body, URL-decoded, into a Map: channel events carry
 * 150+ headers, and a Map takes them about 25% faster than a plain object
 * (which V8 turns into a dictionary at that size).
 */
export function parseEventHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  let start = 0;
  const len = text.length;
  while (start < len) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = len;
    const colon = text.indexOf(': ', start);
    if (colon !== -1 && colon < nl) {
      const raw = text.slice(colon + 2, nl);
      headers.set(text.slice(start, colon), raw.indexOf('%') === -1 ? raw : urlDecode(raw));
    } else if (nl > start && text.charCodeAt(nl - 1) === 58 /* ':' */) {
      headers.set(text.slice(start, nl - 1), '');
    }
    start = nl + 1;
  }
  return headers;
}

/** FreeSWITCH's switch_url_encode output back to text; malformed escapes are kept verbatim. */
export function urlDecode(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}
