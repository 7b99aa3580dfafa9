/**
 * The router over two doubles, without a gateway around it: a channel not learnt
 * from events yet is found with uuid_exists, `near` sends to the holder's switch,
 * originates without a live channel take turns, agent commands go to the first
 * switch up and fail over, a list read on the bulk links is filtered by instance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EslClient } from '../../src/esl/client.js';
import { EslLinkDownError } from '../../src/esl/errors.js';
import { silentLogger } from '../../src/log.js';
import { SwitchSet } from '../../src/switches/switch-set.js';
import { CallcenterDatabase, FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { waitFor } from '../helpers/stack.js';

function link(fs: FreeSwitchDouble): EslClient {
  return new EslClient({ host: '127.0.0.1', port: fs.port, password: 'ClueCon', commandTimeoutMs: 2000, backoff: { initialMs: 20, maxMs: 100 }, logger: silentLogger() });
}

const lines = (fs: FreeSwitchDouble, from: number, text: string) => fs.received.slice(from).filter((c) => c.includes(text));

test('SwitchSet over two doubles: channel lookup, near, round robin, failover, members of a dead instance left out', async () => {
  const db = new CallcenterDatabase();
  const fs1 = await FreeSwitchDouble.start({ ringMs: 30, database: db, instanceId: 'fs1', initial: { agents: [{ name: '1001@default', status: 'On Break' }], tiers: [{ queue: 'support@default', agent: '1001@default' }] } });
  const fs2 = await FreeSwitchDouble.start({ ringMs: 30, database: db, instanceId: 'fs2' });
  const set = new SwitchSet(
    [
      { id: 'fs1', main: link(fs1), bulk: link(fs1) },
      { id: 'fs2', main: link(fs2), bulk: link(fs2) },
    ],
    silentLogger(),
  );
  set.start();
  try {
    await waitFor(() => set.states().every((s) => s.connected), 'both links up');
    // A caller on box 2; nothing subscribed on these links, so its uuid is learnt by asking.
    const ids = fs2.injectCaller({ number: '100', name: 'Caller', destination: '7000' });
    const from1 = fs1.received.length;
    const from2 = fs2.received.length;
    assert.equal(await set.locate(ids.memberSessionUuid), 'fs2');
    assert.equal(await set.locate('11111111-2222-4333-8444-555555555555'), null);
    assert.equal(await set.locate('not-a-uuid'), null);
    await set.api(`uuid_kill ${ids.callerUuid}`);
    assert.equal(lines(fs2, from2, 'uuid_kill').length, 1);
    assert.deepEqual(lines(fs1, from1, 'uuid_kill'), []);

    // `near`: to the switch holding that channel, whatever the command says.
    const other = fs1.injectCaller({ number: '200', name: 'Other', destination: '7000' });
    await set.bgapi('status', { near: other.memberSessionUuid });
    assert.equal(lines(fs1, from1, 'bgapi status').length, 1);
    assert.deepEqual(lines(fs2, from2, 'bgapi status'), []);

    // A members list (shared table) read once, on the first switch; with fs1 down its rows are left out.
    const both = await set.bulk.api('callcenter_config queue list members support@default');
    assert.match(both, /\|fs1\|/);
    assert.equal(lines(fs2, from2, 'queue list members').length, 0);

    // Agent commands: the first switch up; originates naming no live channel take turns.
    await set.api("callcenter_config agent set status 1001@default 'On Break'");
    assert.equal(lines(fs1, from1, 'agent set status').length, 1);
    await set.api('originate null/a &park').catch(() => undefined);
    await set.api('originate null/b &park').catch(() => undefined);
    assert.equal(lines(fs1, from1, 'originate').length + lines(fs2, from2, 'originate').length, 2);
    assert.equal(lines(fs1, from1, 'originate').length, 1, 'one originate on each switch');

    const downs: string[] = [];
    set.switches.on('down', (id) => downs.push(id));
    await fs1.stop();
    await waitFor(() => downs.includes('fs1'), 'fs1 seen down');
    assert.equal(set.ready, true);
    const without = await set.bulk.api('callcenter_config queue list members support@default');
    assert.doesNotMatch(without, /\|fs1\|/);
    assert.match(without, /\|fs2\|/);
    const from2b = fs2.received.length;
    await set.api("callcenter_config agent set status 1001@default 'Available'");
    assert.equal(lines(fs2, from2b, 'agent set status').length, 1, 'agent commands fail over to the switch up');
    assert.equal(db.agents.get('1001@default')?.status, 'Available');

    await fs2.stop();
    await waitFor(() => !set.ready, 'no switch up');
    await assert.rejects(set.api('status'), EslLinkDownError);
  } finally {
    await set.stop();
    await fs1.stop();
    await fs2.stop();
  }
});
