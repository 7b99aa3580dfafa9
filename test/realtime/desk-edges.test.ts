/**
 * Edges of the desk protocol: sockets that vanish mid-command, logout, what an
 * agent may choose as its phone, login throttling, and presence changes that
 * the switch cannot take at the moment they are due.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, DeskClient, waitFor } from '../helpers/stack.js';
import { addAgent, closed, login, passwordOf, switchStatus } from './desk-helpers.js';

const A = '1001@default';

test('a socket that closes while its login waits for the switch is not left attached', async () => {
  const s = await startStack({ env: { AGENT_AWAY_GRACE_S: '1', AGENT_LOGOUT_GRACE_S: '2' } });
  try {
    await addAgent(s, A);
    s.fs.pause((cmd) => cmd.includes('agent set status'));
    const desk = await DeskClient.open(s.url);
    desk.send({ type: 'login', agent: A, password: passwordOf(A), ready: true });
    await waitFor(() => s.fs.received.some((c) => c.includes(`agent set status ${A} Available`)), 'status command reached the switch');
    const gone = closed(desk);
    desk.close();
    await gone;
    s.fs.resume();
    // The switch did make the agent Available: with no page left, the graces must run.
    await switchStatus(s, A, 'Available');
    await waitFor(() => (s.gw.desk.channel(A)?.sockets.size ?? 0) === 0, 'no socket attached');
    await switchStatus(s, A, 'On Break', 4000);
    await switchStatus(s, A, 'Logged Out', 4000);
  } finally {
    await s.stop();
  }
});

test('after logout the socket speaks for nobody: ready is NOT_LOGGED_IN; other tabs are unaffected', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const one = await login(s, A, { ready: true });
    const two = await login(s, A, { ready: true });
    assert.equal((await one.desk.request({ type: 'logout' })).type, 'ack');
    await switchStatus(s, A, 'Logged Out');
    const after = await one.desk.request({ type: 'ready' });
    assert.equal(after.type === 'error' && after.code, 'NOT_LOGGED_IN');
    await two.desk.next('agent.status', (m) => m.status === 'Logged Out');
    one.desk.close();
    two.desk.close();
  } finally {
    await s.stop();
  }
});

test('from the desk an agent may only pick a directory phone; admins may set any contact', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const desk = await DeskClient.open(s.url);
    for (const contact of ['sofia/gateway/gw1/0044123456789', 'sofia/internal/sip:x@203.0.113.9', 'loopback/9999/default', '[leg_timeout=5]sofia/gateway/gw1/1', 'user/1005@evil.example.com extra']) {
      const r = await desk.request({ type: 'login', agent: A, password: passwordOf(A), contact });
      assert.equal(r.type === 'error' && r.code, 'BAD_CONTACT', contact);
    }
    const ok = await desk.request({ type: 'login', agent: A, password: passwordOf(A), contact: '[leg_timeout=20]user/1005@default' });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    assert.equal(s.fs.agent(A)?.contact, '[leg_timeout=20]user/1005@default');
    assert.equal((await s.api('PATCH', `/api/agents/${A}`, { contact: 'sofia/gateway/gw1/15551234567' })).status, 200);
    desk.close();
  } finally {
    await s.stop();
  }
});

test('desk logins are throttled after repeated failures for one agent, without reaching scrypt or the switch', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const desk = await DeskClient.open(s.url);
    for (let i = 0; i < 5; i++) {
      const r = await desk.request({ type: 'login', agent: A, password: 'wrong-password' });
      assert.equal(r.type === 'error' && r.code, 'AUTH_FAILED');
    }
    const limited = await desk.request({ type: 'login', agent: A, password: passwordOf(A) });
    assert.equal(limited.type === 'error' && limited.code, 'RATE_LIMITED');
    const bogus = await desk.request({ type: 'resume', agent: A, token: 'x'.repeat(32), lastSeq: 2 ** 53 });
    assert.equal(bogus.type === 'error' && bogus.code, 'BAD_MESSAGE', 'lastSeq is bounded');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('a grace that falls while the switch is unreachable is applied once it is back', async () => {
  const s = await startStack({ env: { AGENT_AWAY_GRACE_S: '1', AGENT_LOGOUT_GRACE_S: '600' } });
  try {
    await addAgent(s, A);
    const { desk } = await login(s, A, { ready: true });
    await switchStatus(s, A, 'Available');
    // The away grace falls while the switch is down: its status change is tried and fails.
    let failedWhileDown = false;
    s.gw.callCenter.on('command', (r) => {
      if (!r.ok && r.command.includes(`agent set status ${A} 'On Break'`)) failedWhileDown = true;
    });
    await s.fs.stop();
    desk.close();
    await waitFor(() => failedWhileDown, 'the away grace tried the switch while it was down', 8000);
    await s.fs.restart({ keepState: true });
    await switchStatus(s, A, 'On Break', 8000);
  } finally {
    await s.stop();
  }
});

test('a password change or an agent delete ends the agent desk sessions: resume gets BAD_TOKEN', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const { desk, ack } = await login(s, A);
    desk.close();
    const again = await DeskClient.open(s.url);
    const resumed = await again.request({ type: 'resume', agent: A, token: ack.token!, lastSeq: 1 });
    assert.equal(resumed.type, 'ack');
    again.close();
    assert.equal((await s.api('PATCH', `/api/agents/${A}`, { password: 'a-new-password-1' })).status, 200);
    const third = await DeskClient.open(s.url);
    const refused = await third.request({ type: 'resume', agent: A, token: ack.token!, lastSeq: 1 });
    assert.equal(refused.type === 'error' && refused.code, 'BAD_TOKEN');
    third.close();
  } finally {
    await s.stop();
  }
});

test('stopping the gateway ends its grace timers and retries: a presence change in flight arms nothing after stop', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const s = await startStack({ env: { AGENT_AWAY_GRACE_S: '1', AGENT_LOGOUT_GRACE_S: '600' } });
  let stopped = false;
  try {
    await addAgent(s, A);
    const { desk } = await login(s, A, { ready: true });
    await switchStatus(s, A, 'Available');
    s.fs.pause((cmd) => cmd.includes(`agent set status ${A} 'On Break'`));
    const gone = closed(desk);
    desk.close();
    await gone;
    await waitFor(() => s.fs.received.some((c) => c.includes(`agent set status ${A} 'On Break'`)), 'the away grace reached the switch');
    await s.stop();
    stopped = true;
    // ioredis keeps a 2 s socket guard after a disconnect; a presence retry would re-arm for ever.
    await waitFor(() => timers() <= before, 'no timers left by the gateway', 4000).catch(() => {
      assert.fail(`timers left running: ${process.getActiveResourcesInfo().join(', ')}`);
    });
  } finally {
    if (!stopped) await s.stop();
  }
});
