/**
 * Hostile or broken frames on the agent desk socket: each is refused with an
 * error code, nothing reaches the switch, and the socket stays usable (up to
 * the strike limit). A message over 4 KiB gets TOO_LARGE; a frame over 64 KiB closes the socket (1009).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, DeskClient } from '../helpers/stack.js';
import { addAgent, closed, commandsSince, mark, passwordOf } from './desk-helpers.js';

const A = '1001@default';

/** Helpers bound to one socket. */
function on(desk: DeskClient) {
  return {
    /** Sends a raw frame and returns the error it earns (errors for unparseable frames carry id null). */
    raw: async (frame: string | Buffer, binary = false) => {
      const n = desk.received.length;
      desk.ws.send(frame, { binary });
      await desk.next('error', () => desk.received.length > n);
      return desk.received[desk.received.length - 1] as { type: string; code: string; id: unknown };
    },
    expectError: async (msg: Record<string, unknown>, code: string) => {
      const r = await desk.request(msg);
      assert.equal(r.type, 'error', `${JSON.stringify(msg)} → ${JSON.stringify(r)}`);
      assert.equal((r as { code: string }).code, code, JSON.stringify(msg));
    },
  };
}

test('malformed frames and commands before login get error codes; the socket then logs in fine', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const desk = await DeskClient.open(s.url);
    const { raw, expectError } = on(desk);
    const from = mark(s);

    assert.equal((await raw('{"type":"login",')).code, 'BAD_JSON');
    assert.equal((await raw('null')).code, 'BAD_MESSAGE');
    assert.equal((await raw('[{"type":"ready"}]')).code, 'BAD_MESSAGE');
    const unknown = await raw('{"type":"hangup","id":"raw-1"}');
    assert.deepEqual([unknown.code, unknown.id], ['UNKNOWN_TYPE', 'raw-1']);
    assert.equal((await raw('{"type":"constructor"}')).code, 'UNKNOWN_TYPE');
    assert.equal((await raw('{"type":"__proto__"}')).code, 'UNKNOWN_TYPE');
    assert.equal((await raw(Buffer.from('{"type":"ready"}'), true)).code, 'BAD_MESSAGE');
    await expectError({ type: 'ready' }, 'NOT_LOGGED_IN');
    await expectError({ type: 'busy', reason: 'lunch' }, 'NOT_LOGGED_IN');
    await expectError({ type: 'logout' }, 'NOT_LOGGED_IN');
    assert.deepEqual(commandsSince(s, from), [], 'nothing reached the switch');

    const ok = await desk.request({ type: 'login', agent: A, password: passwordOf(A), ready: true });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    assert.equal(s.fs.agent(A)?.status, 'Available');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('wrong credentials, injection attempts and unlisted reasons are refused before anything reaches the switch', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    const desk = await DeskClient.open(s.url);
    const { expectError } = on(desk);
    const from = mark(s);

    // A wrong password and an unknown agent look the same.
    await expectError({ type: 'login', agent: A, password: 'wrong-password' }, 'AUTH_FAILED');
    await expectError({ type: 'login', agent: '9999@default', password: passwordOf(A) }, 'AUTH_FAILED');
    // Injection through the fields that reach a command line.
    await expectError({ type: 'login', agent: `${A} Available\napi status`, password: passwordOf(A) }, 'BAD_MESSAGE');
    await expectError({ type: 'login', agent: A, password: passwordOf(A), ready: 'yes' }, 'BAD_MESSAGE');
    for (const contact of ['user/1001 &park', 'user/1001,user/1002', '{api_on_answer=system rm}user/1001', 'user/1001|loopback/9999', "user/1001'", '${sofia_contact(1001)}']) {
      await expectError({ type: 'login', agent: A, password: passwordOf(A), contact }, 'BAD_CONTACT');
    }
    assert.deepEqual(commandsSince(s, from), [], 'nothing reached the switch');
    assert.equal(s.fs.agent(A)?.contact, 'user/1001');
    assert.equal(s.fs.agent(A)?.status, 'Logged Out');

    // Still usable: a proper login works on the same socket...
    const ok = await desk.request({ type: 'login', agent: A, password: passwordOf(A), ready: true });
    assert.equal(ok.type, 'ack', JSON.stringify(ok));
    assert.equal(s.fs.agent(A)?.status, 'Available');
    // ...and after it, a reason not on the list is refused before anything is sent.
    const afterLogin = mark(s);
    await expectError({ type: 'busy', reason: 'gone fishing' }, 'BAD_REASON');
    await expectError({ type: 'busy', reason: 'x'.repeat(65) }, 'BAD_MESSAGE');
    await expectError({ type: 'ready', extra: 1 }, 'BAD_MESSAGE');
    assert.deepEqual(commandsSince(s, afterLogin), []);
    assert.equal(s.fs.agent(A)?.status, 'Available');
    assert.equal((await desk.request({ type: 'busy', reason: 'lunch' })).type, 'ack');
    assert.equal(s.fs.agent(A)?.status, 'On Break');
    desk.close();
  } finally {
    await s.stop();
  }
});

test('a message over 4 KiB gets TOO_LARGE and the socket stays usable; one of exactly 4 KiB is fine; over 64 KiB closes it (1009)', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const from = mark(s);
    const fits = await DeskClient.open(s.url);
    const login = JSON.stringify({ type: 'login', id: 1, agent: A, password: passwordOf(A), ready: true });
    fits.ws.send(login + ' '.repeat(4096 - Buffer.byteLength(login)));
    assert.equal((await fits.next('ack')).id, 1);
    fits.close();

    const big = await DeskClient.open(s.url);
    const frame = JSON.stringify({ type: 'login', id: 2, agent: A, password: passwordOf(A) });
    big.ws.send(frame + ' '.repeat(4097 - Buffer.byteLength(frame)));
    const tooLarge = await big.next('error');
    assert.equal(tooLarge.code, 'TOO_LARGE');
    assert.equal(big.received.some((m) => m.type === 'ack'), false);
    assert.deepEqual(commandsSince(s, from), [`api callcenter_config agent set status ${A} Available`], 'only the fitting login reached the switch');
    // Still usable.
    assert.equal((await big.request({ type: 'login', agent: A, password: passwordOf(A) })).type, 'ack');
    big.close();

    const huge = await DeskClient.open(s.url);
    const gone = closed(huge);
    huge.ws.send('x'.repeat(64 * 1024 + 1));
    assert.equal((await gone).code, 1009);
  } finally {
    await s.stop();
  }
});

test('20 bad messages close the socket (1008); the gateway keeps serving others', async () => {
  const s = await startStack();
  try {
    await addAgent(s, A);
    const from = mark(s);
    const noisy = await DeskClient.open(s.url);
    const gone = closed(noisy);
    for (let i = 0; i < 25; i++) if (noisy.ws.readyState === noisy.ws.OPEN) noisy.ws.send(`garbage ${i}`);
    const { code } = await gone;
    assert.equal(code, 1008);
    assert.equal(noisy.received.filter((m) => m.type === 'error').length, 20);
    assert.deepEqual(commandsSince(s, from), []);
    const good = await DeskClient.open(s.url);
    assert.equal((await good.request({ type: 'login', agent: A, password: passwordOf(A) })).type, 'ack');
    good.close();
  } finally {
    await s.stop();
  }
});
