import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { EslFrameParser, type EslFrame } from '../../src/esl/frame-parser.js';
import { decodeEventFrame, isEventFrame, type EslEvent } from '../../src/esl/event.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/esl/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/** Every received-bytes transcript (not the .sent files). */
export function transcriptNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => /^\d\d.*\.(plain|json)\.txt$/.test(f) && !f.includes('.sent.'))
    .sort();
}

export function parseFrames(bytes: Buffer, chunk = bytes.length): EslFrame[] {
  const frames: EslFrame[] = [];
  const p = new EslFrameParser((f) => frames.push(f));
  for (let i = 0; i < bytes.length; i += chunk) p.push(bytes.subarray(i, i + chunk));
  return frames;
}

export function eventsOf(bytes: Buffer): EslEvent[] {
  return parseFrames(bytes).filter(isEventFrame).map(decodeEventFrame);
}

export interface ApiReply {
  readonly scenario: string;
  readonly command: string;
  readonly body: string;
}

export function apiReplies(): ApiReply[] {
  return JSON.parse(fixture('api-replies.json').toString('utf8')) as ApiReply[];
}
