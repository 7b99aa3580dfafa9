import assert from 'node:assert/strict';

export interface ApiResult {
  status: number;
  body: any;
}

/** What an error body may never contain: stack frames, source paths, module paths. */
const INTERNALS = /\n\s*at |\bat [\w$.<>]+ \(|\.[cm]?[jt]s:\d+|node_modules|\/work\/|\/src\/|\bstack\b/i;

/** `{ error: { code, message, … } }` with the given status (and code), and nothing internal in it. */
export function assertError(res: ApiResult, status: number, code?: string | RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)?.slice(0, 400)}`);
  assert.ok(res.body !== null && typeof res.body === 'object' && !Array.isArray(res.body), `error body is not a JSON object: ${String(res.body).slice(0, 200)}`);
  assert.deepEqual(Object.keys(res.body), ['error'], JSON.stringify(res.body));
  const { error } = res.body as { error: Record<string, unknown> };
  assert.equal(typeof error.code, 'string');
  assert.equal(typeof error.message, 'string');
  assert.ok((error.message as string).length > 0);
  if (typeof code === 'string') assert.equal(error.code, code, JSON.stringify(res.body));
  else if (code) assert.match(error.code as string, code);
  assert.doesNotMatch(JSON.stringify(res.body), INTERNALS, 'error body leaks internals');
  if (status >= 500) {
    // 5xx: only the documented detail fields.
    const allowed = new Set(['code', 'message', 'applied', 'cause', 'switchCode', 'command', 'reply']);
    for (const k of Object.keys(error)) assert.ok(allowed.has(k), `unexpected field ${k} in a 5xx body`);
  }
}

/** Raw fetch for requests the JSON helper cannot express (headers, bodies, methods). */
export async function raw(base: string, method: string, path: string, init: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<ApiResult & { headers: Headers }> {
  const res = await fetch(base + path, { method, headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

/** Commands the switch received that change something (everything but list/get reads and the link's own). */
export function writeCommands(received: readonly string[]): string[] {
  return received.filter((r) => !/^api callcenter_config (agent|tier|queue) (list|get|count)\b/.test(r) && !/^(auth|event|nixevent|noevents|exit)\b/.test(r));
}
