import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EslFrameParser, type EslFrame } from '../../src/esl/frame-parser.js';
import { decodeEventFrame, isEventFrame } from '../../src/esl/event.js';
import { fixture, parseFrames, transcriptNames } from '../helpers/fixtures.js';

const simplify = (frames: EslFrame[]) => frames.map((f) => ({ headers: f.headers, body: f.body?.toString('latin1') ?? null }));

test('every transcript parses into frames whose lengths add up to the file', () => {
  for (const name of transcriptNames()) {
    const bytes = fixture(name);
    const frames = parseFrames(bytes);
    assert.ok(frames.length > 0, name);
    assert.equal(frames[0]!.headers['Content-Type'], 'auth/request', name);
    // Re-serialising the frames gives back the file byte for byte.
    const rebuilt = Buffer.concat(
      frames.flatMap((f) => {
        const head = Object.entries(f.headers).map(([k, v]) => `${k}: ${v}\n`).join('') + '\n';
        return f.body ? [Buffer.from(head, 'utf8'), f.body] : [Buffer.from(head, 'utf8')];
      }),
    );
    assert.equal(rebuilt.length, bytes.length, name);
    assert.ok(rebuilt.equals(bytes), name);
  }
});

test('feeding one byte at a time gives the same frames as feeding the whole file', () => {
  for (const name of transcriptNames()) {
    const bytes = fixture(name);
    assert.deepEqual(simplify(parseFrames(bytes, 1)), simplify(parseFrames(bytes)), name);
  }
});

test('splitting in two at every byte boundary gives the same frames (small transcripts)', () => {
  for (const name of transcriptNames()) {
    const bytes = fixture(name);
    if (bytes.length > 16_000) continue;
    const whole = simplify(parseFrames(bytes));
    for (let cut = 1; cut < bytes.length; cut++) {
      const frames: EslFrame[] = [];
      const p = new EslFrameParser((f) => frames.push(f));
      p.push(bytes.subarray(0, cut));
      p.push(bytes.subarray(cut));
      assert.deepEqual(simplify(frames), whole, `${name} cut at ${cut}`);
      assert.equal(p.buffered, 0);
    }
  }
});

test('odd chunk sizes across the big transcripts', () => {
  for (const name of transcriptNames()) {
    const bytes = fixture(name);
    const whole = simplify(parseFrames(bytes));
    for (const size of [2, 3, 7, 13, 64, 1000, 4096, 65536]) assert.deepEqual(simplify(parseFrames(bytes, size)), whole, `${name} @${size}`);
  }
});

test('plain event values are URL-decoded; BACKGROUND_JOB keeps its inner body', () => {
  const events = parseFrames(fixture('05-bgapi-background-job.plain.txt')).filter(isEventFrame).map(decodeEventFrame);
  const job = events.find((e) => e.name === 'BACKGROUND_JOB' && e.headers.get('Job-Command-Arg') === 'queue list');
  assert.ok(job);
  assert.match(job.body, /^name\|strategy\|moh_sound/);
  assert.ok(job.body.endsWith('+OK\n'));
  const add = events.find((e) => e.headers.get('CC-Action') === 'agent-add');
  assert.equal(add?.headers.get('CC-Agent'), '1003@default');
  assert.equal(add?.headers.get('Event-Subclass'), 'callcenter::info');
});

test('json and plain transcripts of a scenario decode to the same CC-Actions and header names (channel variables differ between runs)', () => {
  for (const scenario of ['01-agent-lifecycle', '02-call-answered', '03-caller-abandons', '04-agent-no-answer', '05-bgapi-background-job']) {
    const plain = parseFrames(fixture(`${scenario}.plain.txt`)).filter(isEventFrame).map(decodeEventFrame);
    const json = parseFrames(fixture(`${scenario}.json.txt`)).filter(isEventFrame).map(decodeEventFrame);
    const cc = (list: typeof plain) => list.filter((e) => e.name === 'CUSTOM').map((e) => [e.headers.get('CC-Action'), [...e.headers.keys()].filter((k) => !k.startsWith('variable_')).sort().join(',')]);
    assert.deepEqual(cc(json), cc(plain), scenario);
  }
});

test('disconnect notice and auth failure frames', () => {
  const frames = parseFrames(fixture('06b-auth-failure.plain.txt'));
  assert.deepEqual(
    frames.map((f) => f.headers['Reply-Text'] ?? f.headers['Content-Type']),
    ['auth/request', '-ERR command not found', '-ERR invalid', 'text/disconnect-notice'],
  );
  assert.equal(frames[3]!.body?.toString(), 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n');
});

test('a multi-byte UTF-8 value split across chunks survives', () => {
  const body = Buffer.from('Event-Name: CUSTOM\nCC-Member-CID-Name: Jos%C3%A9%20%E2%82%AC\n\n');
  const head = Buffer.from(`Content-Length: ${body.length}\nContent-Type: text/event-plain\n\n`);
  const bytes = Buffer.concat([head, body]);
  for (let cut = 1; cut < bytes.length; cut++) {
    const frames: EslFrame[] = [];
    const p = new EslFrameParser((f) => frames.push(f));
    p.push(bytes.subarray(0, cut));
    p.push(bytes.subarray(cut));
    assert.equal(decodeEventFrame(frames[0]!).headers.get('CC-Member-CID-Name'), 'José €');
  }
});

test('a bad Content-Length is a protocol error, not a hang', () => {
  const p = new EslFrameParser(() => undefined);
  assert.throws(() => p.push(Buffer.from('Content-Type: api/response\nContent-Length: -5\n\n')), /Content-Length/);
});
