/**
 * The supervisor console on the real FreeSWITCH (real-switch tier): listen, whisper and barge
 * from the supervisor's own SIP phone, through /supervisor/ws, verified by what each phone
 * actually hears. Every phone sends its own tone (caller 440 Hz, agent 600 Hz, supervisor
 * 1000 Hz) and records what it receives (baresip sndfile); a Goertzel filter then says who
 * heard the supervisor:
 *
 *   listen:  the supervisor hears caller and agent; nobody hears the supervisor;
 *   whisper: the agent hears the supervisor, the caller does not;
 *   barge:   both hear the supervisor.
 *
 * Then `agent.release` (callcenter_break) on a normally bridged call: what the switch does.
 * No FreeSWITCH: skipped with the reason (a failure with REQUIRE_REAL_SWITCH=1), like tier.ts.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, waitFor } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { Phone } from './baresip.js';
import { findSwitch, RealSwitch } from './switch.js';
import { RealTarget, startGatewayOn, type GatewayOnTarget } from './targets.js';
import { ConsoleClient } from '../supervisor/helpers.js';

const AGENT = '1001@default';
const HZ = { caller: 440, agent: 600, supervisor: 1000 } as const;

/** 16-bit PCM WAV → first channel as numbers, with its sample rate. */
function readWav(path: string): { rate: number; samples: Float64Array } {
  const b = readFileSync(path);
  assert.equal(b.toString('ascii', 0, 4), 'RIFF', path);
  let at = 12;
  let rate = 0;
  let channels = 1;
  let bits = 16;
  while (at + 8 <= b.length) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      channels = b.readUInt16LE(at + 10);
      rate = b.readUInt32LE(at + 12);
      bits = b.readUInt16LE(at + 22);
    } else if (id === 'data') {
      assert.equal(bits, 16, `${path}: ${bits}-bit`);
      const end = Math.min(b.length, at + 8 + size);
      const n = Math.floor((end - at - 8) / (2 * channels));
      const samples = new Float64Array(n);
      for (let i = 0; i < n; i++) samples[i] = b.readInt16LE(at + 8 + i * 2 * channels);
      return { rate, samples };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Share of a window's energy at `hz` (Goertzel), per 100 ms window; the count of windows where the tone is clearly there. */
function windowsWithTone(wav: { rate: number; samples: Float64Array }, hz: number): number {
  const n = Math.floor(wav.rate / 10);
  const k = Math.round((n * hz) / wav.rate);
  const coeff = 2 * Math.cos((2 * Math.PI * k) / n);
  let count = 0;
  for (let start = 0; start + n <= wav.samples.length; start += n) {
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      const x = wav.samples[start + i]!;
      energy += x * x;
      const s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // A pure tone filling the window gives power ≈ energy · n / 2.
    if (energy > 1e6 && power / ((energy * n) / 2) > 0.1) count++;
  }
  return count;
}

/** Who heard what: windows with each tone in the received (decoded) audio of the files in `dir` made after `known`. */
function heard(dir: string, known: ReadonlySet<string>): Record<keyof typeof HZ, number> {
  const files = readdirSync(dir).filter((f) => f.endsWith('-dec.wav') && !known.has(f));
  assert.ok(files.length > 0, `no recording in ${dir} (${readdirSync(dir).join(', ')})`);
  const out = { caller: 0, agent: 0, supervisor: 0 };
  for (const f of files) {
    const wav = readWav(join(dir, f));
    for (const who of Object.keys(HZ) as Array<keyof typeof HZ>) out[who] += windowsWithTone(wav, HZ[who]);
  }
  return out;
}

type Mode = 'listen' | 'whisper' | 'barge';

/**
 * Defines the tests in the calling file, on one private switch: the given eavesdrop modes, and the
 * release when asked. Split over two files so that each stays inside the runner's 120 s limit.
 */
export function defineSupervisorTier(modes: readonly Mode[], release: boolean): void {
  const where = findSwitch();
  if ('skip' in where && process.env.REQUIRE_REAL_SWITCH !== '1') {
    test('supervisor console on the real switch', { skip: `real-switch tier skipped: ${where.skip}` }, () => undefined);
  } else {
    describe(`supervisor console on the real switch: ${[...modes, ...(release ? ['release'] : [])].join(', ')}`, () => {
      let redis: TestRedis;
      let real: RealTarget;
      let g: GatewayOnTarget;
      let agentPhone: Phone;
      let supervisorPhone: Phone;
      let sup: ConsoleClient;
      const dirs = { agent: '', supervisor: '', caller: '' };

      before(async () => {
        if ('skip' in where) throw new Error(`REQUIRE_REAL_SWITCH=1 but ${where.skip}`);
        for (const k of Object.keys(dirs) as Array<keyof typeof dirs>) dirs[k] = mkdtempSync(join(tmpdir(), `cc-rec-${k}-`));
        redis = await startRedis();
        const fs = await RealSwitch.start(where);
        real = new RealTarget(fs);
        g = await startGatewayOn(real, redis);
        const registrar = `127.0.0.1:${fs.sipPort}`;
        agentPhone = await Phone.start({ user: '1001', password: fs.secrets.phones['1001']!, registrar, autoAnswer: true, sineHz: HZ.agent, recordDir: dirs.agent });
        supervisorPhone = await Phone.start({ user: '1002', password: fs.secrets.phones['1002']!, registrar, autoAnswer: true, sineHz: HZ.supervisor, recordDir: dirs.supervisor });
        await agentPhone.registered(30000);
        await supervisorPhone.registered(30000);
        assert.equal((await g.api('POST', '/api/agents', { name: AGENT, contact: 'user/1001', password: 'pw-1001-secret' })).status, 201);
        assert.equal((await g.api('POST', '/api/tiers', { queue: 'support@default', agent: AGENT })).status, 201);
        assert.equal((await g.api('PUT', `/api/agents/${AGENT}/status`, { status: 'Available' })).status, 200);
        sup = await ConsoleClient.login(g.url, ADMIN);
      });

      after(async () => {
        sup?.close();
        await agentPhone?.stop();
        await supervisorPhone?.stop();
        await g?.stop();
        await real?.api(`callcenter_config tier del support@default ${AGENT}`).catch(() => '');
        await real?.api(`callcenter_config agent del ${AGENT}`).catch(() => '');
        await real?.stop();
        await redis?.stop();
        for (const d of Object.values(dirs)) if (d) rmSync(d, { recursive: true, force: true });
      });

      /** A caller (1003, 440 Hz) in the queue, bridged to the agent; resolves with its phone. */
      async function bridgedCall(): Promise<Phone> {
        await waitFor(() => g.gw.view.agents.get(AGENT)?.state === 'Waiting' && g.gw.calls.size === 0, 'agent idle', 30000);
        const caller = await Phone.start({ user: '1003', password: real.fs.secrets.phones['1003']!, registrar: `127.0.0.1:${real.fs.sipPort}`, sineHz: HZ.caller, recordDir: dirs.caller });
        await caller.registered(30000);
        await caller.dial('7000');
        await caller.waitEvent('CALL_ESTABLISHED', 30000);
        await new Promise((r) => setTimeout(r, 700));
        await caller.sendDtmf('4242#');
        await waitFor(() => g.gw.calls.ofAgent(AGENT)?.phase === 'bridged', 'caller bridged to the agent', 30000);
        await sup.until(() => sup.agents.get(AGENT)?.call?.phase === 'bridged', 'the console shows the bridged call', 10000);
        return caller;
      }

      for (const mode of modes) {
        it(`${mode}: the supervisor's phone is rung into the agent's call and hears exactly what the mode says`, async (t) => {
          const known = {
            agent: new Set(readdirSync(dirs.agent)),
            caller: new Set(readdirSync(dirs.caller)),
            supervisor: new Set(readdirSync(dirs.supervisor)),
          };
          const caller = await bridgedCall();
          try {
            await new Promise((r) => setTimeout(r, 1000));
            const from = supervisorPhone.events.length;
            const r = await sup.request({ type: 'call.eavesdrop', agent: AGENT, mode, phone: 'user/1002' }, 30000);
            assert.equal(r.type, 'ack', JSON.stringify(r));
            const leg = r.type === 'ack' ? r.leg! : '';
            await supervisorPhone.waitEvent('CALL_ESTABLISHED', 10000, from);
            // The switch lists the supervisor's leg running `eavesdrop <agent leg>` (once the app started:
            // right after the answer `show channels` still shows it in CS_CONSUME_MEDIA without an application).
            const agentLeg = g.gw.calls.ofAgent(AGENT)!.agentLegUuid!;
            const running = new RegExp(`"uuid":"${leg}"[^}]*"state":"CS_EXECUTE"[^}]*"application":"eavesdrop","application_data":"${agentLeg}"`);
            let channels = '';
            await waitFor(async () => running.test((channels = await real.api('show channels as json'))), `the supervisor leg ${leg} running eavesdrop ${agentLeg}`, 10000).catch(() => {
              assert.fail(`no eavesdrop row: ${channels}`);
            });
            await new Promise((r) => setTimeout(r, 3000));
            assert.equal((await sup.request({ type: 'eavesdrop.stop', leg })).type, 'ack');
            await supervisorPhone.waitEvent('CALL_CLOSED', 10000, from);
            // The call itself went on untouched.
            assert.equal(g.gw.calls.ofAgent(AGENT)?.phase, 'bridged');
            await new Promise((r) => setTimeout(r, 500));
          } finally {
            await caller.hangup();
            await waitFor(() => g.gw.calls.size === 0, 'call over', 30000);
            await caller.stop();
          }
          const supHeard = heard(dirs.supervisor, known.supervisor);
          const agent = heard(dirs.agent, known.agent);
          const callerHeard = heard(dirs.caller, known.caller);
          const report = JSON.stringify({ mode, supervisorHeard: supHeard, agentHeard: agent, callerHeard });
          t.diagnostic(`100 ms windows with each tone: ${report}`);
          // Everyone talks all along: the supervisor hears both sides in every mode.
          assert.ok(supHeard.caller >= 5 && supHeard.agent >= 5, `supervisor hears caller and agent: ${report}`);
          assert.ok(agent.caller >= 5 && callerHeard.agent >= 5, `caller and agent hear each other: ${report}`);
          const agentHearsSupervisor = agent.supervisor >= 5;
          const callerHearsSupervisor = callerHeard.supervisor >= 5;
          const expected = { listen: [false, false], whisper: [true, false], barge: [true, true] }[mode];
          assert.deepEqual([agentHearsSupervisor, callerHearsSupervisor], expected, `who hears the supervisor (agent, caller): ${report}`);
          if (mode === 'listen') assert.equal(agent.supervisor + callerHeard.supervisor, 0, `nobody hears a listener: ${report}`);
          if (mode === 'whisper') assert.equal(callerHeard.supervisor, 0, `the caller never hears a whisper: ${report}`);
        });
      }

      if (release) it('agent.release (callcenter_break agent <leg>) on a bridged call: -ERR no reply is success and mod_callcenter lets the agent go', async () => {
        const caller = await bridgedCall();
        try {
          const leg = g.gw.calls.ofAgent(AGENT)!.agentLegUuid!;
          const r = await sup.request({ type: 'agent.release', agent: AGENT });
          assert.equal(r.type, 'ack', JSON.stringify(r));
          await waitFor(() => g.gw.view.agents.get(AGENT)?.state === 'Waiting', 'agent Waiting after the break', 15000);
          await sup.until(() => sup.agents.get(AGENT)?.state === 'Waiting', 'the console shows Waiting', 10000);
          const audit = await g.api('GET', `/api/audit?agent=${encodeURIComponent(AGENT)}&limit=20`);
          const entry = (audit.body as Array<{ command: string; ok: boolean; reply: string; source: string }>).find((e) => e.command === `callcenter_break agent ${leg}`);
          assert.deepEqual(entry && [entry.ok, entry.reply, entry.source], [true, '-ERR no reply', 'supervisor']);
        } finally {
          await caller.hangup().catch(() => undefined);
          await caller.stop();
          await waitFor(() => g.gw.calls.size === 0, 'call over', 30000);
        }
      });
    });
  }
}
