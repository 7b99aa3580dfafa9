import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { connect } from 'node:net';
import { RawClient, addAvailableAgents, availableAgents } from './helpers.js';

/**
 * The double under load keeps its books straight: every command answered,
 * every caller bridged and released, no agent left mid-call. How fast
 * it does so is measured by `npm run bench -- double`, not asserted here.
 */

test('5,000 pipelined api commands on one ESL connection: every one answered, every event sent', async () => {
  const d = await FreeSwitchDouble.start();
  try {
    d.api('callcenter_config agent add perf@default callback');
    const c = await RawClient.ready(d.port, 'event plain CUSTOM callcenter::info');
    const n = 5000;
    let block = '';
    for (let k = 0; k < n; k++) block += `api callcenter_config agent get status perf@default\n\n`;
    let replies = 0;
    let events = 0;
    c.write(block);
    await c.waitFor((i) => (i.type === 'api/response' ? ++replies : i.type === 'event' ? ++events : 0) > 0 && replies === n && events === n, 10_000);
    assert.equal(replies, n);
    assert.equal(events, n);
    c.close();
  } finally {
    await d.stop();
  }
});

test('1,000 agents, 400 callers arriving at 200/s: every caller bridged and released', async () => {
  const d = await FreeSwitchDouble.start({ ringMs: 20, initial: availableAgents(1000) });
  // A listener taking every event in json, reading without parsing (the gateway's cost is not measured here).
  const sink = connect(d.port, '127.0.0.1');
  let bytes = 0;
  sink.on('data', (b: Buffer) => (bytes += b.length));
  sink.write('auth ClueCon\n\nevent json ALL\n\n');
  try {
    let bridged = 0;
    let terminated = 0;
    const done = new Promise<void>((resolve) => {
      d.onEvent((e) => {
        const action = e.get('CC-Action');
        if (action === 'bridge-agent-start') {
          bridged++;
          // Each call lasts 100 ms from the bridge.
          const caller = e.get('CC-Member-Session-UUID')!;
          setTimeout(() => d.hangupCaller(caller), 100).unref();
        }
        if (action === 'member-queue-end' && e.get('CC-Cause') === 'Terminated' && ++terminated === 400) resolve();
      });
    });
    // 400 callers at 200/s: 20 every 100 ms.
    for (let batch = 0; batch < 20; batch++) {
      for (let k = 0; k < 20; k++) d.injectCaller({ number: `555${batch}${k}`, name: `c${batch}-${k}` });
      await new Promise((r) => setTimeout(r, 100));
    }
    await done;
    assert.equal(bridged, 400);
    assert.ok(bytes > 1_000_000, `listener got ${bytes} bytes`);
    assert.equal(d.members().length, 0);
    assert.equal(d.channels().length, 0);
    assert.ok(d.agents().every((a) => a.state === 'Waiting'));
    assert.equal(d.agents().reduce((s, a) => s + a.callsAnswered, 0), 400);
  } finally {
    sink.destroy();
    await d.stop();
  }
});

test('a burst of 1,000 waiting callers with no agent, then 1,000 agents at once', async () => {
  const d = await FreeSwitchDouble.start({ ringMs: 1 });
  try {
    for (let k = 0; k < 1000; k++) d.injectCaller({ number: String(k), name: `c${k}` });
    let counted = 0;
    const done = new Promise<void>((resolve) => {
      d.onEvent((e) => {
        if (e.get('CC-Action') === 'bridge-agent-start' && ++counted === 1000) resolve();
      });
    });
    addAvailableAgents(d, 1000);
    await done;
    assert.equal(d.members().length, 1000);
    assert.ok(d.members().every((m) => m.state === 'Answered'));
  } finally {
    await d.stop();
  }
});
