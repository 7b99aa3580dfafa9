/**
 * switch_url_encode() as used by switch_event_serialize() for plain events:
 * SWITCH_URL_UNSAFE = "\r\n #%&+:;<=>?@[\\]^`{|}\"", every byte < 0x20 or > 0x7e,
 * and an existing "%XX" escape is kept as is (no double encoding).
 * So `(`, `)`, `,`, `/`, `'` and `~` pass through, as the fixtures show.
 */

const UNSAFE = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (b < 0x20 || b > 0x7e) UNSAFE[b] = 1;
for (const ch of '\r\n #%&+:;<=>?@[\\]^`{|}"') UNSAFE[ch.charCodeAt(0)] = 1;

const HEX = '0123456789ABCDEF';

function isHex(b: number | undefined): boolean {
  // switch_url_encode checks against the upper-case set only.
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46));
}

function needsWork(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7e || UNSAFE[c]) return true;
  }
  return false;
}

export function switchUrlEncode(value: string): string {
  if (!needsWork(value)) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  const last = bytes.length - 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && last - i > 1 && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out += '%';
      continue;
    }
    if (UNSAFE[b]) out += '%' + HEX[b >> 4] + HEX[b & 0x0f];
    else out += String.fromCharCode(b);
  }
  return out;
}
