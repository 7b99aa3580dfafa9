/**
 * Coalescing: however busy the switch, a supervisor socket gets at most one
 * push per tick (250 ms), and the console still ends up exactly where the
 * switch is. The bound is asserted in messages (per wall-clock second, and in
 * total), not in how long anything took.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUPERVISOR, startStack, waitFor } from '../helpers/stack.js';
import { ConsoleClient } from './helpers.js';

const Q = 'support@default';
const AGENTS = 300;
const TICK_MS = 250;

test('a busy switch (thousands of status changes) reaches a console as at most one push per tick, and nothing is lost', async () => {
  const names = Array.from({ length: AGENTS }, (_, i) => `${5000 + i}@default`);
  const s = await startStack({
    double: {
      initial: {
        agents: names.map((name) => ({ name, contact: `null/${name.split('@')[0]}`, status: 'On Break' })),
        tiers: names.map((agent) => ({ queue: Q, agent })),
      },
    },
  });
  try {
    await waitFor(() => s.gw.view.agents.size === AGENTS, 'agents in the view');
    const consoles = await Promise.all([ConsoleClient.login(s.url, SUPERVISOR), ConsoleClient.login(s.url, SUPERVISOR)]);
    assert.equal(consoles[0].agents.size, AGENTS);

    // Status changes straight on the switch, as fast as it takes them, for about 3 s.
    const statuses = ['Available', 'On Break', 'Logged Out'] as const;
    let changes = 0;
    const started = Date.now();
    for (let round = 0; Date.now() - started < 3000; round++) {
      for (let i = 0; i < 50; i++) {
        const name = names[(round * 50 + i) % AGENTS]!;
        s.fs.api(`callcenter_config agent set status ${name} '${statuses[(round + i) % 3]!}'`);
        changes++;
      }
      await new Promise((r) => setImmediate(r));
    }
    const expected = new Map(s.fs.agents().map((a) => [a.name, a.status]));
    for (const c of consoles) {
      await c.until(() => names.every((n) => c.agents.get(n)?.status === expected.get(n)), 'console equal to the switch');
      const pushes = c.pushes();
      const perSecond = new Map<number, number>();
      for (const p of pushes) perSecond.set(Math.floor(p.receivedAt / 1000), (perSecond.get(Math.floor(p.receivedAt / 1000)) ?? 0) + 1);
      const worst = Math.max(...perSecond.values());
      // One per tick: 4 in any second, 5 when a second's edges both catch one.
      assert.ok(worst <= 1000 / TICK_MS + 1, `at most ${1000 / TICK_MS + 1} pushes in a second, got ${worst} (${JSON.stringify([...perSecond])})`);
      assert.ok(changes >= 1000, `the switch made ${changes} changes`);
      assert.ok(pushes.length < changes / 20, `${pushes.length} pushes for ${changes} changes`);
      // Sequence numbers without gaps: nothing was skipped.
      const seqs = pushes.map((p) => (p.type === 'snapshot' || p.type === 'diff' ? p.seq : -1));
      assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
      c.close();
    }
  } finally {
    await s.stop();
  }
});
