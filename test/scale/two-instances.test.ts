/**
 * Two gateway instances in this process on one FreeSWITCH double and one Redis
 * (DESK_STREAM=redis), without a balancer: a page moves from one to the other
 * and resumes from the shared stream; a revoke on one closes the page on the
 * other; a grace on one does nothing while the agent has a page on the other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { raw } from '../helpers/http.js';
import { DeskClient, waitFor } from '../helpers/stack.js';
import { closed, passwordOf, seqs } from '../realtime/desk-helpers.js';

const ADMIN = 'admin-token-0123456789';
const A = '1001@default';

interface Pair {
  fs: FreeSwitchDouble;
  redis: TestRedis;
  gws: Gateway[];
  stop(): Promise<void>;
}

async function startPair(env: Record<string, string> = {}): Promise<Pair> {
  const fs = await FreeSwitchDouble.start({ ringMs: 30 });
  const redis = await startRedis();
  const prefix = `p${randomBytes(3).toString('hex')}:`;
  const gws: Gateway[] = [];
  for (const id of ['gwA', 'gwB']) {
    const config = loadConfig({ ESL_PORT: String(fs.port), HTTP_PORT: '0', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, ADMIN_TOKEN: ADMIN, CALL_RECORDS: 'off', DESK_STREAM: 'redis', INSTANCE_ID: id, ...env });
    gws.push(await startGateway({ config, logger: silentLogger(), resyncIntervalMs: 0, eslBackoff: { initialMs: 20, maxMs: 200 } }));
  }
  await waitFor(() => gws.every((g) => g.callCenter.ready && g.calls.rebuilds > 0), 'both instances connected');
  return {
    fs,
    redis,
    gws,
    async stop() {
      for (const g of gws) await g.stop().catch(() => undefined);
      await fs.stop();
      await redis.stop();
    },
  };
}

async function api(gw: Gateway, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return raw(gw.url, method, path, { headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

async function login(gw: Gateway, agent: string): Promise<{ desk: DeskClient; token: string }> {
  const desk = await DeskClient.open(gw.url);
  const ack = await desk.request({ type: 'login', agent, password: passwordOf(agent), ready: true });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await desk.next('snapshot');
  return { desk, token: (ack as { token: string }).token };
}

test('a page leaves instance A; the switch changes meanwhile; it resumes on B with exactly the pushes it missed, then live ones', async () => {
  const p = await startPair();
  const [ga, gb] = p.gws as [Gateway, Gateway];
  try {
    assert.equal((await api(ga, 'POST', '/api/agents', { name: A, contact: 'null/agent-1001', password: passwordOf(A) })).status, 201);
    const first = await login(ga, A);
    await waitFor(() => gb.desk.channel(A) !== undefined, 'B follows the agent');
    const gone = closed(first.desk);
    first.desk.ws.terminate();
    await gone;
    p.fs.api(`callcenter_config agent set status ${A} 'On Break'`);
    p.fs.api(`callcenter_config agent set state ${A} Idle`);
    const before = seqs(first.desk);
    const last = before[before.length - 1]!;
    await waitFor(() => (gb.desk.channel(A)?.seq ?? 0) >= last + 2, 'B numbered the two pushes');

    const second = await DeskClient.open(gb.url);
    const ack = await second.request({ type: 'resume', agent: A, token: first.token, lastSeq: last });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    await second.next('agent.state', (m) => m.state === 'Idle');
    assert.deepEqual(
      second.received.filter((m) => m.type !== 'ack').map((m) => [m.type, 'seq' in m ? m.seq : null]),
      [
        ['agent.status', last + 1],
        ['agent.state', last + 2],
      ],
    );
    p.fs.api(`callcenter_config agent set status ${A} Available`);
    const live = await second.next('agent.status', (m) => m.status === 'Available');
    assert.equal(live.seq, last + 3);
    second.ws.terminate();
  } finally {
    await p.stop();
  }
});

test('deleting an agent through A closes its page on B (4001), and its token no longer resumes anywhere', async () => {
  const p = await startPair();
  const [ga, gb] = p.gws as [Gateway, Gateway];
  try {
    assert.equal((await api(ga, 'POST', '/api/agents', { name: A, contact: 'null/agent-1001', password: passwordOf(A) })).status, 201);
    const page = await login(gb, A);
    const shut = closed(page.desk);
    assert.equal((await api(ga, 'DELETE', `/api/agents/${encodeURIComponent(A)}`)).status, 204);
    assert.equal((await shut).code, 4001);
    const again = await DeskClient.open(ga.url);
    const r = await again.request({ type: 'resume', agent: A, token: page.token, lastSeq: 1 });
    assert.equal(r.type, 'error');
    again.ws.terminate();
  } finally {
    await p.stop();
  }
});

test('graces: the agent’s page on A goes while its other page on B stays: A’s grace sends nothing; when B’s goes too, On Break is sent once', async () => {
  const p = await startPair({ AGENT_AWAY_GRACE_S: '1', AGENT_LOGOUT_GRACE_S: '600' });
  const [ga, gb] = p.gws as [Gateway, Gateway];
  try {
    assert.equal((await api(ga, 'POST', '/api/agents', { name: A, contact: 'null/agent-1001', password: passwordOf(A) })).status, 201);
    const onA = await login(ga, A);
    const onB = await login(gb, A);
    const from = p.fs.received.length;
    const goneA = closed(onA.desk);
    onA.desk.ws.terminate();
    await goneA;
    await waitFor(() => ga.desk.channel(A)?.awayTimer !== null && ga.desk.channel(A)?.awayTimer !== undefined, 'A started its grace');
    await waitFor(() => ga.desk.channel(A)?.awayTimer === null, 'A’s grace fell', 5000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(p.fs.agent(A)?.status, 'Available', 'the page on B keeps the agent available');
    assert.deepEqual(p.fs.received.slice(from).filter((c) => c.includes('set status')), []);

    const goneB = closed(onB.desk);
    onB.desk.ws.terminate();
    await goneB;
    await waitFor(() => p.fs.agent(A)?.status === 'On Break', 'On Break after B’s grace', 5000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(p.fs.received.slice(from).filter((c) => c.includes(`set status ${A} 'On Break'`)).length, 1);
  } finally {
    await p.stop();
  }
});
