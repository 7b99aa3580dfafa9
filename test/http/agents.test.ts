import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startStack, waitFor, SUPERVISOR, type Stack } from '../helpers/stack.js';
import { assertError, raw, writeCommands } from '../helpers/http.js';
import type { FsEvent } from '../../src/fsdouble/index.js';

const Q = 'support@default';

describe('REST agents and tiers, end to end against the double', () => {
  let s: Stack;
  let redis: Redis;
  before(async () => {
    s = await startStack();
    redis = new Redis(s.redis.url, { lazyConnect: true });
    await redis.connect();
  });
  after(async () => {
    redis.disconnect();
    await s.stop();
  });

  it('creates an agent with every setting, puts it in the queue, sets its status, and reads it all back from the switch', async () => {
    const created = await s.api('POST', '/api/agents', {
      name: '2001@default',
      contact: '[leg_timeout=20]user/2001@default',
      type: 'callback',
      status: 'Available',
      maxNoAnswer: 3,
      wrapUpTime: 10,
      rejectDelayTime: 11,
      busyDelayTime: 12,
      noAnswerDelayTime: 13,
      password: 'desk-pass-2001',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const onSwitch = s.fs.agent('2001@default');
    assert.ok(onSwitch, 'agent exists on the switch');
    assert.equal(onSwitch.contact, '[leg_timeout=20]user/2001@default');
    assert.equal(onSwitch.type, 'callback');
    assert.equal(onSwitch.status, 'Available');
    assert.equal(onSwitch.maxNoAnswer, 3);
    assert.equal(onSwitch.wrapUpTime, 10);
    assert.equal(onSwitch.rejectDelayTime, 11);
    assert.equal(onSwitch.busyDelayTime, 12);
    assert.equal(onSwitch.noAnswerDelayTime, 13);
    // The 201 body is what the switch lists.
    assert.equal(created.body.name, '2001@default');
    assert.equal(created.body.contact, onSwitch.contact);
    assert.equal(created.body.status, 'Available');
    assert.equal(created.body.wrapUpTime, 10);
    assert.equal(created.body.maxNoAnswer, 3);

    const tier = await s.api('POST', '/api/tiers', { queue: Q, agent: '2001@default', level: 2, position: 3 });
    assert.equal(tier.status, 201, JSON.stringify(tier.body));
    assert.deepEqual(tier.body, { queue: Q, agent: '2001@default', state: 'Ready', level: 2, position: 3 });
    assert.deepEqual(
      s.fs.tiers().filter((t) => t.agent === '2001@default').map((t) => [t.queue, t.level, t.position]),
      [[Q, 2, 3]],
    );

    // A supervisor may set status.
    const st = await s.api('PUT', '/api/agents/2001@default/status', { status: 'On Break' }, SUPERVISOR);
    assert.equal(st.status, 200, JSON.stringify(st.body));
    assert.deepEqual(st.body, { name: '2001@default', status: 'On Break' });
    assert.equal(s.fs.agent('2001@default')?.status, 'On Break');

    const one = await s.api('GET', '/api/agents/2001@default', undefined, SUPERVISOR);
    assert.equal(one.status, 200);
    assert.equal(one.body.status, 'On Break');
    assert.equal(one.body.contact, '[leg_timeout=20]user/2001@default');
    const all = await s.api('GET', '/api/agents');
    assert.equal(all.status, 200);
    const listed = all.body.find((a: { name: string }) => a.name === '2001@default');
    assert.ok(listed);
    assert.equal(listed.status, 'On Break');
    assert.equal(listed.wrapUpTime, 10);
    const tiers = await s.api('GET', `/api/tiers?agent=2001@default`, undefined, SUPERVISOR);
    assert.deepEqual(tiers.body, [{ queue: Q, agent: '2001@default', state: 'Ready', level: 2, position: 3 }]);

    // PATCH (admin): settings land on the switch and come back.
    const patched = await s.api('PATCH', '/api/agents/2001@default', { contact: 'user/2999', wrapUpTime: 0, maxNoAnswer: 7, type: 'uuid-standby' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.contact, 'user/2999');
    assert.equal(patched.body.wrapUpTime, 0);
    assert.equal(patched.body.maxNoAnswer, 7);
    assert.equal(patched.body.type, 'uuid-standby');
    const after = s.fs.agent('2001@default')!;
    assert.equal(after.contact, 'user/2999');
    assert.equal(after.maxNoAnswer, 7);
    assert.equal(after.type, 'uuid-standby');

    // PATCH a tier, then the view and the switch agree.
    const pt = await s.api('PATCH', `/api/tiers/${Q}/2001@default`, { level: 5, position: 9, state: 'Standby' });
    assert.equal(pt.status, 200, JSON.stringify(pt.body));
    assert.deepEqual(pt.body, { queue: Q, agent: '2001@default', state: 'Standby', level: 5, position: 9 });
    const t = s.fs.tiers().find((x) => x.agent === '2001@default')!;
    assert.deepEqual([t.level, t.position, t.state], [5, 9, 'Standby']);

    // DELETE a tier.
    assert.equal((await s.api('DELETE', `/api/tiers/${Q}/2001@default`)).status, 204);
    assert.equal(s.fs.tiers().filter((x) => x.agent === '2001@default').length, 0);
    assertError(await s.api('DELETE', `/api/tiers/${Q}/2001@default`), 404, 'TIER_NOT_FOUND');
  });

  it('stores passwords only as scrypt hashes and never returns them', async () => {
    const password = 'correct-horse-battery';
    const res = await s.api('POST', '/api/agents', { name: '2002@default', contact: 'null/2002', password });
    assert.equal(res.status, 201);
    const key = `${s.config.keyPrefix}agent-password:2002@default`;
    const stored = await redis.get(key);
    assert.ok(stored, 'hash stored');
    assert.ok(stored.startsWith('scrypt$'), stored);
    assert.ok(!stored.includes(password));
    assert.equal(stored.split('$').length, 6);
    assert.equal(await s.gw.passwords.verify('2002@default', password), true);
    assert.equal(await s.gw.passwords.verify('2002@default', 'wrong-password'), false);
    // Nothing that lists or shows agents carries it, in any form.
    for (const path of ['/api/agents', '/api/agents/2002@default', '/api/audit?agent=2002@default']) {
      const body = JSON.stringify((await s.api('GET', path)).body);
      assert.ok(!body.includes(password), path);
      assert.ok(!/password|scrypt/i.test(body), `${path}: ${body.slice(0, 200)}`);
    }
    assert.ok(!JSON.stringify(res.body).includes(password));
    assert.ok(!s.fs.received.some((r) => r.includes(password)), 'the password never reaches the switch');
    // PATCH changes the hash (new salt), still not returned.
    const p = await s.api('PATCH', '/api/agents/2002@default', { password: 'another-password-1' });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.ok(!JSON.stringify(p.body).includes('another-password-1'));
    const stored2 = await redis.get(key);
    assert.ok(stored2?.startsWith('scrypt$'));
    assert.notEqual(stored2, stored);
    assert.equal(await s.gw.passwords.verify('2002@default', 'another-password-1'), true);
    // DELETE removes the hash too.
    assert.equal((await s.api('DELETE', '/api/agents/2002@default')).status, 204);
    assert.equal(await redis.exists(key), 0);
  });

  it('400: schema violations and grammar refusals, with nothing sent to the switch', async () => {
    s.fs.clearReceived();
    const cases: Array<[string, string, unknown, RegExp?]> = [
      ['POST', '/api/agents', { name: '2010@default' }], // no contact
      ['POST', '/api/agents', { contact: 'user/2010' }], // no name
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', extra: 1 }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', wrapUpTime: -1 }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', wrapUpTime: 86_401 }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', wrapUpTime: 1.5 }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', wrapUpTime: 'ten' }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', status: 'available' }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', type: 'robot' }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010', password: 'short' }],
      ['POST', '/api/agents', { name: '2010', contact: 'user/2010' }],
      ['POST', '/api/agents', { name: '2010@default', contact: '' }],
      ['POST', '/api/agents', [1, 2]],
      ['POST', '/api/agents', 'not json'],
      ['PATCH', '/api/agents/2010@default', {}],
      ['PATCH', '/api/agents/2010@default', { name: 'x@y' }],
      ['PUT', '/api/agents/2010@default/status', { status: 'Bogus' }],
      ['PUT', '/api/agents/2010@default/status', { status: 'on break' }],
      ['PUT', '/api/agents/2010@default/status', {}],
      ['PUT', '/api/agents/not-a-name/status', { status: 'Available' }],
      ['GET', '/api/agents/not-a-name', undefined],
      ['POST', '/api/tiers', { queue: Q }],
      ['POST', '/api/tiers', { queue: Q, agent: '2010@default', level: 1001 }],
      ['POST', '/api/tiers', { queue: Q, agent: '2010@default', position: -1 }],
      ['POST', '/api/tiers', { queue: 'support', agent: '2010@default' }],
      ['PATCH', `/api/tiers/${Q}/2010@default`, { state: 'Unknown' }],
      ['PATCH', `/api/tiers/${Q}/2010@default`, {}],
      ['GET', '/api/tiers?queue=bad', undefined],
      ['GET', '/api/tiers?other=1', undefined],
      ['GET', '/api/queues/bad', undefined],
      ['GET', '/api/audit?limit=0', undefined],
      ['GET', '/api/audit?since=yesterday', undefined],
      ['GET', '/api/audit?limit=Infinity', undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await s.api(method, path, body);
      assertError(res, 400, 'INVALID_INPUT');
    }
    // Grammar: shapes the schema lets through, refused right before a command would be built.
    const grammar: Array<[string, string, unknown]> = [
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010|api shutdown' }],
      ['POST', '/api/agents', { name: '2010@default', contact: '{api_on_answer=shutdown}user/2010' }],
      ['POST', '/api/agents', { name: '2010@default', contact: '[execute_on_answer=hangup]user/2010' }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/${shutdown}' }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'user/2010 api shutdown' }],
      ['POST', '/api/agents', { name: '2010@default', contact: 'pstn/2010' }],
      ['POST', '/api/agents', { name: '2010@default', contact: "user/2010'" }],
      ['PATCH', '/api/agents/2010@default', { contact: 'user/2010,user/2011' }],
    ];
    for (const [method, path, body] of grammar) {
      const res = await s.api(method, path, body);
      assertError(res, 400, 'INVALID_INPUT');
      assert.equal(res.body.error.field, 'contact', JSON.stringify(res.body));
    }
    assert.deepEqual(writeCommands(s.fs.received), [], 'no refused request changed anything');
    assert.equal(s.fs.agent('2010@default'), undefined);
  });

  it('401 without a valid token, on reads and writes, before anything is sent', async () => {
    s.fs.clearReceived();
    const bad = [null, 'wrong-token-123456', '', ' '];
    for (const token of bad) {
      assertError(await s.api('GET', '/api/agents', undefined, token), 401, 'UNAUTHORIZED');
      assertError(await s.api('POST', '/api/agents', { name: '2011@default', contact: 'user/2011' }, token), 401, 'UNAUTHORIZED');
      assertError(await s.api('PUT', '/api/agents/2011@default/status', { status: 'Available' }, token), 401, 'UNAUTHORIZED');
      assertError(await s.api('GET', '/api/audit', undefined, token), 401, 'UNAUTHORIZED');
      assertError(await s.api('PUT', '/api/callers/5551234', { a: 'b' }, token), 401, 'UNAUTHORIZED');
    }
    // Other schemes, a valid token with extra characters, a prefix of it, two spaces.
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', `Bearer ${SUPERVISOR}x`, `Bearer ${SUPERVISOR.slice(0, -1)}`, `Bearer  ${SUPERVISOR}`, `Token ${SUPERVISOR}`, `Bearer ${SUPERVISOR},${SUPERVISOR}`]) {
      assertError(await raw(s.url, 'GET', '/api/agents', { headers: { authorization } }), 401, 'UNAUTHORIZED');
    }
    assert.deepEqual(s.fs.received, [], 'unauthenticated requests send nothing, not even reads');
    assert.equal(s.fs.agent('2011@default'), undefined);
  });

  it('403: a supervisor reads and sets status but cannot create, change or delete', async () => {
    assert.equal((await s.api('POST', '/api/agents', { name: '2020@default', contact: 'null/2020' })).status, 201);
    assert.equal((await s.api('POST', '/api/tiers', { queue: Q, agent: '2020@default' })).status, 201);
    s.fs.clearReceived();
    const forbidden: Array<[string, string, unknown]> = [
      ['POST', '/api/agents', { name: '2021@default', contact: 'null/2021' }],
      ['PATCH', '/api/agents/2020@default', { wrapUpTime: 3 }],
      ['DELETE', '/api/agents/2020@default', undefined],
      ['POST', '/api/tiers', { queue: Q, agent: '2020@default' }],
      ['PATCH', `/api/tiers/${Q}/2020@default`, { level: 3 }],
      ['DELETE', `/api/tiers/${Q}/2020@default`, undefined],
      ['POST', `/api/queues/${Q}/reload`, undefined],
      ['PUT', '/api/callers/5551234', { name: 'x' }],
      ['DELETE', '/api/callers/5551234', undefined],
    ];
    for (const [method, path, body] of forbidden) assertError(await s.api(method, path, body, SUPERVISOR), 403, 'FORBIDDEN');
    assert.deepEqual(s.fs.received, [], 'forbidden requests send nothing');
    assert.ok(s.fs.agent('2020@default'));
    assert.equal(s.fs.agent('2021@default'), undefined);
    assert.equal(s.fs.tiers().filter((t) => t.agent === '2020@default').length, 1);

    for (const path of ['/api/agents', '/api/agents/2020@default', '/api/tiers', `/api/queues`, `/api/queues/${Q}`, `/api/queues/${Q}/members`, '/api/audit']) {
      assert.equal((await s.api('GET', path, undefined, SUPERVISOR)).status, 200, path);
    }
    const st = await s.api('PUT', '/api/agents/2020@default/status', { status: 'Available' }, SUPERVISOR);
    assert.equal(st.status, 200);
    assert.equal(s.fs.agent('2020@default')?.status, 'Available');
  });

  it('404: unknown agent, tier, queue, caller and route', async () => {
    assertError(await s.api('GET', '/api/agents/nobody@default'), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('PATCH', '/api/agents/nobody@default', { wrapUpTime: 1 }), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('DELETE', '/api/agents/nobody@default'), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('PUT', '/api/agents/nobody@default/status', { status: 'Available' }, SUPERVISOR), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('POST', '/api/tiers', { queue: Q, agent: 'nobody@default' }), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('PATCH', `/api/tiers/${Q}/nobody@default`, { level: 2 }), 404, 'TIER_NOT_FOUND');
    assertError(await s.api('DELETE', `/api/tiers/${Q}/nobody@default`), 404, 'TIER_NOT_FOUND');
    assert.equal((await s.api('POST', '/api/agents', { name: '2030@default', contact: 'null/2030' })).status, 201);
    assertError(await s.api('POST', '/api/tiers', { queue: 'nosuch@default', agent: '2030@default' }), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('PATCH', `/api/tiers/nosuch@default/2030@default`, { level: 2 }), 404, 'TIER_NOT_FOUND');
    assertError(await s.api('GET', '/api/queues/nosuch@default'), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('GET', '/api/queues/nosuch@default/members'), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('POST', '/api/queues/nosuch@default/reload'), 404, 'QUEUE_NOT_FOUND');
    assertError(await s.api('GET', '/api/callers/5550000'), 404, 'CALLER_NOT_FOUND');
    assertError(await s.api('DELETE', '/api/callers/5550000'), 404, 'CALLER_NOT_FOUND');
    assertError(await s.api('GET', '/api/nothing-here'), 404, 'NOT_FOUND');
    assertError(await s.api('DELETE', '/api/agents'), 404, 'NOT_FOUND');
  });

  it('409: an agent or tier that exists is left as it was', async () => {
    assert.equal((await s.api('POST', '/api/agents', { name: '2040@default', contact: 'null/2040', wrapUpTime: 4 })).status, 201);
    const again = await s.api('POST', '/api/agents', { name: '2040@default', contact: 'user/9999', wrapUpTime: 99, status: 'Available' });
    assertError(again, 409, 'AGENT_EXISTS');
    const a = s.fs.agent('2040@default')!;
    assert.equal(a.contact, 'null/2040');
    assert.equal(a.wrapUpTime, 4);
    assert.equal(a.status, 'Logged Out');
    assert.equal((await s.api('POST', '/api/tiers', { queue: Q, agent: '2040@default', level: 2 })).status, 201);
    assertError(await s.api('POST', '/api/tiers', { queue: Q, agent: '2040@default', level: 7 }), 409, 'TIER_EXISTS');
    assert.equal(s.fs.tiers().find((t) => t.agent === '2040@default')?.level, 2);
  });

  it('DELETE agent takes its tiers out of GET /api/tiers and of the view, though the switch fires no event', async () => {
    const name = '2050@default';
    assert.equal((await s.api('POST', '/api/agents', { name, contact: 'null/2050' })).status, 201);
    assert.equal((await s.api('POST', '/api/tiers', { queue: Q, agent: name })).status, 201);
    assert.ok(s.gw.view.tiers.has(`${Q}\u0000${name}`));
    assert.ok(s.gw.view.agents.has(name));
    const events: FsEvent[] = [];
    const off = s.fs.onEvent((e) => events.push(e));
    s.fs.clearReceived();
    const del = await s.api('DELETE', `/api/agents/${name}`);
    off();
    assert.equal(del.status, 204);
    assert.equal(del.body, null);
    assert.deepEqual(events.map((e) => e.subclass ?? e.name), [], 'agent del fires no event');
    assert.deepEqual(writeCommands(s.fs.received), [`api callcenter_config agent del ${name}`]);
    // The view was updated from the +OK alone (no resync ran: only the delete was sent).
    assert.ok(!s.gw.view.agents.has(name));
    assert.ok(!s.gw.view.tiers.has(`${Q}\u0000${name}`));
    assert.equal(s.fs.agent(name), undefined);
    assert.deepEqual(s.fs.tiers().filter((t) => t.agent === name), []);
    const tiers = await s.api('GET', '/api/tiers');
    assert.ok(!tiers.body.some((t: { agent: string }) => t.agent === name));
    const detail = await s.api('GET', `/api/queues/${Q}`);
    assert.ok(!detail.body.agents.some((a: { name: string }) => a.name === name));
    assertError(await s.api('GET', `/api/agents/${name}`), 404, 'AGENT_NOT_FOUND');
  });

  it('an agent deleted with fs_cli is gone from GET /api/agents; tiers changed with fs_cli show in GET /api/tiers', async () => {
    const name = '2060@default';
    assert.equal((await s.api('POST', '/api/agents', { name, contact: 'null/2060' })).status, 201);
    assert.equal((await s.api('POST', '/api/tiers', { queue: Q, agent: name })).status, 201);
    assert.ok((await s.api('GET', '/api/agents')).body.some((a: { name: string }) => a.name === name));

    // Tiers changed behind the gateway's back (no event): the next GET reads the switch.
    assert.equal(s.fs.api(`callcenter_config tier set level ${Q} ${name} 4`).trim(), '+OK');
    assert.equal(s.fs.api(`callcenter_config tier set position ${Q} ${name} 8`).trim(), '+OK');
    let tiers = await s.api('GET', `/api/tiers?queue=${Q}&agent=${name}`);
    assert.deepEqual(tiers.body, [{ queue: Q, agent: name, state: 'Ready', level: 4, position: 8 }]);
    assert.equal(s.gw.view.tiers.get(`${Q}\u0000${name}`)?.level, 4, 'the view follows the live list');
    assert.equal(s.fs.api(`callcenter_config tier del ${Q} ${name}`).trim(), '+OK');
    tiers = await s.api('GET', '/api/tiers');
    assert.ok(!tiers.body.some((t: { agent: string }) => t.agent === name));
    assert.equal(s.fs.api(`callcenter_config tier add ${Q} ${name} 2 2`).trim(), '+OK');
    tiers = await s.api('GET', `/api/tiers?agent=${name}`);
    assert.deepEqual(tiers.body, [{ queue: Q, agent: name, state: 'Ready', level: 2, position: 2 }]);

    // The agent deleted behind the gateway's back (agent del fires no event).
    assert.equal(s.fs.api(`callcenter_config agent del ${name}`).trim(), '+OK');
    assert.ok(s.gw.view.agents.has(name), 'the view cannot know yet');
    const list = await s.api('GET', '/api/agents');
    assert.equal(list.status, 200);
    assert.ok(!list.body.some((a: { name: string }) => a.name === name));
    assert.ok(!s.gw.view.agents.has(name));
    assertError(await s.api('GET', `/api/agents/${name}`), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('PUT', `/api/agents/${name}/status`, { status: 'Available' }), 404, 'AGENT_NOT_FOUND');
    assertError(await s.api('DELETE', `/api/agents/${name}`), 404, 'AGENT_NOT_FOUND');
    // And an agent added with fs_cli shows up.
    assert.equal(s.fs.api('callcenter_config agent add 2061@default callback').trim(), '+OK');
    await waitFor(async () => (await s.api('GET', '/api/agents')).body.some((a: { name: string }) => a.name === '2061@default'), 'fs_cli agent listed');
  });

  it('audit: REST commands are recorded with actor, reply and latency; filters by agent, since and limit', async () => {
    const name = '2070@default';
    const t0 = Date.now();
    assert.equal((await s.api('POST', '/api/agents', { name, contact: 'null/2070', wrapUpTime: 2 })).status, 201);
    assertError(await s.api('POST', '/api/agents', { name, contact: 'null/2070' }), 409);
    assert.equal((await s.api('PUT', `/api/agents/${name}/status`, { status: 'Available' }, SUPERVISOR)).status, 200);
    type Entry = { id: string; at: string; source: string; actor: string; agent: string | null; command: string; ok: boolean; reply: string; latencyMs: number };
    let entries: Entry[] = [];
    await waitFor(async () => {
      entries = (await s.api('GET', `/api/audit?agent=${name}`, undefined, SUPERVISOR)).body;
      return entries.some((e) => e.command.includes('agent set status'));
    }, 'audit entries written');
    const commands = entries.map((e) => e.command).reverse();
    assert.deepEqual(commands, [
      `callcenter_config agent add ${name} callback`,
      `callcenter_config agent set contact ${name} null/2070`,
      `callcenter_config agent set wrap_up_time ${name} 2`,
      `callcenter_config agent list ${name}`,
      `callcenter_config agent add ${name} callback`,
      `callcenter_config agent set status ${name} Available`,
    ]);
    // Milliseconds: no command can have taken longer than this whole test so far.
    const elapsedMs = Date.now() - t0;
    for (const e of entries) {
      assert.equal(e.source, 'rest');
      assert.equal(e.agent, name);
      assert.equal(typeof e.latencyMs, 'number');
      assert.ok(e.latencyMs >= 0 && e.latencyMs <= elapsedMs + 1, `${e.latencyMs} ms in a test that took ${elapsedMs} ms`);
      assert.ok(Date.parse(e.at) >= t0 - 1000, e.at);
    }
    const status = entries.find((e) => e.command.includes('set status'))!;
    assert.equal(status.actor, 'watcher', 'the supervisor token name');
    assert.equal(status.ok, true);
    assert.equal(status.reply, '+OK\n');
    const add = entries.filter((e) => e.command.includes('agent add'));
    assert.equal(add[1]!.actor, 'boss');
    assert.equal(add[1]!.ok, true);
    assert.equal(add[0]!.ok, false, 'the refused add is recorded');
    assert.match(add[0]!.reply, /^-ERR Agent already exist!/);
    // Newest first; limit.
    const two = (await s.api('GET', `/api/audit?agent=${name}&limit=2`)).body as Entry[];
    assert.deepEqual(two.map((e) => e.id), entries.slice(0, 2).map((e) => e.id));
    // since: only what happened at or after it.
    const mark = new Date(Date.now() + 2);
    await waitFor(() => Date.now() > mark.getTime() + 1, 'the clock passes the mark', 1000);
    assert.equal((await s.api('PUT', `/api/agents/${name}/status`, { status: 'On Break' })).status, 200);
    let recent: Entry[] = [];
    await waitFor(async () => {
      recent = (await s.api('GET', `/api/audit?agent=${name}&since=${mark.toISOString()}`)).body;
      return recent.length > 0;
    }, 'entry after the mark');
    assert.deepEqual(recent.map((e) => e.command), [`callcenter_config agent set status ${name} 'On Break'`]);
    assert.equal(recent[0]!.actor, 'boss');
    // Without an agent filter: other agents' and the gateway's own commands are there too.
    const any = (await s.api('GET', '/api/audit?limit=1000')).body as Entry[];
    assert.ok(any.some((e) => e.source === 'resync' && e.actor === 'gateway'));
    assert.ok(any.some((e) => e.agent === '2001@default'));
    assert.ok(any.length <= 1000);
  });
});
