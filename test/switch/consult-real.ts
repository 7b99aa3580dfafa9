import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/stack.js';
import { createAgent, desk, talk, type Ctx } from './scenarios.js';
import { EventRecorder, startGatewayOn, startRedis, type RealTarget } from './targets.js';
import { writeFileSync } from 'node:fs';
import { RawClient } from '../fsdouble/helpers.js';

/**
 * CONSULT_TRACE=<file>: every channel and callcenter event of the consult test, one line each (to read the switch's
 * sequence), `<file>.full` with every header (JSON per event) and `<file>.audit` with the gateway's commands and the
 * switch's replies. test/fixtures/esl-calls/20-consult-real.order.txt (what the double's consult must match) came from it.
 */
async function channelTrace(t: RealTarget): Promise<{ dump: () => void; close: () => void }> {
  if (!process.env.CONSULT_TRACE) return { dump: () => undefined, close: () => undefined };
  const c = await RawClient.connect(t.eslPort);
  await c.command(`auth ${t.eslPassword}`);
  await c.command('event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HOLD CHANNEL_UNHOLD CHANNEL_PARK CHANNEL_UNPARK CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CUSTOM callcenter::info');
  const t0 = Date.now();
  const stamps: number[] = [];
  const line = (i: (typeof c.items)[number]): string => {
    const h = i.headers;
    const pick = ['Unique-ID', 'Channel-Name', 'variable_cc_side', 'Bridge-A-Unique-ID', 'Bridge-B-Unique-ID', 'Other-Leg-Unique-ID', 'Application', 'Application-Data', 'CC-Action', 'CC-Member-Session-UUID', 'CC-Agent-UUID', 'Hangup-Cause', 'Event-Date-Timestamp'];
    return `${i.name} ${pick.filter((k) => h.get(k)).map((k) => `${k}=${h.get(k)}`).join(' ')}`;
  };
  return {
    dump: () => {
      writeFileSync(process.env.CONSULT_TRACE!, c.items.filter((i) => i.type === 'event').map(line).join('\n') + '\n');
      writeFileSync(process.env.CONSULT_TRACE! + '.full', c.items.filter((i) => i.type === 'event').map((i) => JSON.stringify([...i.headers])).join('\n') + '\n');
    },
    close: () => { void t0; void stamps; c.close(); },
  };
}

/**
 * Consult (attended) transfer and three-way conference on the real switch. The double's simulation
 * of the same (src/fsdouble/consult.ts) is tested in test/calls/consult-double.test.ts against what
 * this run recorded. Phones: 1001 the agent, 1002 the consulted party (both answer), 1003 the caller.
 */
export function consultTests(real: () => RealTarget): void {
  test('consult: cancel back to the caller, consult again and complete (caller ↔ 1002, agent released); then a three-way conference the agent leaves', async () => {
    const t = real();
    const redis = await startRedis();
    const rec = await EventRecorder.start(t);
    const g = await startGatewayOn(t, redis);
    const c: Ctx = { t, g, rec };
    const trace = await channelTrace(t);
    try {
      await t.agentPhone('1002', true);
      await createAgent(c, await t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk(c, true);
      const codes: string[] = [];
      // A consult rings the target (seconds): longer than DeskClient.request's 5 s.
      const send = async (m: Record<string, unknown>) => {
        const id = d.send(m);
        let r: { type: string; code?: string } | undefined;
        await waitFor(() => {
          r = d.received.find((x) => (x.type === 'ack' || x.type === 'error') && x.id === id);
          return r !== undefined;
        }, `answer to ${JSON.stringify(m)} (so far ${JSON.stringify(codes)})`, 45000);
        codes.push(`${String(m.type)}:${r!.type === 'ack' ? 'ack' : r!.code}`);
      };

      // 1. consult, cancel, consult, complete.
      await t.call({ name: 'Consulted', digits: '4242#' });
      const first = await d.next('call.offered', () => true, 30000);
      await d.next('call.bridged', () => true, 30000);
      await talk();
      const session = () => g.gw.calls.list().find((x) => x.memberUuid === first.memberUuid);
      await send({ type: 'call.consult.complete' }); // nothing open: NOT_ALLOWED
      await send({ type: 'call.consult', kind: 'extension', to: '1002' });
      assert.equal((await d.next('call.consult', () => true, 15000)).state, 'talking');
      const during = session();
      assert.ok(during?.agentLeg?.bridgedTo && during.agentLeg.bridgedTo !== during.memberSessionUuid, 'the agent talks to the consult leg, not the caller');
      assert.equal(during?.member?.gone, false, 'the caller is still up (parked, hearing music)');
      await send({ type: 'call.hangup' }); // refused while consulting: the caller would be stranded
      await talk();
      await send({ type: 'call.consult.cancel' });
      assert.equal((await d.next('call.consult', () => true, 15000)).state, 'cancelled');
      assert.equal(session()?.agentLeg?.bridgedTo, session()?.memberSessionUuid, 'agent and caller bridged again');
      await talk();
      await send({ type: 'call.consult', kind: 'extension', to: '1002' });
      assert.equal((await d.next('call.consult', () => true, 15000)).state, 'talking');
      await talk();
      const from = d.received.length;
      await send({ type: 'call.consult.complete' });
      assert.equal((await d.next('call.consult', () => true, 15000)).state, 'completed');
      // The agent leg hangs up (mod_callcenter ends the agent's call) before the caller's bridge to the
      // consulted party shows, which is what confirms the complete: call.ended may come first.
      const since = () => d.received.slice(from);
      await waitFor(() => since().some((m) => m.type === 'call.ended' && m.memberUuid === first.memberUuid), 'call.ended of the first call', 30000);
      await waitFor(() => since().some((m) => m.type === 'agent.state' && m.state === 'Waiting'), 'the agent Waiting again', 15000);
      const member = g.gw.calls.list().find((x) => x.memberUuid === first.memberUuid)?.memberSessionUuid;
      assert.ok(member, 'the caller is still up');
      // The switch writes its calls table (what `show calls` reads) after it fires the events the gateway confirmed by.
      let rows = '';
      await waitFor(async () => {
        const calls = JSON.parse(await t.api('show calls as json')) as { rows?: Array<{ uuid: string; b_uuid: string; b_name: string }> };
        const row = calls.rows?.find((r) => r.uuid === member || r.b_uuid === member);
        rows = JSON.stringify(calls.rows);
        return Boolean(row && /1002/.test(JSON.stringify(row)));
      }, `the caller is bridged to 1002: ${rows}`, 5000).catch((e: Error) => assert.fail(`${e.message}: ${rows}`));
      await t.reset();

      // 2. consult, conference, the agent leaves, the other two stay.
      await t.agentPhone('1002', true);
      await t.agentPhone('1001', true);
      await t.call({ name: 'ThreeWay', digits: '4242#' });
      const second = await d.next('call.offered', (m) => m.memberUuid !== first.memberUuid, 30000);
      await d.next('call.bridged', (m) => m.memberUuid === second.memberUuid, 30000);
      await talk();
      await send({ type: 'call.consult', kind: 'extension', to: '1002' });
      await d.next('call.consult', (m) => m.memberUuid === second.memberUuid && m.state === 'talking', 15000);
      await send({ type: 'call.conference' });
      await d.next('call.consult', (m) => m.memberUuid === second.memberUuid && m.state === 'conference', 15000);
      const sessionUuid = g.gw.calls.list().find((x) => x.memberUuid === second.memberUuid)!.memberSessionUuid;
      const listed = await t.api(`conference cc-${sessionUuid} list`);
      assert.equal(listed.trim().split('\n').length, 3, listed);
      await talk();
      await send({ type: 'call.hangup' });
      await d.next('call.ended', (m) => m.memberUuid === second.memberUuid, 30000);
      await d.next('agent.state', (m) => m.state === 'Waiting', 15000);
      await waitFor(async () => (await t.api(`conference cc-${sessionUuid} list`)).trim().split('\n').length === 2, 'caller and 1002 still in the conference', 10000);
      d.close();
      assert.deepEqual(codes, [
        'call.consult.complete:NOT_ALLOWED',
        'call.consult:ack',
        'call.hangup:NOT_ALLOWED',
        'call.consult.cancel:ack',
        'call.consult:ack',
        'call.consult.complete:ack',
        'call.consult:ack',
        'call.conference:ack',
        'call.hangup:ack',
      ]);
    } finally {
      trace.dump();
      trace.close();
      if (process.env.CONSULT_TRACE) writeFileSync(process.env.CONSULT_TRACE + '.audit', JSON.stringify((await g.api('GET', '/api/audit?limit=200')).body, null, 1));
      await g.stop();
      rec.close();
      await t.reset();
      await t.api('callcenter_config tier del support@default 1001@default').catch(() => '');
      await t.api('callcenter_config agent del 1001@default').catch(() => '');
      await redis.stop();
    }
  });

  test('consult: the consulted party hangs up, the switch ends the agent leg with it, and the parked caller goes back into its queue with its data', async () => {
    const t = real();
    const redis = await startRedis();
    const rec = await EventRecorder.start(t);
    const g = await startGatewayOn(t, redis);
    const c: Ctx = { t, g, rec };
    try {
      await t.agentPhone('1002', true);
      await createAgent(c, await t.agentPhone('1001', true), { status: 'Available' });
      const d = await desk(c, true);
      await t.call({ name: 'Stranded', digits: '4242#' });
      const first = await d.next('call.offered', () => true, 30000);
      await d.next('call.bridged', () => true, 30000);
      await talk();
      const id = d.send({ type: 'call.consult', kind: 'extension', to: '1002' });
      await d.next('ack', (m) => m.id === id, 45000);
      await talk();
      await t.hangupAgent('1002');
      assert.equal((await d.next('call.consult', (m) => m.state === 'cancelled', 15000)).memberUuid, first.memberUuid);
      await d.next('call.ended', (m) => m.memberUuid === first.memberUuid, 30000);
      const again = await d.next('call.offered', (m) => m.memberUuid !== first.memberUuid, 30000);
      assert.equal(again.callerNumber, first.callerNumber);
      assert.equal(again.data?.account_number, '4242');
      await d.next('call.bridged', (m) => m.memberUuid === again.memberUuid, 30000);
      d.close();
    } finally {
      await g.stop();
      rec.close();
      await t.reset();
      await t.api('callcenter_config tier del support@default 1001@default').catch(() => '');
      await t.api('callcenter_config agent del 1001@default').catch(() => '');
      await redis.stop();
    }
  });
}
