/**
 * The supervisor console's actions on the FreeSWITCH double: the exact
 * commands reaching the switch, what the switch then shows, the audit trail
 * (source supervisor, actor = token name), and refusals that send nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, SUPERVISOR, startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent } from '../realtime/desk-helpers.js';
import { ConsoleClient } from './helpers.js';

const Q = 'support@default';
const A = '4001@default';
const B = '4002@default';

interface AuditRow {
  source: string;
  actor: string;
  agent: string | null;
  command: string;
  ok: boolean;
  reply: string;
}

async function audit(s: Stack, agent?: string): Promise<AuditRow[]> {
  const r = await s.api('GET', `/api/audit?limit=50${agent ? `&agent=${encodeURIComponent(agent)}` : ''}`, undefined, ADMIN);
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body));
  return r.body as AuditRow[];
}

async function bridgedCall(s: Stack, agent: string, number: string): Promise<{ callerUuid: string; memberSession: string; agentLeg: string }> {
  // Only this agent may take the call.
  for (const other of [A, B]) if (other !== agent) assert.equal((await s.api('PUT', `/api/agents/${other}/status`, { status: 'On Break' })).status, 200);
  assert.equal((await s.api('PUT', `/api/agents/${agent}/status`, { status: 'Available' })).status, 200);
  const ids = s.fs.injectCaller({ number, name: 'Caller', destination: '7000' });
  await waitFor(() => s.gw.calls.ofAgent(agent)?.phase === 'bridged' && !!s.gw.calls.ofAgent(agent)?.agentLegUuid, `${agent} bridged`);
  const call = s.gw.calls.ofAgent(agent)!;
  return { callerUuid: ids.callerUuid, memberSession: call.memberSessionUuid, agentLeg: call.agentLegUuid! };
}

describe('supervisor console actions', () => {
  let s: Stack;
  let c: ConsoleClient;
  before(async () => {
    s = await startStack();
    await addAgent(s, A, { queue: Q });
    await addAgent(s, B, { queue: Q });
    c = await ConsoleClient.login(s.url, SUPERVISOR);
  });
  after(async () => {
    c.close();
    await s.stop();
  });

  it('agent.status forces a status and logs an agent out; both audited as source supervisor', async () => {
    assert.equal((await c.request({ type: 'agent.status', agent: A, status: 'On Break' })).type, 'ack');
    assert.equal(s.fs.agent(A)?.status, 'On Break');
    assert.equal((await c.request({ type: 'agent.status', agent: A, status: 'Logged Out' })).type, 'ack');
    assert.equal(s.fs.agent(A)?.status, 'Logged Out');
    await c.until(() => c.agents.get(A)?.status === 'Logged Out', 'console shows Logged Out');
    await waitFor(async () => (await audit(s, A)).some((e) => e.command.includes("'Logged Out'")), 'audit entry');
    const entry = (await audit(s, A)).find((e) => e.command.includes("'Logged Out'"))!;
    assert.equal(entry.source, 'supervisor');
    assert.equal(entry.actor, 'watcher');
    assert.equal(entry.ok, true);

    const bad = await c.request({ type: 'agent.status', agent: A, status: 'Sleeping' });
    assert.equal(bad.type === 'error' && bad.code, 'BAD_MESSAGE');
    const missing = await c.request({ type: 'agent.status', agent: '4999@default', status: 'Available' });
    assert.equal(missing.type === 'error' && missing.code, 'NOT_FOUND');
  });

  it('agent.release sends callcenter_break agent <agent leg>; the switch\'s -ERR no reply is success and the agent is back', async () => {
    const none = await c.request({ type: 'agent.release', agent: B });
    assert.equal(none.type === 'error' && none.code, 'NO_CALL');
    const call = await bridgedCall(s, A, '15550004444');
    const from = s.fs.received.length;
    assert.equal((await c.request({ type: 'agent.release', agent: A })).type, 'ack');
    assert.ok(s.fs.received.slice(from).includes(`api callcenter_break agent ${call.agentLeg}`), JSON.stringify(s.fs.received.slice(from)));
    await waitFor(() => s.fs.agent(A)?.state === 'Waiting' && s.gw.view.agents.get(A)?.state === 'Waiting', 'agent released');
    await waitFor(async () => (await audit(s, A)).some((e) => e.command.startsWith('callcenter_break')), 'audit');
    const entry = (await audit(s, A)).find((e) => e.command.startsWith('callcenter_break'))!;
    assert.deepEqual([entry.ok, entry.reply, entry.source], [true, '-ERR no reply', 'supervisor']);
    // The double leaves the legs up after a break, as mod_callcenter does: clean them up.
    s.fs.api(`uuid_kill ${call.agentLeg}`);
    s.fs.api(`uuid_kill ${call.callerUuid}`);
    s.fs.api(`uuid_kill ${call.memberSession}`);
    await waitFor(() => s.gw.calls.size === 0, `no calls left (${JSON.stringify(s.gw.calls.list())})`);
  });

  it('call.hangup goes through CallControls: the agent leg of a bridged call is killed, the ack waits for its hang-up, audited as a control', async () => {
    await waitFor(() => s.gw.calls.size === 0, 'no calls');
    const call = await bridgedCall(s, B, '15550005555');
    await c.until(() => c.calls.has(call.memberSession), 'call on the console');
    const from = s.fs.received.length;
    assert.equal((await c.request({ type: 'call.hangup', call: call.memberSession })).type, 'ack');
    // CallControls' hang-up: the agent leg when bridged (the caller follows), the same command the desk and REST send.
    assert.deepEqual(s.fs.received.slice(from).filter((x) => x.includes('uuid_kill')), [`api uuid_kill ${call.agentLeg}`]);
    // The ack came after the switch reported the leg gone, not on the +OK.
    const leg = s.gw.calls.get(call.memberSession)?.agentLeg;
    assert.ok(!leg || leg.gone || leg.state === 'hangup', `agent leg still up at the ack: ${JSON.stringify(leg)}`);
    await c.until(() => !c.calls.has(call.memberSession), 'call gone from the console');
    await waitFor(() => s.fs.agent(B)?.state === 'Waiting', 'agent back');
    await waitFor(async () => (await audit(s, B)).some((e) => e.command.startsWith('hangup: uuid_kill')), 'audit entry');
    const entry = (await audit(s, B)).find((e) => e.command.startsWith('hangup: uuid_kill'))!;
    assert.deepEqual([entry.source, entry.actor, entry.ok, entry.command], ['supervisor', 'watcher', true, `hangup: uuid_kill ${call.agentLeg}`]);
    const again = await c.request({ type: 'call.hangup', call: call.memberSession });
    assert.equal(again.type === 'error' && again.code, 'OUT_OF_SCOPE', 'a call the model does not know');
  });

  it('call.hangup refusals keep CallControls\' codes: a switch that does not answer is SWITCH_TIMEOUT, audited as failed', async () => {
    await waitFor(() => s.gw.calls.size === 0, 'no calls');
    const call = await bridgedCall(s, A, '15550005556');
    s.fs.pause((x) => x.includes('uuid_kill'));
    try {
      const r = await c.request({ type: 'call.hangup', call: call.memberSession });
      assert.equal(r.type === 'error' && r.code, 'SWITCH_TIMEOUT', JSON.stringify(r));
    } finally {
      s.fs.resume();
    }
    await waitFor(async () => (await audit(s, A)).some((e) => e.command.startsWith('hangup: uuid_kill') && !e.ok), 'the timeout audited');
    // The held kill is carried out once the switch answers again: the call ends.
    await waitFor(() => s.gw.calls.size === 0, 'no calls');
  });

  for (const [mode, vars] of [
    ['listen', []],
    ['whisper', ['eavesdrop_whisper_bleg=true']],
    ['barge', ['eavesdrop_whisper_aleg=true', 'eavesdrop_whisper_bleg=true']],
  ] as const) {
    it(`call.eavesdrop ${mode}: rings the supervisor's phone into eavesdrop on the agent leg; eavesdrop.stop hangs it up`, async () => {
      await waitFor(() => s.gw.calls.size === 0, 'no calls');
      const call = await bridgedCall(s, A, '15550006666');
      const from = s.fs.received.length;
      const r = await c.request({ type: 'call.eavesdrop', agent: A, mode, phone: 'user/1009' });
      assert.equal(r.type, 'ack', JSON.stringify(r));
      const leg = r.type === 'ack' ? r.leg! : '';
      const sent = s.fs.received.slice(from).find((x) => x.startsWith('bgapi originate'))!.split('\n')[0];
      assert.equal(
        sent,
        `bgapi originate {origination_uuid=${leg},origination_caller_id_name=Supervisor,origination_caller_id_number=eavesdrop,eavesdrop_enable_dtmf=true${vars.map((v) => ',' + v).join('')}}user/1009 &eavesdrop(${call.agentLeg})`,
      );
      const e = s.fs.eavesdropping();
      assert.equal(e.length, 1);
      assert.equal(e[0]!.target, call.agentLeg);
      assert.equal(e[0]!.leg, leg);
      // Another supervisor cannot stop it; its owner can.
      const other = await ConsoleClient.login(s.url, ADMIN);
      const refused = await other.request({ type: 'eavesdrop.stop', leg });
      assert.equal(refused.type === 'error' && refused.code, 'NOT_FOUND');
      other.close();
      assert.equal((await c.request({ type: 'eavesdrop.stop', leg })).type, 'ack');
      assert.deepEqual(s.fs.eavesdropping(), []);
      assert.equal(s.gw.calls.ofAgent(A)?.phase, 'bridged', 'the call itself is untouched');
      s.fs.hangupCaller(call.callerUuid);
    });
  }

  it('eavesdrop refusals: no call, a phone that is not a directory user, ends when the call ends', async () => {
    await waitFor(() => s.gw.calls.size === 0, 'no calls');
    const from = s.fs.received.length;
    const none = await c.request({ type: 'call.eavesdrop', agent: B, mode: 'listen', phone: 'user/1009' });
    assert.equal(none.type === 'error' && none.code, 'NO_CALL');
    const call = await bridgedCall(s, B, '15550007777');
    for (const phone of ['sofia/gateway/x/123', 'user/1009 &park', '{api_on_answer=x}user/1009', 'loopback/9999/default', 'user/10${x}']) {
      const r = await c.request({ type: 'call.eavesdrop', agent: B, mode: 'listen', phone });
      assert.equal(r.type === 'error' && r.code, 'BAD_MESSAGE', phone);
    }
    assert.equal(s.fs.received.slice(from).some((x) => x.includes('originate')), false, 'nothing originated');
    const r = await c.request({ type: 'call.eavesdrop', agent: B, mode: 'whisper', phone: 'user/1009@default' });
    assert.equal(r.type, 'ack');
    s.fs.hangupCaller(call.callerUuid);
    await waitFor(() => s.fs.eavesdropping().length === 0, 'the eavesdrop leg ends with the agent leg');
  });
});
