import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventHeaders } from '../../src/esl/event-headers.js';
import { parseEventHeaders } from '../../src/esl/frame-parser.js';
import { fixture, parseFrames, transcriptNames } from '../helpers/fixtures.js';

/** The header lines of every plain event in the recordings. */
function plainEventHeaderTexts(): string[] {
  const texts: string[] = [];
  for (const name of transcriptNames().filter((n) => n.includes('.plain.') && !n.includes('.sent.'))) {
    for (const f of parseFrames(fixture(name))) {
      if (f.headers['Content-Type'] !== 'text/event-plain' || !f.body) continue;
      const end = f.body.indexOf('\n\n');
      texts.push(f.body.toString('utf8', 0, end === -1 ? f.body.length : end));
    }
  }
  return texts;
}

test('peek, before any full parse, gives what the full parse gives, for every header of every recorded plain event', () => {
  const texts = plainEventHeaderTexts();
  assert.ok(texts.length > 100, `${texts.length} events`);
  let repeated = 0;
  for (const text of texts) {
    const full = parseEventHeaders(text);
    const names = new Set(text.split('\n').map((l) => l.split(': ')[0]!));
    if (names.size < text.split('\n').length) repeated++;
    for (const name of [...full.keys(), 'Content-Length', 'No-Such-Header', 'Event']) {
      assert.equal(new EventHeaders(text).peek(name), full.get(name), name);
    }
    const lazy = new EventHeaders(text);
    assert.deepEqual([...lazy], [...full]);
    assert.equal(lazy.size, full.size);
  }
  assert.ok(repeated > 0, 'the recordings repeat a header (Hangup-Cause): the last value must win');
});

test('peek handles a header at the start, at the end, empty, repeated and URL-encoded', () => {
  const text = 'Event-Name: CUSTOM\nA: 1\nEmpty:\nA: 2\nSub: callcenter%3A%3Ainfo\nLast: x';
  const h = new EventHeaders(text);
  assert.equal(h.peek('Event-Name'), 'CUSTOM');
  assert.equal(h.peek('A'), '2');
  assert.equal(h.peek('Sub'), 'callcenter::info');
  assert.equal(h.peek('Last'), 'x');
  assert.equal(h.peek('Empty'), '');
  assert.equal(new EventHeaders('A: 1\nA:').peek('A'), '', 'an empty repeat after a value wins, as in the full parse');
  assert.equal(new EventHeaders('Event-Name: CUSTOM').peek('Name'), undefined, 'only whole names match');
  assert.equal(h.get('A'), '2');
  assert.equal(h.peek('Last'), 'x', 'peek after the full parse reads the map');
});
