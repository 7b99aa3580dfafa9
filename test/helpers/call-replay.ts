import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EslFrameParser } from '../../src/esl/frame-parser.js';
import { decodeEventFrame, isEventFrame, type EslEvent } from '../../src/esl/event.js';
import { EventHeaders } from '../../src/esl/event-headers.js';

/** Byte-exact call-control transcripts of the real switch (10–19), kept apart from the 00–07 set the parser tests sweep. */
export const CALL_FIXTURES = fileURLToPath(new URL('../fixtures/esl-calls/', import.meta.url));

export function callTranscript(name: string): EslEvent[] {
  const events: EslEvent[] = [];
  const p = new EslFrameParser((f) => {
    if (isEventFrame(f)) events.push(decodeEventFrame(f));
  });
  p.push(readFileSync(join(CALL_FIXTURES, `${name}.plain.txt`)));
  return events;
}

const CC_SIDES = new Set(['member', 'agent']);

/**
 * What mod_event_socket would pass with the gateway's filters
 * (src/calls/subscription.ts): CUSTOM, BACKGROUND_JOB, and events whose
 * `variable_cc_side` is member or agent (filters compare case-insensitively).
 */
export function passesCallFilters(e: EslEvent): boolean {
  if (e.name === 'CUSTOM' || e.name === 'BACKGROUND_JOB') return true;
  const h = e.headers;
  const side = h instanceof EventHeaders ? h.peek('variable_cc_side') : h.get('variable_cc_side');
  return side !== undefined && CC_SIDES.has(side.toLowerCase());
}
