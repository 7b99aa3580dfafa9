/**
 * Queues over REST on the double: the gateway stores a definition in PostgreSQL,
 * `queue load|reload` makes the double ask the gateway's xml_curl endpoint over
 * HTTP (like mod_xml_curl), and a call reaches the new queue.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { assertError, writeCommands } from '../helpers/http.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const SALES = 'sales@default';
const XML_PASSWORD = 'xml-curl-secret-1';

describe('queues over REST, served to the double over xml_curl', () => {
  let db: TestDatabase;
  let s: Stack;
  const actor = { source: 'demo' as const, id: 'test' };

  before(async () => {
    db = await createTestDatabase();
    s = await startStack({ env: { CALL_RECORDS: 'on', DATABASE_URL: db.url, XML_CURL_PORT: '0', XML_CURL_USER: 'fs', XML_CURL_PASSWORD: XML_PASSWORD } });
    await waitFor(() => s.gw.records?.ready === true, 'records database open', 30_000);
    assert.ok(s.gw.xmlCurlPort, 'xml_curl endpoint listening');
    s.fs.setXmlCurl({ url: `http://127.0.0.1:${s.gw.xmlCurlPort}/fs/xml`, credentials: `fs:${XML_PASSWORD}` });
  });
  after(async () => {
    await s?.stop();
    await db?.drop();
  });

  test('a queue created over REST is stored, fetched by the switch over xml_curl, and receives a call', async () => {
    const created = await s.api('POST', '/api/queues', { name: SALES, params: { strategy: 'longest-idle-agent', 'max-wait-time': 600, 'moh-sound': 'local_stream://moh' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.switch, { command: `callcenter_config queue load ${SALES}`, reply: '+OK' });
    assert.equal(created.body.queue.source, 'gateway');
    assert.equal(created.body.queue.loaded, true);
    assert.deepEqual(s.fs.xmlCurlLookups.at(-1), { queue: SALES, outcome: 'found' });

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT params FROM queue_definitions WHERE name = $1', [SALES]).finally(() => client.end());
    assert.deepEqual(rows[0]?.params, { strategy: 'longest-idle-agent', 'moh-sound': 'local_stream://moh', 'max-wait-time': 600 });

    const listed = await s.api('GET', '/api/queues');
    const q = listed.body.find((x: { name: string }) => x.name === SALES);
    assert.equal(q?.config.max_wait_time, '600', 'the switch runs the served definition');

    await s.gw.callCenter.createAgent({ name: '1001@default', contact: 'null/agent-1001', status: 'Available' }, actor);
    await s.gw.callCenter.addTier(SALES, '1001@default', 1, 1, actor);
    const call = s.fs.injectCaller({ number: '15550001', name: 'Sales caller', queue: SALES, destination: '7099', variables: { cc_target_queue: SALES } });
    await waitFor(() => s.fs.members().some((m) => m.uuid === call.memberUuid && m.state === 'Answered'), 'the agent answered the sales caller');
    s.fs.hangupCaller(call.callerUuid);
  });

  test('a strategy change is stored, reloaded by the switch, and the next lookup serves it', async () => {
    const before = s.fs.xmlCurlLookups.length;
    const r = await s.api('PATCH', `/api/queues/${SALES}`, { params: { strategy: 'agent-with-fewest-calls', 'moh-sound': null } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.switch, { command: `callcenter_config queue reload ${SALES}`, reply: '+OK' });
    assert.deepEqual(r.body.queue.params, { strategy: 'agent-with-fewest-calls', 'max-wait-time': 600 });
    assert.deepEqual(s.fs.xmlCurlLookups.slice(before), [{ queue: SALES, outcome: 'found' }]);
    const q = (await s.api('GET', '/api/queues')).body.find((x: { name: string }) => x.name === SALES);
    assert.equal(q.config.strategy, 'agent-with-fewest-calls');
    assert.equal(q.config.moh_sound, '', 'unset: back to the default');
  });

  test('a bad parameter is refused before anything reaches the switch or the database', async () => {
    s.fs.clearReceived();
    const lookups = s.fs.xmlCurlLookups.length;
    for (const body of [
      { name: 'bad@default', params: { strategy: 'fastest' } },
      { name: 'bad@default', params: { 'max-wait-time': 86_401 } },
      { name: 'bad@default', params: { 'record-template': '/tmp/${system(id)}.wav' } },
      { name: 'bad@default', params: { 'moh-sound': 'local_stream://moh"/><x a="' } },
      { name: 'bad@default', params: { 'not-a-param': 1 } },
      { name: 'bad queue', params: {} },
    ]) {
      assertError(await s.api('POST', '/api/queues', body), 400, 'INVALID_INPUT');
    }
    assertError(await s.api('PATCH', `/api/queues/${SALES}`, { params: { strategy: 'Ring-All' } }), 400, 'INVALID_INPUT');
    assert.deepEqual(writeCommands(s.fs.received), [], 'no command reached the switch');
    assert.equal(s.fs.xmlCurlLookups.length, lookups, 'no lookup');
    assertError(await s.api('GET', '/api/queues/bad@default/definition'), 404, 'QUEUE_NOT_FOUND');
    assert.equal((await s.api('GET', `/api/queues/${SALES}/definition`)).body.params.strategy, 'agent-with-fewest-calls', 'unchanged');
  });

  test('a queue of the files is read-only until taken over; the xml_curl endpoint answers it "not found" until then', async () => {
    const def = await s.api('GET', '/api/queues/support@default/definition');
    assert.equal(def.status, 200);
    assert.equal(def.body.source, 'file');
    assert.equal(def.body.readOnly, true);
    assert.match(def.body.note, /takeover/);
    assertError(await s.api('PATCH', '/api/queues/support@default', { params: { strategy: 'random' } }), 409, 'QUEUE_READ_ONLY');
    assertError(await s.api('DELETE', '/api/queues/support@default'), 409, 'QUEUE_READ_ONLY');
    assertError(await s.api('POST', '/api/queues', { name: 'support@default' }), 409, 'QUEUE_READ_ONLY');

    const form = (queue: string) => new URLSearchParams({ section: 'configuration', tag_name: 'configuration', key_name: 'name', key_value: 'callcenter.conf', 'CC-Queue': queue }).toString();
    const ask = (queue: string, auth: string) =>
      fetch(`http://127.0.0.1:${s.gw.xmlCurlPort}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(auth).toString('base64')}` }, body: form(queue) });
    assert.equal((await ask(SALES, 'fs:wrong')).status, 401);
    assert.match(await s.gw.metrics.registry.metrics(), /cc_xml_curl_requests_total\{outcome="unauthorized"\} 1/);
    assert.match(await (await ask('support@default', `fs:${XML_PASSWORD}`)).text(), /<result status="not found"\/>/);

    const taken = await s.api('POST', '/api/queues/support@default/takeover', {});
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.equal(taken.body.queue.takenOver, true);
    assert.equal(taken.body.queue.params.strategy, 'longest-idle-agent', 'carried over from queue list');
    assert.ok(taken.body.skipped.includes('announce-sound'));
    assert.match(await (await ask('support@default', `fs:${XML_PASSWORD}`)).text(), /<queue name="support@default">/);

    const changed = await s.api('PATCH', '/api/queues/support@default', { params: { strategy: 'random' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal((await s.api('GET', '/api/queues')).body.find((x: { name: string }) => x.name === 'support@default').config.strategy, 'random');

    // Handing it back: the definition goes, `queue reload` reads the files again.
    const back = await s.api('DELETE', '/api/queues/support@default');
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.switch.command, 'callcenter_config queue reload support@default');
    assert.equal((await s.api('GET', '/api/queues')).body.find((x: { name: string }) => x.name === 'support@default').config.strategy, 'longest-idle-agent');
  });

  test('delete is refused with callers waiting or tiers attached unless forced', async () => {
    // 1001 is busy with nothing: put it On Break so a caller waits.
    await s.gw.callCenter.setAgentStatus('1001@default', 'On Break', actor);
    const call = s.fs.injectCaller({ number: '15550002', name: 'Waiting caller', queue: SALES, destination: '7099' });
    await waitFor(() => s.fs.members().some((m) => m.uuid === call.memberUuid && m.state === 'Waiting'), 'caller waiting');
    const refused = await s.api('DELETE', `/api/queues/${SALES}`);
    assertError(refused, 409, 'QUEUE_HAS_CALLERS');
    assert.equal(refused.body.error.waiting, 1);
    s.fs.hangupCaller(call.callerUuid);
    await waitFor(() => !s.fs.members().some((m) => m.uuid === call.memberUuid && m.state === 'Waiting'), 'caller gone');
    assertError(await s.api('DELETE', `/api/queues/${SALES}`), 409, 'QUEUE_HAS_TIERS');

    const forced = await s.api('DELETE', `/api/queues/${SALES}?force=true`);
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.equal(forced.body.removedTiers, 1);
    assert.deepEqual(forced.body.switch, { command: `callcenter_config queue unload ${SALES}`, reply: '+OK' });
    assert.equal((await s.api('GET', '/api/queues')).body.some((x: { name: string }) => x.name === SALES), false, 'unloaded');
    assertError(await s.api('GET', `/api/queues/${SALES}/definition`), 404, 'QUEUE_NOT_FOUND');
    assert.equal(s.fs.api(`callcenter_config queue load ${SALES}`), '-ERR Invalid Queue not found!\n', 'the switch can no longer load it');
  });

  test('OpenAPI documents every queue parameter with its values', async () => {
    const doc = (await (await fetch(`${s.url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown> | undefined> };
    const text = JSON.stringify(doc.paths['/api/queues']?.post);
    for (const word of ['ring-progressively', 'max-wait-time-with-no-agent-time-reached', 'skip-agents-with-external-calls', 'announce-frequency', 'Available (On Demand)']) assert.ok(text.includes(word), word);
    assert.ok(doc.paths['/api/queues/{queue}/takeover'], 'takeover route');
  });

  test('the switch refusing a load (no answer from xml_curl) undoes the definition and reports the reply', async () => {
    s.fs.setXmlCurl({ url: `http://127.0.0.1:${s.gw.xmlCurlPort}/`, credentials: 'fs:not-the-password' });
    try {
      const r = await s.api('POST', '/api/queues', { name: 'billing@default', params: { strategy: 'random' } });
      assertError(r, 502, 'SWITCH_REFUSED');
      assert.equal(r.body.error.reply, '-ERR Invalid Queue not found!');
      assertError(await s.api('GET', '/api/queues/billing@default/definition'), 404, 'QUEUE_NOT_FOUND');
      // The files' queue is unaffected by the gateway refusing the switch (401 → the files).
      assert.equal(s.fs.api('callcenter_config queue reload support@default'), '+OK\n');
    } finally {
      s.fs.setXmlCurl({ url: `http://127.0.0.1:${s.gw.xmlCurlPort}/`, credentials: `fs:${XML_PASSWORD}` });
    }
  });
});
