/**
 * Agent-ID announcement on the real FreeSWITCH: with ANNOUNCE_AGENT_ID_QUEUES naming the queue,
 * the caller's leg (CC-Member-Session-UUID) plays the agent's recording when the agent answers
 * (uuid_broadcast … aleg: CHANNEL_EXECUTE playback of that file on the caller's leg, played to
 * its end), and the agent's leg plays nothing. The recording is a WAV written by the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient, type Item } from '../fsdouble/helpers.js';
import { describeOnRealSwitch, QUEUE, sleep } from './aftercall-rig.js';

/** One second of a 440 Hz tone: 8 kHz, 16-bit mono PCM WAV. */
function toneWav(): Buffer {
  const rate = 8000;
  const samples = rate;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

describeOnRealSwitch('agent-ID announcement on the real switch', (rig) => {
  test('the caller’s leg plays the agent’s recording when the agent answers; the agent’s leg plays nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-announce-'));
    writeFileSync(join(dir, '1001.wav'), toneWav());
    const file = join(dir, '1001.wav');
    const { port, password } = rig.esl();
    const listener = await RawClient.connect(port);
    try {
      await listener.command(`auth ${password}`);
      await listener.command('event plain CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CUSTOM callcenter::info');
      const { g, d } = await rig.setUp(0, { ANNOUNCE_AGENT_ID_QUEUES: QUEUE, ANNOUNCE_AGENT_ID_FILE: join(dir, '{agent}.wav') });
      try {
        const caller = await rig.real().call({ name: 'Hears', digits: '1111#' });
        const start = await listener.waitFor((i) => i.type === 'event' && i.headers.get('CC-Action') === 'bridge-agent-start', 30000);
        const member = start.headers.get('CC-Member-Session-UUID')!;
        const agentLeg = start.headers.get('CC-Agent-UUID')!;
        const isPlayback = (i: Item, uuid: string, name: string) => i.type === 'event' && i.name === name && i.headers.get('Unique-ID') === uuid && i.headers.get('Application') === 'playback';
        const played = await listener.waitFor((i) => isPlayback(i, member, 'CHANNEL_EXECUTE'), 30000);
        assert.equal(played.headers.get('Application-Data'), file);
        const done = await listener.waitFor((i) => isPlayback(i, member, 'CHANNEL_EXECUTE_COMPLETE'), 30000);
        assert.equal(done.headers.get('Application-Response'), 'FILE PLAYED');
        await d.next('call.bridged', () => true, 30000);
        await sleep(500);
        assert.equal(listener.items.some((i) => i.type === 'event' && i.headers.get('Unique-ID') === agentLeg && i.headers.get('Application') === 'playback'), false);
        // The call goes on after the announcement: still bridged, the agent in the call.
        assert.equal(g.gw.view.agents.get('1001@default')?.state, 'In a queue call');
        await caller.hangup();
        await d.next('call.ended', () => true, 30000);
      } finally {
        await rig.tearDown(g, d);
      }
    } finally {
      listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
