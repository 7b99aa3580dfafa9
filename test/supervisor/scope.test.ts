/**
 * The queue scope rule (src/supervisor/scope.ts), its configuration (TOKEN_QUEUES), and the
 * console page's pure reducer (web/supervisor/state.js) run in Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';
import { tokenResolver } from '../../src/http/auth.js';
import { agentInScope, callInScope, EVERY_QUEUE, narrow, queueInScope, scopeOf } from '../../src/supervisor/scope.js';

const TOKENS = 'a:supervisor:aaaaaaaaaa,b:admin:bbbbbbbbbb';

test('TOKEN_QUEUES gives named tokens a queue scope; the resolver hands it to the principal', () => {
  const c = loadConfig({ API_TOKENS: TOKENS, TOKEN_QUEUES: 'a=sales@default|vip@default' });
  assert.deepEqual(c.tokens.find((t) => t.name === 'a')?.queues, ['sales@default', 'vip@default']);
  assert.equal(c.tokens.find((t) => t.name === 'b')?.queues, undefined);
  const resolve = tokenResolver(c.tokens);
  assert.deepEqual(resolve('Bearer aaaaaaaaaa'), { name: 'a', role: 'supervisor', queues: ['sales@default', 'vip@default'] });
  assert.deepEqual(resolve('Bearer bbbbbbbbbb'), { name: 'b', role: 'admin' });
  for (const bad of ['a', 'a=', '=sales@default', 'a=sales', 'a=sales@default|bad queue', 'nobody=sales@default']) {
    assert.throws(() => loadConfig({ API_TOKENS: TOKENS, TOKEN_QUEUES: bad }), ConfigError, bad);
  }
});

test('scope rule: queues named, agents by their tiers, calls by their queue; a filter only narrows', () => {
  const sales = scopeOf({ queues: ['sales@default'] });
  assert.equal(queueInScope(sales, 'sales@default'), true);
  assert.equal(queueInScope(sales, 'support@default'), false);
  assert.equal(agentInScope(sales, ['support@default', 'sales@default']), true);
  assert.equal(agentInScope(sales, ['support@default']), false);
  assert.equal(agentInScope(sales, []), false, 'an agent without tiers is outside every scoped token');
  assert.equal(agentInScope(EVERY_QUEUE, []), true);
  assert.equal(callInScope(sales, { queue: 'support@default' }), false);
  assert.equal(scopeOf({}), EVERY_QUEUE);
  assert.equal(narrow(sales, ['support@default']), null);
  assert.deepEqual([...(narrow(sales, ['sales@default'])?.queues ?? [])], ['sales@default']);
  assert.equal(narrow(sales, null), sales);
});

test('the page reducer: snapshot, diffs, acks of eavesdrop, errors, sorting', async () => {
  const path = new URL('../../web/supervisor/state.js', import.meta.url).href;
  const s = await import(path);
  let st = s.initialState();
  st = s.receive(st, { type: 'hello', id: 1, name: 'w', role: 'supervisor', queues: null });
  assert.equal(st.phase, 'connecting');
  const agent = (name: string, status: string, stateSince: number) => ({ name, status, state: 'Waiting', reason: null, statusSince: null, stateSince, queues: ['q@d'], call: null });
  st = s.receive(st, { type: 'snapshot', seq: 1, at: 0, switchConnected: true, filter: null, agents: [agent('b@d', 'On Break', 1000), agent('a@d', 'Available', 3000)], queues: [{ name: 'q@d', waiting: [], agents: {}, kpis: null }], calls: [] });
  assert.equal(st.phase, 'live');
  assert.deepEqual(st.knownQueues, ['q@d']);
  assert.deepEqual(s.sortedAgents(st, 5000).map((a: { name: string }) => a.name), ['a@d', 'b@d']);
  st = s.sortBy(st, 'since');
  assert.deepEqual(s.sortedAgents(st, 5000).map((a: { name: string }) => a.name), ['a@d', 'b@d'], 'shortest time in state first');
  st = s.sortBy(st, 'since');
  assert.deepEqual(s.sortedAgents(st, 5000).map((a: { name: string }) => a.name), ['b@d', 'a@d']);
  st = s.receive(st, { type: 'diff', seq: 2, at: 0, agents: { upsert: [agent('c@d', 'Available', 0)], remove: ['b@d'] }, switchConnected: false });
  assert.deepEqual([...st.agents.keys()].sort(), ['a@d', 'c@d']);
  assert.equal(st.switchConnected, false);
  st = s.sent(st, 7, { kind: 'call.eavesdrop', agent: 'a@d', mode: 'whisper' });
  st = s.receive(st, { type: 'ack', id: 7, leg: 'L' });
  assert.deepEqual(st.eavesdrop, { leg: 'L', agent: 'a@d', mode: 'whisper' });
  st = s.sent(st, 8, { kind: 'agent.status' });
  st = s.receive(st, { type: 'error', id: 8, code: 'OUT_OF_SCOPE', message: 'no' });
  assert.deepEqual(st.error, { code: 'OUT_OF_SCOPE', message: 'no' });
  assert.equal(st.pending.size, 0);
  st = s.receive(st, { type: 'error', id: null, code: 'AUTH_FAILED', message: 'x' });
  assert.equal(st.phase, 'login');
});

test('KPI adapter: a queue row gets today\'s figures of its queue, null when the engine does not know it', async () => {
  const { kpisOf } = await import('../../src/supervisor/kpis.js');
  const today = { offered: 10, answered: 8, abandoned: 1, serviceLevel: 0.75, abandonRate: 0.1, asaS: 12, ahtS: 200 };
  const read = kpisOf({ snapshot: ({ queues }) => ({ queues: queues.filter((q) => q === 'q@d').map((queue) => ({ queue, today, longestWaitS: 42 })) }) });
  assert.deepEqual(read('q@d'), { ...today, longestWaitS: 42 });
  assert.equal(read('other@d'), null);
});
