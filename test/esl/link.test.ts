import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { EslClient } from '../../src/esl/client.js';
import { EslCommandError, EslLinkDownError, EslTimeoutError, EslWireError } from '../../src/esl/errors.js';
import { CallCenter } from '../../src/callcenter/service.js';
import { StateView } from '../../src/callcenter/state.js';
import { silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { waitFor } from '../helpers/stack.js';

const logger = silentLogger();

function client(port: number, extra: Partial<ConstructorParameters<typeof EslClient>[0]> = {}): EslClient {
  return new EslClient({ host: '127.0.0.1', port, password: 'ClueCon', customSubclasses: ['callcenter::info'], backoff: { initialMs: 20, maxMs: 200 }, logger, ...extra });
}

async function ready(c: EslClient): Promise<void> {
  if (!c.ready) await once(c, 'ready');
}

test('subscribes with CUSTOM last, and only to what it needs', async () => {
  const fs = await FreeSwitchDouble.start();
  const c = client(fs.port, { events: ['CHANNEL_HANGUP_COMPLETE'] });
  try {
    c.start();
    await ready(c);
    const sub = fs.received.find((r) => r.startsWith('event '));
    assert.equal(sub, 'event plain CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info');
  } finally {
    await c.stop();
    await fs.stop();
  }
});

test('BACKGROUND_JOB is subscribed only while a bgapi is in flight (CUSTOM stays last)', async () => {
  const fs = await FreeSwitchDouble.start({ initial: { agents: [{ name: '2001@default', status: 'Available' }] } });
  const c = client(fs.port);
  // Another program's bgapi on its own connection: its BACKGROUND_JOB goes to every subscriber.
  const other = client(fs.port, { customSubclasses: [] });
  const jobs: string[] = [];
  c.on('event', (e) => {
    if (e.name === 'BACKGROUND_JOB') jobs.push(e.headers.get('Job-Command-Arg') ?? '');
  });
  try {
    c.start();
    other.start();
    await Promise.all([ready(c), ready(other)]);
    assert.equal(await other.bgapi('callcenter_config queue count'), '1\n');
    await waitFor(() => fs.received.includes('nixevent BACKGROUND_JOB'), 'the other program idle');
    fs.clearReceived();
    assert.equal(await c.bgapi('callcenter_config agent get status 2001@default'), 'Available');
    await waitFor(() => fs.received.includes('nixevent BACKGROUND_JOB'), 'unsubscribed once idle');
    assert.deepEqual(
      fs.received.map((r) => r.split('\n')[0]),
      ['event plain BACKGROUND_JOB CUSTOM callcenter::info', 'bgapi callcenter_config agent get status 2001@default', 'nixevent BACKGROUND_JOB'],
    );
    // Idle again: the other program's jobs do not reach us, our callcenter events still do.
    assert.equal(await other.bgapi('callcenter_config queue count'), '1\n');
    const statusEvent = once(c, 'event');
    await c.api('callcenter_config agent set status 2001@default Available');
    await statusEvent;
    assert.deepEqual(jobs, ['agent get status 2001@default']);
  } finally {
    await Promise.all([c.stop(), other.stop()]);
    await fs.stop();
  }
});

test('BACKGROUND_JOB asked for in ESL_EVENTS stays subscribed: a bgapi neither re-subscribes nor sends nixevent', async () => {
  const fs = await FreeSwitchDouble.start({ initial: { agents: [{ name: '2001@default', status: 'Available' }] } });
  const c = client(fs.port, { events: ['BACKGROUND_JOB'] });
  try {
    c.start();
    await ready(c);
    fs.clearReceived();
    assert.equal(await c.bgapi('callcenter_config agent get status 2001@default'), 'Available');
    assert.equal(await c.bgapi('callcenter_config agent get status 2001@default'), 'Available');
    assert.deepEqual(
      fs.received.map((r) => r.split('\n')[0]),
      ['bgapi callcenter_config agent get status 2001@default', 'bgapi callcenter_config agent get status 2001@default'],
    );
  } finally {
    await c.stop();
    await fs.stop();
  }
});

test('a bgapi refused while the link is down does not leave the next connection thinking it is subscribed', async () => {
  const fs = await FreeSwitchDouble.start({ initial: { agents: [{ name: '2001@default', status: 'Available' }] } });
  const c = client(fs.port, { commandTimeoutMs: 1000 });
  try {
    c.start();
    await ready(c);
    const down = once(c, 'down');
    fs.dropConnections();
    await down;
    await assert.rejects(c.bgapi('callcenter_config agent get status 2001@default'), EslLinkDownError);
    await waitFor(() => c.ready, 'reconnected');
    fs.clearReceived();
    assert.equal(await c.bgapi('callcenter_config agent get status 2001@default'), 'Available');
    assert.equal(fs.received[0], 'event plain BACKGROUND_JOB CUSTOM callcenter::info');
  } finally {
    await c.stop();
    await fs.stop();
  }
});

test('replies reach the right caller with many commands in flight', async () => {
  const fs = await FreeSwitchDouble.start({
    initial: { agents: Array.from({ length: 50 }, (_, i) => ({ name: `${2000 + i}@default`, status: i % 2 ? 'Available' : 'On Break' })) },
  });
  const c = client(fs.port);
  try {
    c.start();
    await ready(c);
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => c.api(`callcenter_config agent get status ${2000 + (i % 50)}@default`)));
    replies.forEach((r, i) => assert.equal(r, (i % 50) % 2 ? 'Available' : 'On Break', `command ${i}`));
    await assert.rejects(c.api('callcenter_config agent get status nosuch@default'), (e: unknown) => e instanceof EslCommandError && e.reply === '-ERR Agent not found!');
    assert.equal(await c.api('callcenter_config queue count'), '1\n');
    const job = await c.bgapi('callcenter_config agent get status 2001@default');
    assert.equal(job, 'Available');
  } finally {
    await c.stop();
    await fs.stop();
  }
});

test('control characters never reach the wire', async () => {
  const fs = await FreeSwitchDouble.start();
  const c = client(fs.port);
  try {
    c.start();
    await ready(c);
    fs.clearReceived();
    for (const bad of ['status\n\napi shutdown', 'a\rb', 'a\u0000b', 'a\u001bb', 'a\u2028b']) {
      await assert.rejects(c.api(bad), EslWireError);
    }
    assert.deepEqual(fs.received, []);
  } finally {
    await c.stop();
    await fs.stop();
  }
});

test('a drop fails every pending command at once with EslLinkDownError, then the link comes back', async () => {
  const fs = await FreeSwitchDouble.start();
  const c = client(fs.port, { commandTimeoutMs: 30_000 });
  try {
    c.start();
    await ready(c);
    const pending = Array.from({ length: 100 }, () => c.api('callcenter_config queue list').then(() => 'ok', (e: unknown) => e));
    fs.dropConnections();
    const outcomes = await Promise.all(pending);
    const failed = outcomes.filter((o) => o !== 'ok');
    assert.ok(failed.length > 0, 'some commands were in flight');
    // EslLinkDownError, not EslTimeoutError: they failed with the drop, not at their 30 s timeout.
    for (const f of failed) assert.ok(f instanceof EslLinkDownError, String(f));
    await assert.rejects(c.api('callcenter_config queue list'), EslLinkDownError);
    await waitFor(() => c.ready, 'reconnected');
    const st = c.linkState();
    assert.equal(st.connected, true);
    assert.equal(st.reconnects, 1);
    assert.match(await c.api('callcenter_config queue list'), /^name\|strategy/);
  } finally {
    await c.stop();
    await fs.stop();
  }
});

test('a wrong password is a clear error, retried forever, never a crash', async () => {
  const fs = await FreeSwitchDouble.start({ password: 'RightOne' });
  const c = client(fs.port, { password: 'WrongOne' });
  try {
    c.start();
    await waitFor(() => c.linkState().attempts >= 4, 'several attempts');
    const st = c.linkState();
    assert.equal(st.connected, false);
    assert.match(st.lastError ?? '', /password/i);
    assert.equal(c.ready, false);
    await assert.rejects(c.api('status'), EslLinkDownError);
  } finally {
    await c.stop();
    await fs.stop();
  }
});

test('no reply in time: EslTimeoutError, and a switch that stays silent is dropped and reconnected', async () => {
  // A peer that authenticates and subscribes but never answers an api command.
  let connections = 0;
  const server = createServer((sock: Socket) => {
    connections++;
    sock.write('Content-Type: auth/request\n\n');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const cmd = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (cmd.startsWith('auth')) sock.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
        else if (cmd.startsWith('event')) sock.write('Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n');
      }
    });
    sock.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = client((server.address() as { port: number }).port, { commandTimeoutMs: 100 });
  try {
    c.start();
    await ready(c);
    await assert.rejects(c.api('status'), (e: unknown) => e instanceof EslTimeoutError && e.timeoutMs === 100);
    await waitFor(() => connections >= 2, 'wedged link dropped and reopened');
  } finally {
    await c.stop();
    server.close();
  }
});

test('reconnect + resync restores the view, including a change made while the gateway was away', async () => {
  const fs = await FreeSwitchDouble.start({
    initial: {
      agents: [{ name: '1001@default', contact: 'null/a', status: 'Available' }, { name: '1002@default', contact: 'null/b', status: 'Available' }],
      tiers: [{ queue: 'support@default', agent: '1001@default' }, { queue: 'support@default', agent: '1002@default' }],
    },
  });
  const c = client(fs.port);
  const view = new StateView();
  const cc = new CallCenter(c, view, { logger, resyncIntervalMs: 0 });
  try {
    c.start();
    await once(cc, 'ready');
    assert.equal(view.agents.get('1001@default')?.status, 'Available');
    assert.equal(view.tiers.size, 2);

    // While the gateway is away: a status change, an agent deleted (no event ever), a tier removed.
    await fs.stop();
    await waitFor(() => !c.ready, 'link down');
    fs.api("callcenter_config agent set status 1001@default 'On Break'");
    fs.api('callcenter_config agent del 1002@default');
    fs.api('callcenter_config agent add 1003@default callback');
    await fs.restart({ keepState: true });
    await once(cc, 'ready');
    assert.equal(view.agents.get('1001@default')?.status, 'On Break');
    assert.equal(view.agents.has('1002@default'), false);
    assert.equal(view.agents.has('1003@default'), true);
    assert.deepEqual([...view.tiers.values()].map((t) => t.agent), ['1001@default']);

    // A restart that loses the callcenter db: the view follows the switch, not its memory.
    await fs.restart({ keepState: false });
    await once(cc, 'ready');
    assert.equal(view.agents.size, 0);
    assert.equal(view.tiers.size, 0);
  } finally {
    cc.close();
    await c.stop();
    await fs.stop();
  }
});

test('changes made elsewhere (fs_cli) while connected reach the view through events', async () => {
  const fs = await FreeSwitchDouble.start({ initial: { agents: [{ name: '1001@default', status: 'Logged Out' }] } });
  const c = client(fs.port);
  const view = new StateView();
  const cc = new CallCenter(c, view, { logger, resyncIntervalMs: 0 });
  try {
    c.start();
    await once(cc, 'ready');
    fs.api("callcenter_config agent set status 1001@default 'Available (On Demand)'");
    await waitFor(() => view.agents.get('1001@default')?.status === 'Available (On Demand)', 'status event applied');
    // A tier added on the switch fires no event: the next resync picks it up.
    fs.api('callcenter_config tier add support@default 1001@default 1 1');
    await cc.resync();
    assert.equal(view.tiers.size, 1);
  } finally {
    cc.close();
    await c.stop();
    await fs.stop();
  }
});
