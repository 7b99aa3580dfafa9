/**
 * switch_separate_string(buf, ' ', argv, max) from switch_utils.c: blanks
 * separate words unless inside single quotes, `\` escapes the next char,
 * the last slot takes the rest of the line, and each word is then cleaned
 * (quotes removed, escapes resolved, surrounding blanks trimmed). This is
 * why `'On Break'` is one argument and an unquoted `On Break` is two.
 */
export function separateString(buf: string, max: number): string[] {
  const starts: number[] = [];
  const ends: number[] = [];
  let state: 'start' | 'skipInitial' | 'findDelim' | 'skipEnding' = 'start';
  let inside = false;
  let p = 0;
  const n = buf.length;
  while (p < n && starts.length < max) {
    const c = buf[p];
    switch (state) {
      case 'start':
        starts.push(p);
        ends.push(n);
        state = 'skipInitial';
        break;
      case 'skipInitial':
        if (c === ' ') p++;
        else state = 'findDelim';
        break;
      case 'findDelim':
        if (c === '\\') p++;
        else if (c === "'") inside = !inside;
        else if (c === ' ' && !inside) {
          ends[ends.length - 1] = p;
          state = 'skipEnding';
        }
        p++;
        break;
      case 'skipEnding':
        if (c === ' ') p++;
        else state = 'start';
        break;
    }
  }
  return starts.map((s, i) => cleanup(buf.slice(s, ends[i])));
}

const UNESCAPE: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', s: ' ' };

function cleanup(str: string): string {
  let p = 0;
  while (str[p] === ' ') p++;
  let dest = '';
  let end = -1;
  let inside = false;
  for (; p < str.length; p++) {
    const c = str[p]!;
    if (c === '\\' && p + 1 < str.length) {
      const e = str[p + 1]!;
      const mapped = e === "'" || e === '"' || e === ' ' || e === '\\' ? e : UNESCAPE[e];
      if (mapped !== undefined) {
        p++;
        dest += mapped;
        end = dest.length;
        continue;
      }
    }
    if (c === "'" && (inside || str.indexOf("'", p + 1) !== -1)) {
      inside = !inside;
      if (inside) end = dest.length;
      continue;
    }
    dest += c;
    if (c !== ' ' || inside) end = dest.length;
  }
  return end === -1 ? (dest.trim() === '' ? '' : dest) : dest.slice(0, end);
}
