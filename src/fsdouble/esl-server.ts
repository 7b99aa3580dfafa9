import { createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { SwitchCore } from './core.js';
import type { ApiCommands } from './api.js';
import { SITES } from './event-builder.js';
import { EVENT_NAMES, nameEvent, type FsEvent } from './fs-event.js';
import { CALLCENTER_SUBCLASS } from './event-builder.js';

const RECEIVED_MAX = 200_000;

/** Custom subclasses the double's modules reserve (set_all_custom() on `event ALL`). */
const KNOWN_SUBCLASSES = [CALLCENTER_SUBCLASS];

/**
 * mod_event_socket, inbound side: the greeting, auth, api/bgapi, event
 * subscriptions (`event`, `nixevent`, `noevents`), exit, and event delivery
 * in plain or json. Replies are written as each command is handled; events
 * wait in a per-connection queue that is flushed once the input at hand is
 * processed, the way the real listener only drains its queue between reads.
 */

export const DISCONNECT_NOTICE =
  'Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

type Format = 'plain' | 'json' | 'xml';

export interface EslServerOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /**
   * What one row of a `callcenter_config … list` costs the switch (µs). mod_callcenter
   * runs every statement under its one `globals.mutex` (cc_execute_sql_callback), so a
   * list keeps its own connection busy for rows × cost and makes callcenter commands on
   * every other connection wait until its SQL is done. Measured on FreeSWITCH 1.10.12
   * (sqlite): `agent list` of 1,000 agents 8 ms, `tier list` of 1,000 tiers 3 ms, and a
   * status change on a second connection waited up to the list's 8 ms. 0: no cost.
   */
  readonly listRowCostUs?: number;
}

/** Default of EslServerOptions.listRowCostUs: the real switch's `agent list` per row. */
export const LIST_ROW_COST_US = 8;

const LIST_COMMAND = /^callcenter_config\s+(agent|tier|queue)\s+list\b/i;

interface CommandBlock {
  readonly raw: string;
  readonly command: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string | null;
}

class Listener {
  private buf = '';
  private authed = false;
  private running = true;
  private format: Format = 'plain';
  private eventsOn = false;
  private all = false;
  private readonly names = new Set<string>();
  private readonly customs = new Set<string>();
  /** `filter` lines in the order given (duplicate names allowed, as in the switch's filter event). */
  private filters: Array<[string, string]> = [];
  private queue: FsEvent[] = [];
  /** Blocks received while the server is paused, handled in order on resume. */
  private held: CommandBlock[] = [];
  private flushScheduled = false;
  /** Set while a list's SQL "runs": this connection's thread answers nothing else meanwhile. */
  private busyTimer: NodeJS.Timeout | null = null;
  /** A reply computed but held back by EslServer.holdReplies(): the connection is busy until it leaves. */
  private heldReply: string | null = null;
  /** An `api` waiting for a lookup of its own (mod_xml_curl): the connection answers nothing meanwhile. */
  private lookingUp = false;
  /** Waiting for another connection's list to release the callcenter mutex. */
  private mutexTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    readonly socket: Socket,
    private readonly server: EslServer,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.unsubscribe = server.core.subscribe((e) => this.offer(e));
    socket.write('Content-Type: auth/request\n\n');
  }

  private onData(chunk: string): void {
    if (!this.running) return;
    this.buf += chunk;
    this.socket.cork();
    try {
      for (;;) {
        const block = this.nextBlock();
        if (!block) break;
        this.server.received.push(block.raw);
        // A log for tests, not a leak in a long demo run: keep the newest half when it gets long.
        if (this.server.received.length > RECEIVED_MAX) this.server.received.splice(0, RECEIVED_MAX / 2);
        if (this.held.length > 0 || this.server.stalls(block.command) || this.waits(block)) {
          this.held.push(block);
          continue;
        }
        this.handle(block);
        if (!this.running) break;
      }
    } finally {
      this.socket.uncork();
    }
  }

  /** Handles the blocks held while paused (the server is no longer paused). */
  release(): void {
    if (!this.running || this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    this.socket.cork();
    try {
      for (const [i, block] of held.entries()) {
        if (this.server.stalls(block.command) || this.waits(block)) {
          this.held = held.slice(i);
          break;
        }
        this.handle(block);
        if (!this.running) break;
      }
    } finally {
      this.socket.uncork();
    }
  }

  /**
   * True when `block` cannot be handled yet: this connection is still "running" a list,
   * or the block is a callcenter command and another connection's list holds the mutex.
   * A timer hands the held blocks over again when that is over.
   */
  private waits(block: CommandBlock): boolean {
    if (this.busyTimer || this.heldReply !== null || this.lookingUp) return true;
    if (!/^api\s+callcenter_config\b/i.test(block.command)) return false;
    const wait = this.server.mutexFreeAt - performance.now();
    if (wait < 1) return false;
    if (!this.mutexTimer) {
      this.mutexTimer = setTimeout(() => {
        this.mutexTimer = null;
        this.release();
      }, wait);
    }
    return true;
  }

  /** Sends a reply held by EslServer.holdReplies(), then carries on. */
  releaseReply(): void {
    const reply = this.heldReply;
    if (reply === null || !this.running) return;
    this.heldReply = null;
    this.write(reply);
    this.release();
    if (this.queue.length > 0) this.flush();
  }

  /** read_packet(): a command line plus header lines up to a blank line, then an optional Content-Length body. */
  private nextBlock(): CommandBlock | null {
    // Leading CR/LF are skipped ("bah").
    let start = 0;
    while (start < this.buf.length && (this.buf[start] === '\n' || this.buf[start] === '\r')) start++;
    if (start > 0) this.buf = this.buf.slice(start);
    const m = /\r?\n\r?\n/.exec(this.buf);
    if (!m) return null;
    const head = this.buf.slice(0, m.index);
    const lines = head.split(/\r?\n/);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).replace(/^ +/, ''));
    }
    let end = m.index + m[0].length;
    let body: string | null = null;
    const clen = Number(headers.get('content-length') ?? 0);
    if (clen > 0) {
      if (this.buf.length - end < clen) return null;
      body = this.buf.slice(end, end + clen);
      end += clen;
    }
    this.buf = this.buf.slice(end);
    const raw = Buffer.from(head + (body !== null ? '\n\n' + body : ''), 'latin1').toString('utf8');
    const command = Buffer.from(lines[0]!, 'latin1').toString('utf8');
    return { raw, command, headers, body };
  }

  private handle(block: CommandBlock): void {
    const reply = this.parseCommand(block);
    if (reply !== null) this.write(reply.startsWith('~') ? 'Content-Type: command/reply\n' + reply.slice(1) : `Content-Type: command/reply\nReply-Text: ${reply}\n\n`);
    if (!this.running) this.disconnect(true);
  }

  /** parse_command(): returns the reply text, `~...` for a pre-formatted reply, or null when the command wrote its own. */
  private parseCommand(block: CommandBlock): string | null {
    const cmd = block.command;
    const lower = cmd.toLowerCase();
    if (lower.startsWith('exit') || lower.startsWith('...')) {
      this.running = false;
      return '+OK bye';
    }
    if (!this.authed) {
      if (lower.startsWith('auth ')) {
        if (cmd.slice(5) === this.server.options.password) {
          this.authed = true;
          return '+OK accepted';
        }
        this.running = false;
        return '-ERR invalid';
      }
      if (lower.startsWith('userauth ')) {
        this.running = false;
        return '-ERR invalid';
      }
      return '-ERR command not found';
    }
    if (lower.startsWith('api ')) {
      this.api(cmd.slice(4));
      return null;
    }
    if (lower.startsWith('bgapi ')) {
      this.bgapi(cmd.slice(6), block.headers.get('job-uuid'));
      return null;
    }
    if (lower.startsWith('filter ')) return this.filter(cmd);
    if (lower.startsWith('event')) return this.event(cmd);
    if (lower.startsWith('nixevent')) return this.nixevent(cmd);
    if (lower.startsWith('noevents')) {
      this.queue = [];
      if (!this.eventsOn) return '-ERR not listening for events';
      this.eventsOn = false;
      this.all = false;
      this.names.clear();
      this.customs.clear();
      return '+OK no longer listening for events';
    }
    return '-ERR command not found';
  }

  private api(line: string): void {
    // mod_event_socket runs `api` in the connection's thread: a command that fetches XML over HTTP
    // first (queue load via mod_xml_curl) holds everything after it on this connection.
    const lookup = this.server.beforeApi?.(line);
    if (!lookup) return this.apiNow(line);
    this.lookingUp = true;
    void lookup.finally(() => {
      this.lookingUp = false;
      if (!this.running) return;
      this.apiNow(line);
      this.release();
      if (this.queue.length > 0) this.flush();
    });
  }

  private apiNow(line: string): void {
    const r = this.server.commands.line(line);
    let out = r.found ? r.output : `-ERR ${r.command} Command not found!\n`;
    if (out === '') out = '-ERR no reply\n';
    const reply = `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(out)}\n\n` + out;
    if (this.server.holdsReply(line)) {
      this.heldReply = reply;
      return;
    }
    const costMs = LIST_COMMAND.test(line) ? (countLines(out) * this.server.listRowCostUs) / 1000 : 0;
    if (costMs < 1) {
      this.write(reply);
      return;
    }
    // The rows are read now (the snapshot), the reply leaves when the SQL is done; until
    // then this connection answers nothing and sends no event, and other connections'
    // callcenter commands wait for the mutex.
    this.server.mutexFreeAt = Math.max(this.server.mutexFreeAt, performance.now() + costMs);
    this.busyTimer = setTimeout(() => {
      this.busyTimer = null;
      if (!this.running) return;
      this.write(reply);
      this.release();
      if (this.queue.length > 0) this.flush();
    }, costMs);
  }

  private bgapi(line: string, jobUuid: string | undefined): void {
    const uuid = jobUuid || randomUUID();
    this.write(`Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${uuid}\nJob-UUID: ${uuid}\n\n`);
    const r = this.server.commands.line(line);
    const sp = line.indexOf(' ');
    const out = r.found ? r.output : `-ERR ${r.command} Command not found!\n`;
    const headers: Array<[string, string]> = [
      ['Job-UUID', uuid],
      ['Job-Command', r.command],
    ];
    if (sp !== -1) headers.push(['Job-Command-Arg', line.slice(sp + 1)]);
    const core = this.server.core;
    if (r.later) {
      // A job that ends later (a click-to-dial's originate): its BACKGROUND_JOB then.
      void r.later.then((body) => core.fire(core.events.event('BACKGROUND_JOB', SITES.backgroundJob, headers, body)));
      return;
    }
    core.fire(core.events.event('BACKGROUND_JOB', SITES.backgroundJob, headers, out));
  }

  /** `event [plain|json|xml] <names...> [CUSTOM <subclasses...>]`: words after CUSTOM are subclasses. */
  private event(cmd: string): string {
    const sp = cmd.indexOf(' ', 5);
    let keys = 0;
    let custom = false;
    if (sp !== -1) {
      const words = cmd.slice(sp + 1).split(' ');
      words.forEach((word, i) => {
        if (i === 0) {
          const f = word.toLowerCase();
          if (f === 'plain' || f === 'json' || f === 'xml') {
            this.format = f;
            return;
          }
        }
        if (custom) {
          this.customs.add(word);
          return;
        }
        const name = nameEvent(word);
        if (!name) return;
        keys++;
        if (name === 'ALL') {
          // event_list[x] = 1 for every type, plus set_all_custom().
          this.all = true;
          for (const n of EVENT_NAMES) this.names.add(n);
          for (const c of KNOWN_SUBCLASSES) this.customs.add(c);
        }
        this.names.add(name);
        if (name === 'CUSTOM') custom = true;
      });
    }
    if (!keys) return '-ERR no keywords supplied';
    this.eventsOn = true;
    return `+OK event listener enabled ${this.format}`;
  }

  /** `filter [add] <header> <value>`, `filter delete <header> [<value>]`, `filter delete all`. */
  private filter(cmd: string): string {
    let rest = cmd.slice(7).replace(/^ +/, '');
    const split = (t: string): [string, string | null] => {
      const sp = t.indexOf(' ');
      return sp === -1 ? [t, null] : [t.slice(0, sp), t.slice(sp + 1)];
    };
    let [name, value] = split(rest);
    if (name.toLowerCase() === 'delete' && value !== null) {
      [name, value] = split(value);
      if (name.toLowerCase() === 'all') this.filters = [];
      else this.filters = this.filters.filter(([k, v]) => !(k.toLowerCase() === name.toLowerCase() && (value === null || v === value)));
      return `+OK filter deleted. [${name}][${value ?? ''}]`;
    }
    if (value === null) return '-ERR invalid syntax';
    if (name.toLowerCase() === 'add') {
      rest = value;
      [name, value] = split(rest);
    }
    this.filters.push([name, value ?? '']);
    return `+OK filter added. [${name}]=[${value ?? ''}]`;
  }

  /**
   * event_handler()'s filter pass: with filters set, an event goes out only if
   * some filter header is present in it with an equal value (case-insensitive;
   * `-value` vetoes; `/regex/` is matched with a JavaScript RegExp here, PCRE
   * on the switch).
   */
  private passesFilters(e: FsEvent): boolean {
    if (this.filters.length === 0) return true;
    let send = false;
    for (const [name, raw] of this.filters) {
      const lname = name.toLowerCase();
      const hval = e.headers.find(([k]) => k.toLowerCase() === lname)?.[1];
      if (hval === undefined) continue;
      let pos = true;
      let i = 0;
      for (; i < raw.length; i++) {
        if (raw[i] === '+') pos = true;
        else if (raw[i] === '-') pos = false;
        else if (raw[i] !== ' ') break;
      }
      if (send && pos) continue;
      const comp = raw.slice(i);
      let match: boolean;
      if (raw.startsWith('/')) {
        const m = /^\/(.*)\/([a-z]*)$/s.exec(raw);
        try {
          match = m ? new RegExp(m[1]!, m[2]!.replace(/[^is]/g, '')).test(hval) : false;
        } catch {
          match = false;
        }
      } else {
        match = hval.toLowerCase() === comp.toLowerCase();
      }
      if (match) {
        if (pos) send = true;
        else return false;
      }
    }
    return send;
  }

  private nixevent(cmd: string): string {
    const sp = cmd.indexOf(' ', 8);
    let keys = 0;
    let custom = false;
    if (sp !== -1) {
      for (const word of cmd.slice(sp + 1).split(' ')) {
        if (custom) {
          this.customs.delete(word);
          continue;
        }
        const name = nameEvent(word);
        if (!name) continue;
        keys++;
        if (name === 'CUSTOM') custom = true;
        else if (name === 'ALL') {
          this.all = false;
          this.names.clear();
        } else {
          // Leaving ALL: every other type stays subscribed.
          this.all = false;
          this.names.delete('ALL');
          this.names.delete(name);
        }
      }
    }
    if (!keys) return '-ERR no keywords supplied';
    this.eventsOn = true;
    return '+OK events nixed';
  }

  private wants(e: FsEvent): boolean {
    if (!this.eventsOn) return false;
    if (this.all) return true;
    if (!this.names.has(e.name)) return false;
    return e.name !== 'CUSTOM' || !e.subclass || this.customs.has(e.subclass);
  }

  private offer(e: FsEvent): void {
    if (!this.running || !this.wants(e) || !this.passesFilters(e)) return;
    this.queue.push(e);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    // A connection busy with a list sends its events once the reply is out.
    if (!this.running || this.queue.length === 0 || this.busyTimer || this.heldReply !== null || this.lookingUp) return;
    const events = this.queue;
    this.queue = [];
    let out = '';
    for (const e of events) {
      // xml is not rendered by the double; those listeners get plain.
      const json = this.format === 'json';
      const body = json ? e.json() : e.plain();
      out += `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-${json ? 'json' : 'plain'}\n\n` + body;
    }
    this.write(out);
  }

  private write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  /** Switch side hang-up: optional disconnect notice, then close. */
  disconnect(notice: boolean): void {
    this.running = false;
    this.queue = [];
    if (!this.socket.destroyed) {
      if (notice) this.socket.end(DISCONNECT_NOTICE);
      else this.socket.end();
    }
    this.close();
  }

  destroy(): void {
    this.running = false;
    this.socket.destroy();
    this.close();
  }

  private close(): void {
    this.running = false;
    if (this.busyTimer) clearTimeout(this.busyTimer);
    if (this.mutexTimer) clearTimeout(this.mutexTimer);
    this.busyTimer = this.mutexTimer = null;
    this.unsubscribe();
    this.server.forget(this);
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export class EslServer {
  readonly received: string[] = [];
  /** When the callcenter mutex is free again (performance.now() ms): see EslServerOptions.listRowCostUs. */
  mutexFreeAt = 0;
  private server: Server | null = null;
  private readonly listeners = new Set<Listener>();
  private boundPort = 0;
  private pausedWhen: ((command: string) => boolean) | null = null;
  /** Work an `api` line needs done before it runs (a Promise), or null: see XmlCurlBinding. */
  beforeApi: ((line: string) => Promise<void> | null) | null = null;

  constructor(
    public core: SwitchCore,
    public commands: ApiCommands,
    readonly options: EslServerOptions,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get listRowCostUs(): number {
    return this.options.listRowCostUs ?? LIST_ROW_COST_US;
  }

  get connectionCount(): number {
    return this.listeners.size;
  }

  async listen(port = this.options.port): Promise<number> {
    const server = createServer((socket) => this.listeners.add(new Listener(socket, this)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
    return this.boundPort;
  }

  /**
   * From now on, the first command matching `match` (default: any) and every
   * block after it on the same connection are received but not answered, like
   * a switch whose command thread is stuck; `resume()` handles them in order.
   */
  pause(match: (command: string) => boolean = () => true): void {
    this.pausedWhen = match;
  }

  resume(): void {
    this.pausedWhen = null;
    for (const l of [...this.listeners]) l.release();
  }

  private replyHeldWhen: ((command: string) => boolean) | null = null;

  /**
   * From now on, an `api` command matching `match` is carried out at once (a list
   * reads its rows then) but its reply is held, and its connection answers nothing
   * and sends no event until releaseReplies(): a reply slow to reach the gateway.
   */
  holdReplies(match: (command: string) => boolean): void {
    this.replyHeldWhen = match;
  }

  releaseReplies(): void {
    this.replyHeldWhen = null;
    for (const l of [...this.listeners]) l.releaseReply();
  }

  holdsReply(command: string): boolean {
    return this.replyHeldWhen !== null && this.replyHeldWhen(command);
  }

  stalls(command: string): boolean {
    return this.pausedWhen !== null && this.pausedWhen(command);
  }

  forget(l: Listener): void {
    this.listeners.delete(l);
  }

  /** Abrupt loss of every connection (no disconnect notice), as on a network failure. */
  dropConnections(): void {
    for (const l of [...this.listeners]) l.destroy();
  }

  async close(): Promise<void> {
    for (const l of [...this.listeners]) l.disconnect(true);
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
