import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The prompts freeswitch-conf's dialplan and IVR play, as short tones. No sound pack is installed
 * here (users install freeswitch-sounds-en-us-callie; see freeswitch-conf/README.md); the tests only
 * need files that exist, and a missing one makes play_and_get_digits skip the account number.
 * Written in Node (8 kHz 16-bit mono WAV) so the tier needs no espeak-ng or sox.
 */
export const PROMPTS = [
  'ivr/ivr-please_enter_the.wav',
  'ivr/ivr-account_number.wav',
  'ivr/ivr-followed_by_pound.wav',
  'ivr/ivr-that_was_an_invalid_entry.wav',
  'ivr/ivr-welcome.wav',
  'ivr/ivr-speak_to_a_customer_service_representative.wav',
  'ivr/ivr-stay_on_line_call_answered_momentarily.wav',
  'ivr/ivr-you_are_now_logged_in.wav',
  'ivr/ivr-you_are_now_logged_out.wav',
  'voicemail/vm-press.wav',
  'voicemail/vm-goodbye.wav',
  'digits/1.wav',
] as const;

export function toneWav(ms: number, hz = 440, rate = 8000): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  return b;
}

/**
 * Writes every prompt under `<soundsDir>/en/us/callie` (vanilla's sound_prefix) in the sound
 * package's layout: `ivr/8000/ivr-welcome.wav` is what `ivr/ivr-welcome.wav` plays on an 8 kHz call.
 */
export function writePrompts(soundsDir: string, ms = 150): void {
  for (const p of PROMPTS) {
    const path = join(soundsDir, 'en/us/callie', dirname(p), '8000', basename(p));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, toneWav(ms));
  }
  // vanilla's local_stream "moh" plays $${sounds_dir}/music/<rate>: one file keeps it quiet.
  for (const rate of ['8000', '16000', '32000', '48000']) {
    mkdirSync(join(soundsDir, 'music', rate), { recursive: true });
  }
  writeFileSync(join(soundsDir, 'music/8000/tone.wav'), toneWav(1000, 220));
}
