import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { startStack, ADMIN, type Stack } from '../helpers/stack.js';
import { assertError } from '../helpers/http.js';

/**
 * Hostile inputs against every write endpoint, in every field and path
 * parameter: each must be refused (400, or 404 for a path that cannot route,
 * 413 where the size is the problem) with a JSON error body, and the switch
 * must receive nothing at all while they run.
 */

const AGENT = '1001@default';
const QUEUE = 'support@default';
const NUMBER = '15551234567';

// ---- payloads -----------------------------------------------------------------

/** Fragments spliced into otherwise valid values (none of them is legal in any field). */
const FRAGMENTS = [
  '\n', '\r', '\r\n', '\n\n', '\r\n\r\n', '\0', '\t', '\x0b', '\x0c', '\x1b[2J', '\x7f', '\x85',
  "'", '"', '`', "''", ';', '|', '&', '&&', '||', '$', '${x}', '$${x}', '$(reboot)', '`reboot`',
  ' ', '%', '%0a', '%0d%0a', '%00', '%27', '%2F', '%40', '%2e%2e%2f',
  '\u202e', '\u202d', '\u200b', '\u200d', '\u2060', '\ufeff', '\u2028', '\u2029', '\u00a0', '\u3000', '\u0301',
  '\\', ',', ':_:', '^^:', '{', '}', '[', ']', '<', '>', '*', '?', '#', '!', '~', '=',
  '\ud800', '\udfff', '\u{1F600}', '＠', '﹫', '／', '．',
];

/** Whole attack strings. */
const ATTACKS = [
  'api shutdown', '\napi shutdown', 'bgapi shutdown', `${AGENT}\napi shutdown`, `${AGENT}\r\n\r\napi shutdown\r\n\r\n`,
  `${AGENT}\n\nbgapi originate loopback/9999 &park`, `${AGENT} api shutdown`, `${AGENT};api shutdown`, `${AGENT}|api shutdown`,
  `${AGENT} && api shutdown`, `${AGENT}' 'Available`, `"${AGENT}"`, `'${AGENT}'`, `${AGENT} 2 3`, `${AGENT}\0api shutdown`,
  'user/1001 api shutdown', 'user/1001|api shutdown', 'user/1001\napi shutdown', 'user/1001\r\n\r\nbgapi shutdown', 'user/1001 &park',
  '{api_on_answer=shutdown}user/1001', '[execute_on_answer=system reboot]user/1001', '{api_hangup_hook=shutdown}user/1001',
  '{leg_timeout=20,api_on_answer=shutdown}user/1001', '{leg_timeout=20}[api_on_answer=shutdown]user/1001',
  '{leg_timeout=20}{leg_timeout=20}{leg_timeout=20}user/1001', '<api_on_answer=shutdown>user/1001', '{leg_timeout=${shutdown}}user/1001',
  '{leg_timeout=20^^:api_on_answer=x}user/1001', '{leg_timeout=20}user/1001{api_on_answer=x}', '{leg_timeout=20', 'user/1001}',
  '{}user/1001', '[]user/1001', '{leg_timeout=99999}user/1001', '{leg_timeout=20 }user/1001', '{sip_h_X-A=${system(id)}}user/1001',
  '[origination_caller_id_number=1]user/1001', '{execute_on_originate=system id}user/1001', '{api_on_answer=shutdown]user/1001',
  'user/${system(rm -rf /)}', 'user/$${hostname}', 'user/1001:_:loopback/9999', 'sofia/gateway/gw/1555:_:user/1002', 'user/1001,user/1002',
  'user/../../etc/passwd', 'loopback/../../x', 'sofia/gateway/./x', 'file:///etc/passwd', 'error/USER_BUSY', 'pstn/1001', 'USER/1001', 'user/',
  '../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc', '....//....//etc', '..\\..\\windows\\win.ini', '/etc/passwd', '..', '.', './',
  'ｕｓｅｒ/１００１', '１００１@default', '1001＠default', '1001﹫default', '1001@defаult', `${AGENT}\u202e`, '\u202etluafed@1001',
  '10\u200b01@default', `${AGENT}\u2028api shutdown`, `${AGENT}\u2029`, 'ⅰ001@default', 'support@default\u0000', 'Ａvailable', 'Оn Break',
  'a'.repeat(65) + '@default', 'a'.repeat(129) + '@default', `1001@${'d'.repeat(64)}`, `1001@${'d.'.repeat(70)}x`, 'x'.repeat(5_000),
  'x'.repeat(70_000), `${AGENT}${'\n'.repeat(40_000)}`, '€'.repeat(30_000),
  '', ' ', 'null', 'undefined', 'true', 'NaN', 'Infinity', '-1', '1e9', '0x10x', '[object Object]', '__proto__', 'constructor',
  '1001%40default', '1001%0aapi%20shutdown@default', '%s%s%s%n', '{{7*7}}', '<script>alert(1)</script>', "' OR '1'='1",
  'On Break\napi shutdown', "On Break' 'x", 'Available;api shutdown', 'Logged Out ', ' Available', 'available', 'AVAILABLE',
  'Available\u200b', 'On%20Break', 'On+Break', "'On Break'", '"Available"', 'Ready\napi shutdown', 'Standby;x', 'callback\n', 'uuid-standby ',
  '+1 555 123 4567\napi shutdown', '15551234567;x', '1555|1234567', '1555${x}', '１５５５１２３４５６７', '+1\u2028555', '555-CALL-NOW',
  '15551234567%0a', '+-+-+', '((()))', '12', '1'.repeat(21), '1'.repeat(41),
];

/** Values of the wrong JSON type (ones Ajv would coerce into a legal value are left out per field). */
const NON_STRINGS: unknown[] = [1.5, -1, 1e21, true, false, null, [], {}, ['user/1001', 'user/1002'], { $ne: '' }, [[1]]];

/** Percent-encoding of the UTF-8 bytes (lone surrogates become U+FFFD, as a client would send them). */
const pct = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** Path parameters already encoded, some of them not valid UTF-8 or not valid percent-encoding. */
const ENCODED_PARAMS = ['%C0%AF', '%C0%AE%C0%AE%C0%AF', '%FF', '%ED%A0%80', '%E0%A4%A', '%', '%%', '%0', '%zz', '1001%00@default', '1001%0A@default', '..%2F..%2F', '%2E%2E', '%252e%252e%252f', '1001%40default%0Aapi%20shutdown'];

function decodeOnce(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function spliced(valid: string): string[] {
  const mid = Math.max(1, Math.floor(valid.length / 2));
  return FRAGMENTS.flatMap((f) => [valid + f, f + valid, valid.slice(0, mid) + f + valid.slice(mid)]);
}

/** An independent, deliberately narrow idea of what is legal in each field: such values are skipped, not thrown. */
const LEGAL: Record<string, (v: unknown) => boolean> = {
  name: (v) => typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}@[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(v),
  contact: (v) => typeof v === 'string' && /^(user|sofia|loopback|null)\/[A-Za-z0-9]+(@[a-z]+)?$/.test(v),
  // Ajv's coerceTypes turns these into a plain integer before any handler runs (" " and "\n" into 0):
  // lax, but what reaches a command is a number, so they are not hostile here.
  integer: (v) => v === null || typeof v === 'boolean' || (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) || (Array.isArray(v) && v.length === 1),
  number: (v) => typeof v === 'string' && /^\+?[0-9 ().-]{1,40}$/.test(v) && v.replace(/\D/g, '').length >= 3 && v.replace(/\D/g, '').length <= 20,
  recordKey: (v) => typeof v === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(v),
  none: () => false,
};

interface Probe {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  /** Allowed statuses. */
  readonly expect: readonly number[];
  readonly what: string;
}

const BODY_LIMIT = 64 * 1024;

function probes(): Probe[] {
  const out: Probe[] = [];
  const strings = (valid: string) => [...ATTACKS, ...spliced(valid)];
  const values = (valid: string, legal: (v: unknown) => boolean) => [...strings(valid), ...NON_STRINGS].filter((v) => !legal(v));

  // Body fields: the rest of the body is valid; only this field is hostile.
  const bodyField = (method: string, path: string, base: Record<string, unknown>, field: string, valid: string, legal: (v: unknown) => boolean) => {
    for (const v of values(valid, legal)) {
      const body = JSON.stringify({ ...base, [field]: v });
      out.push({ method, path, body, expect: Buffer.byteLength(body) > BODY_LIMIT ? [413] : [400], what: `${method} ${path} ${field}=${JSON.stringify(v).slice(0, 60)}` });
    }
  };
  // Path parameters: percent-encoded, and raw where the bytes are legal in a request line.
  const pathParam = (method: string, make: (p: string) => string, valid: string, legal: (v: unknown) => boolean, body?: Record<string, unknown>) => {
    for (const v of values(valid, legal)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && v !== null) continue;
      const s = String(v);
      if (s.length > 6_000) continue; // request lines that long are the HTTP server's business (431), not the API's
      const variants = [pct(s)];
      // Raw: the server decodes it once; skip the ones that decode to something legal ('1001%40default').
      if (/^[\x21-\x7e]*$/.test(s) && !/[?#]/.test(s) && s !== pct(s) && !legal(decodeOnce(s))) variants.push(s);
      for (const p of variants) {
        const path = make(p);
        const b = body ? JSON.stringify(body) : undefined;
        out.push({ method, path, ...(b !== undefined ? { body: b } : {}), expect: [400, 404], what: `${method} ${path.slice(0, 80)}` });
      }
    }
    for (const p of ENCODED_PARAMS) {
      const b = body ? JSON.stringify(body) : undefined;
      out.push({ method, path: make(p), ...(b !== undefined ? { body: b } : {}), expect: [400, 404], what: `${method} ${make(p)}` });
    }
  };

  const agentBase = { name: '1099@default', contact: 'user/1099' };
  const intFields = ['maxNoAnswer', 'wrapUpTime', 'rejectDelayTime', 'busyDelayTime', 'noAnswerDelayTime'];

  // POST /api/agents
  bodyField('POST', '/api/agents', agentBase, 'name', AGENT, LEGAL.name!);
  bodyField('POST', '/api/agents', agentBase, 'contact', 'user/1099', LEGAL.contact!);
  bodyField('POST', '/api/agents', agentBase, 'type', 'callback', LEGAL.none!);
  bodyField('POST', '/api/agents', agentBase, 'status', 'Available', LEGAL.none!);
  for (const f of intFields) bodyField('POST', '/api/agents', agentBase, f, '5', LEGAL.integer!);
  for (const key of ['api_on_answer', 'name ', 'Name', 'contact\n', '__proto__', 'constructor', 'password\u200b', '']) {
    const body = `{"name":"1099@default","contact":"user/1099",${JSON.stringify(key)}:"x"}`;
    out.push({ method: 'POST', path: '/api/agents', body, expect: [400], what: `POST /api/agents key ${JSON.stringify(key)}` });
  }
  // PATCH /api/agents/:agent
  pathParam('PATCH', (p) => `/api/agents/${p}`, AGENT, LEGAL.name!, { wrapUpTime: 1 });
  bodyField('PATCH', `/api/agents/${AGENT}`, {}, 'contact', 'user/1001', LEGAL.contact!);
  bodyField('PATCH', `/api/agents/${AGENT}`, {}, 'type', 'callback', LEGAL.none!);
  bodyField('PATCH', `/api/agents/${AGENT}`, {}, 'status', 'Available', LEGAL.none!);
  for (const f of intFields) bodyField('PATCH', `/api/agents/${AGENT}`, {}, f, '5', LEGAL.integer!);
  // DELETE /api/agents/:agent
  pathParam('DELETE', (p) => `/api/agents/${p}`, AGENT, LEGAL.name!);
  // PUT /api/agents/:agent/status
  pathParam('PUT', (p) => `/api/agents/${p}/status`, AGENT, LEGAL.name!, { status: 'Available' });
  bodyField('PUT', `/api/agents/${AGENT}/status`, {}, 'status', 'Available', LEGAL.none!);
  // POST /api/tiers
  const tierBase = { queue: QUEUE, agent: AGENT, level: 1, position: 1 };
  bodyField('POST', '/api/tiers', tierBase, 'queue', QUEUE, LEGAL.name!);
  bodyField('POST', '/api/tiers', tierBase, 'agent', AGENT, LEGAL.name!);
  bodyField('POST', '/api/tiers', tierBase, 'level', '1', LEGAL.integer!);
  bodyField('POST', '/api/tiers', tierBase, 'position', '1', LEGAL.integer!);
  // PATCH /api/tiers/:queue/:agent
  pathParam('PATCH', (p) => `/api/tiers/${p}/${AGENT}`, QUEUE, LEGAL.name!, { level: 2 });
  pathParam('PATCH', (p) => `/api/tiers/${QUEUE}/${p}`, AGENT, LEGAL.name!, { level: 2 });
  bodyField('PATCH', `/api/tiers/${QUEUE}/${AGENT}`, {}, 'level', '2', LEGAL.integer!);
  bodyField('PATCH', `/api/tiers/${QUEUE}/${AGENT}`, {}, 'position', '2', LEGAL.integer!);
  bodyField('PATCH', `/api/tiers/${QUEUE}/${AGENT}`, {}, 'state', 'Ready', LEGAL.none!);
  // DELETE /api/tiers/:queue/:agent
  pathParam('DELETE', (p) => `/api/tiers/${p}/${AGENT}`, QUEUE, LEGAL.name!);
  pathParam('DELETE', (p) => `/api/tiers/${QUEUE}/${p}`, AGENT, LEGAL.name!);
  // POST /api/queues/:queue/reload
  pathParam('POST', (p) => `/api/queues/${p}/reload`, QUEUE, LEGAL.name!);
  // PUT / DELETE /api/callers/:number (values of a record are free text: see the next test)
  pathParam('PUT', (p) => `/api/callers/${p}`, NUMBER, LEGAL.number!, { name: 'x' });
  pathParam('DELETE', (p) => `/api/callers/${p}`, NUMBER, LEGAL.number!);
  for (const key of values('name', LEGAL.recordKey!)) {
    if (typeof key !== 'string') continue;
    const body = `{${JSON.stringify(key)}:"x"}`;
    out.push({ method: 'PUT', path: `/api/callers/${NUMBER}`, body, expect: Buffer.byteLength(body) > BODY_LIMIT ? [413] : [400, 413], what: `PUT callers key ${JSON.stringify(key).slice(0, 60)}` });
  }
  for (const v of values('60', LEGAL.integer!)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
    const s = String(v);
    if (s.length > 6_000) continue;
    out.push({ method: 'PUT', path: `/api/callers/${NUMBER}?ttl=${pct(s)}`, body: '{"name":"x"}', expect: [400], what: `PUT callers ttl=${JSON.stringify(s).slice(0, 60)}` });
  }
  return out;
}

// ---- transport -----------------------------------------------------------------

/** node:http, so paths go out exactly as written (fetch would normalise dot segments). */
function send(agent: Agent, base: URL, p: Probe): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${ADMIN}` };
    if (p.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(p.body);
    }
    const req = request({ host: base.hostname, port: base.port, method: p.method, path: p.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* asserted below */
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    if (p.body !== undefined) req.write(p.body);
    req.end();
  });
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('hostile inputs against every write endpoint', () => {
  let s: Stack;
  let redis: Redis;
  before(async () => {
    s = await startStack({
      double: { initial: { agents: [{ name: AGENT, contact: 'user/1001' }], tiers: [{ queue: QUEUE, agent: AGENT }] } },
    });
    redis = new Redis(s.redis.url, { lazyConnect: true });
    await redis.connect();
  });
  after(async () => {
    redis.disconnect();
    await s.stop();
  });

  it('every one is refused with a JSON error and nothing reaches the switch', async (t) => {
    const all = probes();
    assert.ok(all.length >= 1000, `only ${all.length} hostile inputs`);
    const agentsBefore = JSON.stringify(s.fs.agents());
    const tiersBefore = JSON.stringify(s.fs.tiers());
    const http = new Agent({ keepAlive: true, maxSockets: 20 });
    const failures: string[] = [];
    const counts = new Map<number, number>();
    s.fs.clearReceived();
    try {
      await pool(all, 20, async (p) => {
        const res = await send(http, new URL(s.url), p);
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        try {
          assert.ok(p.expect.includes(res.status), `status ${res.status}, expected ${p.expect.join('/')}`);
          assertError(res, res.status);
        } catch (err) {
          if (failures.length < 20) failures.push(`${p.what}: ${(err as Error).message.split('\n')[0]} ${JSON.stringify(res.body).slice(0, 200)}`);
          else failures.length++;
        }
      });
    } finally {
      http.destroy();
    }
    t.diagnostic(`${all.length} hostile requests; statuses ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
    assert.deepEqual(failures, [], `${failures.length} of ${all.length} hostile inputs were not refused properly`);
    assert.deepEqual(s.fs.received, [], 'the switch received nothing at all');
    assert.equal(JSON.stringify(s.fs.agents()), agentsBefore);
    assert.equal(JSON.stringify(s.fs.tiers()), tiersBefore);
    assert.deepEqual(await redis.keys(`${s.config.callerKeyPrefix}*`), [], 'no caller record was written');
    assert.equal(await redis.exists(`${s.config.keyPrefix}agent-password:1099@default`), 0);
    // Every code class was exercised.
    for (const status of [400, 404, 413]) assert.ok((counts.get(status) ?? 0) > 0, `no ${status} seen: ${JSON.stringify([...counts])}`);
    // The gateway is unharmed.
    const ok = await s.api('PUT', `/api/agents/${AGENT}/status`, { status: 'Available' });
    assert.equal(ok.status, 200);
    assert.deepEqual(s.fs.received, [`api callcenter_config agent set status ${AGENT} Available`]);
  });

  it('caller record values are free text: hostile ones are stored and returned verbatim, never sent to the switch', async () => {
    s.fs.clearReceived();
    const values = [...ATTACKS, ...FRAGMENTS.map((f) => `a${f}b`)].filter((v) => v.length <= 1024 && v.length > 0 && !/[\ud800-\udfff]/.test(v.replace(/\u{1F600}/gu, '')));
    const record: Record<string, string> = {};
    for (let i = 0; i < values.length; i += 40) {
      const chunk = values.slice(i, i + 40);
      for (const k of Object.keys(record)) delete record[k];
      chunk.forEach((v, j) => (record[`f${j}`] = v));
      const put = await s.api('PUT', `/api/callers/${NUMBER}`, record);
      assert.equal(put.status, 200, JSON.stringify(put.body).slice(0, 300));
      const got = await s.api('GET', `/api/callers/${encodeURIComponent('+1 555 123 4567')}`);
      assert.deepEqual(got.body, { number: NUMBER, record });
    }
    assert.deepEqual(s.fs.received, []);
  });
});
