/** Real-switch tier (see tier.ts): switch restart, the 7100 IVR, and freeswitch-conf's prompt check. */
import { test } from 'node:test';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/stack.js';
import { defineTier } from './tier.js';

defineTier('restart and IVR scenarios on the double and the real switch', ['switch-restart', 'ivr-7100'], {
  extra(real) {
    // freeswitch-conf: without the sound package the account-number step cannot work; the
    // dialplan says so in the log instead of failing silently. (Real switch only: the double has
    // no dialplan.)
    test('7000 without its prompt files logs an ERR naming the sound package', async () => {
      const t = real();
      const prompt = join(t.fs.dir, 'sounds/en/us/callie/ivr/8000/ivr-please_enter_the.wav');
      const saved = readFileSync(prompt);
      rmSync(prompt);
      try {
        const caller = await t.call({ name: 'Grace' });
        await waitFor(() => /7000: prompt .*ivr-please_enter_the\.wav is missing.*freeswitch-sounds-en-us-callie/.test(t.fs.log()), 'the ERR line in freeswitch.log', 15000);
        await caller.hangup();
      } finally {
        writeFileSync(prompt, saved);
        await t.reset();
      }
    });
  },
});
