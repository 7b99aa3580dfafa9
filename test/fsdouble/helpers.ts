import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { EslFrameParser, type EslFrame } from '../../src/esl/frame-parser.js';
import { decodeEventFrame, isEventFrame } from '../../src/esl/event.js';
import type { FreeSwitchDouble, InitialAgent, InitialTier } from '../../src/fsdouble/index.js';

/** Shared by the fsdouble tests: fixture transcripts and a raw ESL client, both read with src/esl's parser. */

const FIXTURES = new URL('../fixtures/esl/', import.meta.url);

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

/** The command blocks of a `*.sent.txt` (each ended by a blank line). */
export function sentCommands(name: string): string[] {
  return fixture(name)
    .toString('utf8')
    .split('\n\n')
    .filter((b) => b.trim() !== '');
}

export interface Item {
  readonly type: string;
  readonly frame: EslFrame;
  /** For events: Event-Name; else the frame's Content-Type. */
  readonly name: string;
  /** Decoded event headers (or the frame headers). */
  readonly headers: ReadonlyMap<string, string>;
  /** For events: the header names in wire order, duplicates included. */
  readonly names: readonly string[];
  readonly body: string;
}

function toMap(h: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  return new Map(Object.entries(h));
}

/** Header names of an event body in order: plain lines, or top-level keys of the json object. */
export function headerNames(frame: EslFrame): string[] {
  const text = frame.body!.toString('utf8');
  if (frame.headers['Content-Type'] === 'text/event-json') return jsonKeys(text).filter((k) => k !== '_body');
  const end = text.indexOf('\n\n');
  return text
    .slice(0, end === -1 ? text.length : end)
    .split('\n')
    .filter((l) => l.includes(': '))
    .map((l) => l.slice(0, l.indexOf(': ')));
}

/** Top-level keys of a JSON object text, duplicates kept (JSON.parse would merge them). */
export function jsonKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      expectKey = false;
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return keys;
}

export function toItem(frame: EslFrame): Item {
  if (isEventFrame(frame)) {
    const e = decodeEventFrame(frame);
    return { type: 'event', frame, name: e.name, headers: e.headers, names: headerNames(frame), body: e.body };
  }
  const type = frame.headers['Content-Type'] ?? '';
  return { type, frame, name: type, headers: toMap(frame.headers), names: Object.keys(frame.headers), body: frame.body?.toString('utf8') ?? '' };
}

export function transcript(name: string): Item[] {
  const items: Item[] = [];
  const p = new EslFrameParser((f) => items.push(toItem(f)));
  p.push(fixture(name));
  return items;
}

export const events = (items: readonly Item[]): Item[] => items.filter((i) => i.type === 'event');
export const ccAction = (i: Item): string => i.headers.get('CC-Action') ?? '';

/** A bare ESL connection that records every frame it receives. */
export class RawClient {
  readonly items: Item[] = [];
  readonly raw: Buffer[] = [];
  closed = false;
  private waiters: Array<{ pred: (i: Item) => boolean; from: number; resolve: (i: Item) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  private closeWaiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    const parser = new EslFrameParser((f) => this.onItem(toItem(f)));
    socket.on('data', (c: Buffer) => {
      this.raw.push(c);
      parser.push(c);
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.closeWaiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new RawClient(socket);
    await c.waitFor((i) => i.type === 'auth/request');
    return c;
  }

  /** Connects, authenticates and subscribes like the fixtures do. */
  static async ready(port: number, subscription: string): Promise<RawClient> {
    const c = await RawClient.connect(port);
    await c.command('auth ClueCon');
    if (subscription) await c.command(subscription);
    return c;
  }

  private onItem(item: Item): void {
    this.items.push(item);
    const index = this.items.length - 1;
    for (const w of [...this.waiters]) {
      if (index >= w.from && w.pred(item)) {
        clearTimeout(w.timer);
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(item);
      }
    }
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Sends one command block; resolves with its command/reply or api/response. */
  async command(block: string, timeoutMs = 3000): Promise<Item> {
    const from = this.items.length;
    const reply = this.waitFor((i) => i.type === 'command/reply' || i.type === 'api/response', timeoutMs, from);
    this.socket.write(block + '\n\n');
    return reply;
  }

  /** Waits for an item (already received at or after `from`, or still to come). */
  waitFor(pred: (i: Item) => boolean, timeoutMs = 3000, from = 0): Promise<Item> {
    for (let k = from; k < this.items.length; k++) if (pred(this.items[k]!)) return Promise.resolve(this.items[k]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.findIndex((w) => w.timer === timer), 1);
        reject(new Error(`timed out waiting (have ${this.items.length} items: ${this.items.slice(-5).map((i) => i.name + ':' + (i.headers.get('CC-Action') ?? '')).join(', ')})`));
      }, timeoutMs);
      this.waiters.push({ pred, from, resolve, reject, timer });
    });
  }

  waitEvent(action: string, timeoutMs = 3000, from = 0): Promise<Item> {
    return this.waitFor((i) => i.type === 'event' && (i.headers.get('CC-Action') === action || i.name === action), timeoutMs, from);
  }

  waitClose(timeoutMs = 3000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('socket not closed')), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Lets pending events reach the client: two macrotask turns after the last activity. */
export async function settle(ms = 30): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** `n` Available agents with null/ contacts in support@default, spread over three tier levels. */
export function availableAgents(n: number): { agents: InitialAgent[]; tiers: InitialTier[] } {
  const agents: InitialAgent[] = [];
  const tiers: InitialTier[] = [];
  for (let k = 0; k < n; k++) {
    agents.push({ name: `a${k}@default`, contact: `null/a${k}`, status: 'Available' });
    tiers.push({ queue: 'support@default', agent: `a${k}@default`, level: 1 + (k % 3), position: k });
  }
  return { agents, tiers };
}

/** Adds `n` agents to support@default with fs_cli's commands, one after the other, each made Available. */
export function addAvailableAgents(d: FreeSwitchDouble, n: number): void {
  for (let k = 0; k < n; k++) {
    d.api(`callcenter_config agent add b${k}@default callback`);
    d.api(`callcenter_config agent set contact b${k}@default null/b${k}`);
    d.api(`callcenter_config tier add support@default b${k}@default`);
    d.api(`callcenter_config agent set status b${k}@default Available`);
  }
}
