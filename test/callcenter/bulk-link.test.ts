import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { EslClient } from '../../src/esl/client.js';
import { EslTimeoutError } from '../../src/esl/errors.js';
import { CallCenter, type Actor } from '../../src/callcenter/service.js';
import { StateView } from '../../src/callcenter/state.js';
import { silentLogger } from '../../src/log.js';
import { FreeSwitchDouble, type FreeSwitchDoubleOptions } from '../../src/fsdouble/index.js';
import { waitFor } from '../helpers/stack.js';

const logger = silentLogger();
const actor: Actor = { source: 'rest', id: 'test' };
const Q = 'support@default';

interface Rig {
  readonly fs: FreeSwitchDouble;
  readonly main: EslClient;
  readonly bulk: EslClient;
  readonly view: StateView;
  readonly cc: CallCenter;
  /** Times the main link went down. */
  mainDowns: number;
  stop(): Promise<void>;
}

/** The double, the event/command link, the bulk link and the domain over both, on real TCP. */
async function rig(double: FreeSwitchDoubleOptions = {}, bulkTimeoutMs = 5000): Promise<Rig> {
  const fs = await FreeSwitchDouble.start({
    initial: {
      agents: [
        { name: '1001@default', contact: 'null/1001', status: 'Logged Out' },
        { name: '1002@default', contact: 'null/1002', status: 'Logged Out' },
      ],
      tiers: [{ queue: Q, agent: '1001@default' }],
    },
    ...double,
  });
  const common = { host: '127.0.0.1', port: fs.port, password: 'ClueCon', backoff: { initialMs: 20, maxMs: 100 }, logger };
  const main = new EslClient({ ...common, customSubclasses: ['callcenter::info'] });
  const bulk = new EslClient({ ...common, commandTimeoutMs: bulkTimeoutMs });
  const view = new StateView();
  const cc = new CallCenter(main, view, { logger, resyncIntervalMs: 0, bulk });
  bulk.start();
  await once(bulk, 'ready');
  main.start();
  await once(cc, 'ready');
  const r: Rig = {
    fs,
    main,
    bulk,
    view,
    cc,
    mainDowns: 0,
    async stop() {
      fs.releaseReplies();
      fs.resume();
      cc.close();
      await Promise.all([main.stop(), bulk.stop()]);
      await fs.stop();
    },
  };
  main.on('down', () => r.mainDowns++);
  return r;
}

/** Fails instead of hanging when a command is stuck behind something (the bug this file is about). */
function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

test('the resync lists go on the bulk connection, which subscribes to nothing', async () => {
  const r = await rig();
  try {
    // Two connections: only the main one sent `event`.
    assert.equal(r.fs.connectionCount, 2);
    assert.deepEqual(r.fs.received.filter((c) => c.startsWith('event ')), ['event plain CUSTOM callcenter::info']);
    r.fs.holdReplies((c) => c.includes('agent list'));
    const resync = r.cc.resync();
    await waitFor(() => r.fs.received.includes('api callcenter_config agent list'), 'agent list sent');
    // The held list blocks its own connection, not the main one.
    assert.equal(await within(r.main.api('callcenter_config agent get status 1001@default'), 'main link'), 'Logged Out');
    r.fs.releaseReplies();
    await resync;
  } finally {
    await r.stop();
  }
});

test('a status command completes while a list reply is held, and the older list does not undo it', async () => {
  const r = await rig();
  try {
    // A change that fires no event: only the list can bring it (it must still be applied).
    r.fs.api('callcenter_config agent set max_no_answer 1002@default 7');
    r.fs.holdReplies((c) => c.includes('agent list'));
    const resync = r.cc.resync();
    await waitFor(() => r.fs.received.includes('api callcenter_config agent list'), 'agent list sent');
    // The list's rows were read now (1001 Logged Out); its reply is held back.
    await within(r.cc.setAgentStatus('1001@default', 'Available', actor), 'status change');
    await waitFor(() => r.view.agents.get('1001@default')?.status === 'Available', 'status event applied');
    r.fs.releaseReplies();
    await within(resync, 'resync');
    assert.equal(r.view.agents.get('1001@default')?.status, 'Available', 'the newer event is kept over the older list');
    assert.equal(r.view.agents.get('1002@default')?.maxNoAnswer, 7, 'rows nobody touched meanwhile come from the list');
    // The next resync, with nothing in flight, agrees with the switch.
    await r.cc.resync();
    assert.equal(r.view.agents.get('1001@default')?.status, 'Available');
  } finally {
    await r.stop();
  }
});

test('a tier added and a caller queued while the lists are in flight stay in the view', async () => {
  const r = await rig();
  try {
    r.fs.holdReplies((c) => c.includes('tier list'));
    let resync = r.cc.resync();
    await waitFor(() => r.fs.received.includes('api callcenter_config tier list'), 'tier list sent');
    // Tier changes fire no event: the view takes the +OK, and the older list must not remove it.
    await within(r.cc.addTier(Q, '1002@default', 1, 1, actor), 'tier add');
    r.fs.releaseReplies();
    await within(resync, 'resync');
    assert.ok(r.view.getTier(Q, '1002@default'), 'tier kept');

    r.fs.holdReplies((c) => c.includes('queue list members'));
    resync = r.cc.resync();
    await waitFor(() => r.fs.received.filter((c) => c.startsWith('api callcenter_config queue list members')).length === 2, 'members list sent');
    const caller = r.fs.injectCaller({ number: '15550001111', name: 'Late Caller' });
    await waitFor(() => r.view.members.has(caller.memberUuid), 'member-queue-start applied');
    r.fs.releaseReplies();
    await within(resync, 'resync');
    assert.ok(r.view.members.has(caller.memberUuid), 'member kept over the list taken before it joined');
  } finally {
    await r.stop();
  }
});

test('a timeout on the bulk connection drops only the bulk connection; commands go on', async () => {
  const r = await rig({}, 200);
  try {
    const bulkDown = once(r.bulk, 'down');
    r.fs.pause((c) => c.includes('agent list'));
    await assert.rejects(r.cc.resync(), (e: unknown) => e instanceof EslTimeoutError || (e instanceof Error && /time/i.test(e.message)));
    // The main link answers while the bulk one is wedged, and after the bulk one is dropped.
    await within(r.cc.setAgentStatus('1001@default', 'Available', actor), 'status change while bulk is wedged');
    await bulkDown;
    await within(r.cc.setAgentStatus('1001@default', 'On Break', actor), 'status change after the bulk drop');
    assert.equal(r.main.ready, true);
    assert.equal(r.mainDowns, 0, 'the main link never went down');
    assert.equal(r.main.linkState().reconnects, 0);
    // Bulk down: the lists fall back to the main link.
    r.fs.resume();
    await within(r.cc.resync(), 'resync');
    await waitFor(() => r.bulk.ready, 'bulk link back');
    await within(r.cc.resync(), 'resync on the bulk link again');
    assert.equal(r.view.agents.get('1001@default')?.status, 'On Break');
  } finally {
    await r.stop();
  }
});
