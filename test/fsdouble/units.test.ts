import { test } from 'node:test';
import assert from 'node:assert/strict';
import { switchUrlEncode } from '../../src/fsdouble/url-encode.js';
import { separateString } from '../../src/fsdouble/separate.js';
import { parseContact } from '../../src/fsdouble/legs.js';
import { nameEvent } from '../../src/fsdouble/fs-event.js';
import { str2cause, q850 } from '../../src/fsdouble/causes.js';
import { fixture } from './helpers.js';

test('switchUrlEncode reproduces every encoded value of the plain fixtures', () => {
  // Decode each plain event value and encode it again: the fixture's bytes must come back.
  const files = ['01-agent-lifecycle.plain.txt', '02-call-answered.plain.txt', '03-caller-abandons.plain.txt', '04-agent-no-answer.plain.txt', '05-bgapi-background-job.plain.txt', '07-loopback-agent-not-bridged.plain.txt'];
  let checked = 0;
  for (const f of files) {
    for (const line of fixture(f).toString('utf8').split('\n')) {
      const m = /^([A-Za-z][A-Za-z0-9_-]*): (.*)$/.exec(line);
      if (!m || /^(Content-|Reply-Text|Job-UUID$)/.test(m[1]!) || !m[2]!.includes('%')) continue;
      assert.equal(switchUrlEncode(decodeURIComponent(m[2]!)), m[2], line);
      checked++;
    }
  }
  assert.ok(checked > 500, String(checked));
  assert.equal(switchUrlEncode('a b@c:d,(e)/f~\'g'), "a%20b%40c%3Ad,(e)/f~'g");
  assert.equal(switchUrlEncode('100%41 50%'), '100%41%2050%25');
  assert.equal(switchUrlEncode('Zoë\n'), 'Zo%C3%AB%0A');
});

test('separateString: quotes, escapes, and the last slot taking the rest', () => {
  assert.deepEqual(separateString("agent set status 1001@default 'On Break'", 8), ['agent', 'set', 'status', '1001@default', 'On Break']);
  assert.deepEqual(separateString('agent set status 1001@default On Break', 8), ['agent', 'set', 'status', '1001@default', 'On', 'Break']);
  assert.deepEqual(separateString('  a   b  ', 8), ['a', 'b']);
  assert.deepEqual(separateString('a b c d e f g h i j', 8), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h i j']);
  assert.deepEqual(separateString("x 'open", 8), ['x', "'open"]);
  assert.deepEqual(separateString('a\\ b c', 8), ['a b', 'c']);
});

test('parseContact, nameEvent, causes', () => {
  assert.deepEqual(parseContact('[leg_timeout=5]{a=1,b=2}loopback/9001/default'), {
    vars: [['leg_timeout', '5'], ['a', '1'], ['b', '2']],
    endpoint: 'loopback/9001/default',
    loopback: { ext: '9001', context: 'default' },
    errorCause: null,
  });
  assert.equal(parseContact('loopback/9000').loopback!.context, 'default');
  assert.equal(parseContact('error/user_busy').errorCause, 'USER_BUSY');
  assert.equal(parseContact('user/1001@d,user/1002@d').endpoint, 'user/1001@d');
  assert.equal(nameEvent('channel_create'), 'CHANNEL_CREATE');
  assert.equal(nameEvent('SWITCH_EVENT_CUSTOM'), 'CUSTOM');
  assert.equal(nameEvent('NOT_AN_EVENT'), undefined);
  assert.equal(str2cause('user_busy'), 'USER_BUSY');
  assert.equal(str2cause('21'), 'CALL_REJECTED');
  assert.equal(str2cause('bogus'), 'NONE');
  assert.equal(q850('ALLOTTED_TIMEOUT'), 16);
  assert.equal(q850('CALL_REJECTED'), 21);
});
