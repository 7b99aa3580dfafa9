import assert from 'node:assert/strict';
import { DeskClient, waitFor } from '../helpers/stack.js';
import type { EventRecorder, GatewayOnTarget, Target } from './targets.js';

/**
 * The scenarios of the real-switch tier, written once and run on both targets. Each asserts what
 * the gateway shows at its edges (REST, the desk WebSocket) and returns the observations that
 * must be equal on both targets; the callcenter events underneath are compared by the caller.
 */

export interface Ctx {
  readonly t: Target;
  readonly g: GatewayOnTarget;
  readonly rec: EventRecorder;
}

export interface Scenario {
  readonly name: string;
  run(ctx: Ctx): Promise<unknown>;
}

export const QUEUE = 'support@default';
const A = '1001@default';
const PASSWORD = 'pw-1001-secret';
/** Latin-1 "José": the caller's display name as raw bytes on the SIP wire. */
export const LATIN1_NAME = 'Jos\xe9';

export async function createAgent(c: Ctx, contact: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await c.g.api('POST', '/api/agents', { name: A, contact, password: PASSWORD, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const t = await c.g.api('POST', '/api/tiers', { queue: QUEUE, agent: A });
  assert.equal(t.status, 201, JSON.stringify(t.body));
}

async function agent(c: Ctx): Promise<{ status: string; state: string; contact: string }> {
  const r = await c.g.api('GET', `/api/agents/${A}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function until(c: Ctx, pred: (a: { status: string; state: string }) => boolean, what: string, timeoutMs = 30000): Promise<void> {
  let last: unknown = null;
  await waitFor(
    async () => {
      last = await agent(c);
      return pred(last as { status: string; state: string });
    },
    `${what} (last ${JSON.stringify(last)})`,
    timeoutMs,
  );
}

/** Where each desk's observation starts: after the login settled, with the status it showed. */
const settled = new WeakMap<DeskClient, { from: number; status: string; state: string }>();

/**
 * Logs in on the desk (which puts the agent On Break, reason "logged in", unless `ready`) and
 * waits until the page shows the status the login asked for: the login's own status change may
 * reach the page before or after its snapshot (on the real switch events lag the command reply
 * by up to one 20 ms event-socket poll), so what the scenario observes starts only then.
 */
export async function desk(c: Ctx, ready = false): Promise<DeskClient> {
  const d = await DeskClient.open(c.g.url);
  const reply = await d.request({ type: 'login', agent: A, password: PASSWORD, ready });
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  const snap = await d.next('snapshot');
  const want = ready ? 'Available' : 'On Break';
  if (snap.agent.status !== want) await d.next('agent.status', (m) => m.status === want, 15000);
  const state = [...d.received].reverse().find((m) => m.type === 'agent.state');
  settled.set(d, { from: d.received.length, status: want, state: state?.type === 'agent.state' ? state.state : snap.agent.state });
  return d;
}

/** A call that is talked on for a moment, as people do (both media paths up). */
export const talk = () => new Promise((r) => setTimeout(r, 1000));

/**
 * The pushes a desk received after its login settled. On the real switch the event confirming a
 * status the gateway already applied (on the switch's +OK) can arrive after the page was told:
 * a status or state push equal to what the page already shows is left out (the page is right
 * either way).
 */
export function pushes(d: DeskClient): string[] {
  const start = settled.get(d)!;
  let { status, state } = start;
  const out: string[] = [];
  for (const m of d.received.slice(start.from)) {
    if (m.type === 'ack' || m.type === 'queue.waiting') continue;
    if (m.type === 'agent.status') {
      if (m.status === status) continue;
      status = m.status;
    }
    if (m.type === 'agent.state') {
      if (m.state === state) continue;
      state = m.state;
    }
    out.push(m.type);
  }
  return out;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'agent-lifecycle',
    async run(c) {
      const contact = await c.t.agentPhone('1001', true);
      await createAgent(c, contact);
      const created = await agent(c);
      const patched = await c.g.api('PATCH', `/api/agents/${A}`, { contact: `[leg_timeout=20]${contact}` });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      await c.rec.waitFor('agent-contact-change', (e) => (e.headers.get('CC-Agent-Contact') ?? '').startsWith('[leg_timeout=20]'));
      const d = await desk(c);
      const put = await c.g.api('PUT', `/api/agents/${A}/status`, { status: 'Available (On Demand)' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      await d.next('agent.status', (m) => m.status === 'Available (On Demand)', 15000);
      const caller = await c.t.call({ name: 'Alice', digits: '1111#' });
      await d.next('call.bridged', () => true, 30000);
      await talk();
      await caller.hangup();
      await d.next('call.ended', () => true, 30000);
      // Available (On Demand): one call, then Idle with the status unchanged.
      await d.next('agent.state', (m) => m.state === 'Idle', 15000);
      await until(c, (a) => a.state === 'Idle', 'agent Idle after its on-demand call');
      const after = await agent(c);
      d.close();
      const del = await c.g.api('DELETE', `/api/agents/${A}`);
      assert.equal(del.status, 204, JSON.stringify(del.body));
      const gone = await c.g.api('GET', `/api/agents/${A}`);
      assert.equal(gone.status, 404);
      assert.doesNotMatch(await c.t.api('callcenter_config agent list'), /1001@default/);
      return {
        created: { status: created.status, state: created.state, contact: created.contact },
        patched: patched.body.contact,
        after: { status: after.status, state: after.state },
        pushes: pushes(d),
      };
    },
  },
  {
    // Also the Latin-1 caller name (raw byte 0xE9 on the SIP wire) and the 7000 prompt's
    // account number keyed as DTMF, reaching the screen pop as a variable.
    name: 'call-caller-hangs-up',
    async run(c) {
      await createAgent(c, await c.t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk(c, true);
      const caller = await c.t.call({ name: LATIN1_NAME, digits: '4242#' });
      const pop = await d.next('call.offered', () => true, 30000);
      const bridged = await d.next('call.bridged', () => true, 30000);
      await talk();
      await caller.hangup();
      const ended = await d.next('call.ended', () => true, 30000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      d.close();
      assert.equal(pop.callerName, LATIN1_NAME);
      assert.equal(pop.data?.account_number, '4242');
      return {
        pop: { callerName: pop.callerName, callerNumber: pop.callerNumber, dnis: pop.dnis, data: pop.data, phase: pop.phase },
        bridged: { callerName: bridged.callerName, callerNumber: bridged.callerNumber },
        ended: { cause: ended.cause, hangupCause: ended.hangupCause },
        pushes: pushes(d),
      };
    },
  },
  {
    name: 'call-agent-hangs-up',
    async run(c) {
      await createAgent(c, await c.t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk(c, true);
      await c.t.call({ name: 'Bob', digits: '1234567#' });
      const pop = await d.next('call.offered', () => true, 30000);
      await d.next('call.bridged', () => true, 30000);
      await talk();
      await c.t.hangupAgent('1001');
      const ended = await d.next('call.ended', () => true, 30000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      d.close();
      return { data: pop.data, ended: { cause: ended.cause, hangupCause: ended.hangupCause }, pushes: pushes(d) };
    },
  },
  {
    name: 'caller-abandons',
    async run(c) {
      // Nobody is available: the caller waits, then hangs up.
      await createAgent(c, await c.t.agentPhone('1001', true), { status: 'On Break' });
      const caller = await c.t.call({ name: 'Carol', digits: '55555#' });
      await c.rec.waitFor('member-queue-start');
      await waitFor(async () => (await c.g.api('GET', `/api/queues/${QUEUE}/members`)).body.length === 1, 'member listed', 15000);
      await caller.hangup();
      const end = await c.rec.waitFor('member-queue-end');
      await waitFor(async () => (await c.g.api('GET', `/api/queues/${QUEUE}/members`)).body.every((m: { state: string }) => m.state === 'Abandoned'), 'member Abandoned', 15000);
      const members = (await c.g.api('GET', `/api/queues/${QUEUE}/members`)).body as Array<{ state: string; callerName: string }>;
      return { cause: end.headers.get('CC-Cause'), members: members.map((m) => ({ state: m.state, callerName: m.callerName })) };
    },
  },
  {
    // KPIs (helper kpis): after an answered call and an abandoned one, the live counters say what SQL over
    // the call records says. Short or long abandon depends on the switch's pace: only their sum is compared.
    name: 'kpis-live-equal-sql',
    async run(c) {
      await createAgent(c, await c.t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk(c, true);
      const first = await c.t.call({ name: 'Kim', digits: '4444#' });
      await d.next('call.bridged', () => true, 30000);
      await talk();
      await first.hangup();
      await d.next('call.ended', () => true, 30000);
      d.close();
      const put = await c.g.api('PUT', `/api/agents/${A}/status`, { status: 'On Break' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const second = await c.t.call({ name: 'Lee', digits: '5555#' });
      await c.rec.waitFor('member-queue-start', (e) => e.headers.get('CC-Member-CID-Name') === 'Lee');
      await second.hangup();
      await c.rec.waitFor('member-queue-end', (e) => e.headers.get('CC-Member-CID-Name') === 'Lee');
      await waitFor(async () => (await c.g.api('GET', '/api/calls')).body.items?.length === 2, 'two call records', 30000);
      const live = (await c.g.api('GET', '/api/kpis')).body;
      const to = new Date(Date.parse(live.from) + 86_400_000).toISOString();
      const history = (await c.g.api('GET', `/api/kpis?from=${live.from}&to=${to}`)).body;
      assert.deepEqual(live.totals, history.totals, 'live counters equal SQL');
      const t = live.totals;
      return { offered: t.offered, answered: t.answered, abandonedAll: t.abandoned + t.shortAbandoned, otherUnanswered: t.otherUnanswered, waitingNow: live.live.waitingNow };
    },
  },
  {
    name: 'agent-does-not-answer',
    async run(c) {
      const contact = await c.t.agentPhone('1001', false);
      await createAgent(c, `[leg_timeout=3]${contact}`, { status: 'Available', maxNoAnswer: 1 });
      const d = await desk(c, true);
      await c.t.call({ name: 'Dave', digits: '2222#' });
      await d.next('call.offered', () => true, 30000);
      const missed = await d.next('call.missed', () => true, 30000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      await until(c, (a) => a.status === 'On Break', 'agent On Break after max-no-answer');
      d.close();
      return { missed: { hangupCause: missed.hangupCause, status: missed.status, callerName: missed.callerName }, pushes: pushes(d) };
    },
  },
  {
    name: 'fs-cli-behind-the-gateway',
    async run(c) {
      await createAgent(c, await c.t.agentPhone('1001', true));
      const d = await desk(c, true);
      assert.match(await c.t.api(`callcenter_config agent set status ${A} 'On Break'`), /^\+OK/);
      const pushed = await d.next('agent.status', (m) => m.status === 'On Break', 15000);
      assert.match(await c.t.api(`callcenter_config agent set state ${A} Idle`), /^\+OK/);
      await d.next('agent.state', (m) => m.state === 'Idle', 15000);
      await until(c, (a) => a.status === 'On Break' && a.state === 'Idle', 'view follows fs_cli');
      const view = c.g.gw.view.agents.get(A);
      d.close();
      return { pushed: pushed.status, view: view ? { status: view.status, state: view.state } : null, pushes: pushes(d) };
    },
  },
  {
    name: 'switch-restart',
    async run(c) {
      await createAgent(c, await c.t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk(c, true);
      await c.t.restart();
      await c.rec.reconnect();
      // Pages get a fresh snapshot once the gateway is back and has resynced.
      const snap = await d.next('snapshot', (m) => m.switchConnected, 60000);
      await waitFor(() => c.g.gw.callCenter.ready, 'gateway reconnected', 60000);
      const a = await agent(c);
      // ...and the switch still routes to the agent.
      const caller = await c.t.call({ name: 'Erin', digits: '777777#' });
      const pop = await d.next('call.offered', () => true, 30000);
      await d.next('call.bridged', () => true, 30000);
      await talk();
      await caller.hangup();
      await d.next('call.ended', () => true, 30000);
      d.close();
      return { snapshot: { status: snap.agent.status, state: snap.agent.state }, rest: { status: a.status, state: a.state }, data: pop.data };
    },
  },
  {
    name: 'desk-phone-feature-codes',
    async run(c) {
      // The agent exists (created by the gateway) but has no tier: *21 makes it Available.
      const seen: Array<{ status: string; state: string; contact: string }> = [];
      await c.t.featureCode('1001', '*21');
      await until(c, (a) => a.status === 'Available', '*21 made the agent Available');
      seen.push(await agent(c));
      await c.t.featureCode('1001', '*22');
      await until(c, (a) => a.status === 'On Break', '*22 put the agent On Break');
      seen.push(await agent(c));
      await c.t.featureCode('1001', '*23');
      await until(c, (a) => a.status === 'Logged Out', '*23 logged the agent out');
      seen.push(await agent(c));
      return seen.map((a) => ({ status: a.status, state: a.state, contact: a.contact }));
    },
  },
  {
    // After-call work (src/aftercall): a wrap-up of 30 s keeps a waiting caller away; acw.end
    // (wrap_up_time 0) offers it at once; the agent's own wrap-up time is back for that call's end.
    name: 'acw-end-early',
    async run(c) {
      await createAgent(c, await c.t.agentPhone('1001', true), { status: 'Available', wrapUpTime: 30 });
      const d = await desk(c, true);
      const first = await c.t.call({ name: 'Gina', digits: '1111#' });
      await d.next('call.bridged', () => true, 30000);
      await talk();
      await first.hangup();
      const started = await d.next('acw.started', () => true, 30000);
      const second = await c.t.call({ name: 'Hank', digits: '2222#' });
      await c.rec.waitFor('member-queue-start', (e) => e.headers.get('CC-Member-CID-Name') === 'Hank');
      await new Promise((r) => setTimeout(r, 2000));
      const offeredInWrapUp = d.received.some((m) => m.type === 'call.offered' && m.callerName === 'Hank');
      const ack = await d.request({ type: 'acw.end' });
      const offered = await d.next('call.offered', (m) => m.callerName === 'Hank', 15000);
      await d.next('call.bridged', (m) => m.callerName === 'Hank', 30000);
      await talk();
      await second.hangup();
      const again = await d.next('acw.started', (m) => m.memberUuid === offered.memberUuid, 30000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      const after = await agent(c);
      d.close();
      return {
        started: { wrapUpS: started.wrapUpS, required: started.required, codes: started.dispositions.map((x) => x.code) },
        offeredInWrapUp,
        ack: ack.type,
        again: again.wrapUpS,
        wrapUpTime: (after as { wrapUpTime?: number }).wrapUpTime,
        pushes: pushes(d),
      };
    },
  },
  {
    name: 'ivr-7100',
    async run(c) {
      await createAgent(c, await c.t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk(c, true);
      const caller = await c.t.call({ name: 'Frank', viaIvr: true, digits: '9999#' });
      const pop = await d.next('call.offered', () => true, 30000);
      await d.next('call.bridged', () => true, 30000);
      await talk();
      await caller.hangup();
      const ended = await d.next('call.ended', () => true, 30000);
      d.close();
      return { dnis: pop.dnis, data: pop.data, ended: ended.cause };
    },
  },
];
