import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { textOf } from '../../src/realtime/raw-data.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger, createLogger, type Logger } from '../../src/log.js';
import { FreeSwitchDouble, type FreeSwitchDoubleOptions } from '../../src/fsdouble/index.js';
import { startRedis, type TestRedis } from './redis.js';
import { raw } from './http.js';
import type { ServerMessage } from '../../src/realtime/protocol.js';

export const ADMIN = 'admin-token-0123456789';
export const SUPERVISOR = 'supervisor-token-0123456789';

export interface Stack {
  readonly fs: FreeSwitchDouble;
  readonly redis: TestRedis;
  readonly gw: Gateway;
  readonly config: Config;
  readonly url: string;
  /** fetch against the gateway with the admin token unless another is given. */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  readonly env?: Record<string, string>;
  readonly double?: FreeSwitchDoubleOptions;
  readonly resyncIntervalMs?: number;
  /** The gateway's logger (default: silent, or debug to stdout with TEST_LOG set). */
  readonly logger?: Logger;
}

/** A double, a private redis-server and a gateway wired to both, on loopback ports. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const fs = await FreeSwitchDouble.start({ ringMs: 30, ...opts.double });
  const redis = await startRedis();
  const config = loadConfig({
    ESL_PORT: String(fs.port),
    HTTP_PORT: '0',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
    API_TOKENS: `boss:admin:${ADMIN},watcher:supervisor:${SUPERVISOR}`,
    RATE_LIMIT_PER_MINUTE: '100000',
    ESL_COMMAND_TIMEOUT_MS: '2000',
    // Call records have their own tests (test/records/); an embedded database per stack would cost seconds each.
    CALL_RECORDS: 'off',
    // TEST_DESK_STREAM=redis runs the desk tests with the several-instances push stream (test/scale/).
    ...(process.env.TEST_DESK_STREAM ? { DESK_STREAM: process.env.TEST_DESK_STREAM } : {}),
    ...opts.env,
  });
  const logger = opts.logger ?? (process.env.TEST_LOG ? createLogger('debug') : silentLogger());
  const gw = await startGateway({ config, logger, resyncIntervalMs: opts.resyncIntervalMs ?? 0, eslBackoff: { initialMs: 20, maxMs: 200 } });
  // The call model's rebuild (`show calls`) is the last command of a connect.
  await waitFor(() => gw.callCenter.ready && gw.view.queues.size > 0 && gw.calls.rebuilds > 0, 'gateway connected, resynced and its call model rebuilt');
  return {
    fs,
    redis,
    gw,
    config,
    url: gw.url,
    async api(method, path, body, token = ADMIN) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await raw(gw.url, method, path, { headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
      return { status: res.status, body: res.body };
    },
    async stop() {
      await gw.stop();
      await fs.stop();
      await redis.stop();
    },
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A desk WebSocket client that queues every server message for `next()`. */
export class DeskClient {
  readonly received: ServerMessage[] = [];
  private waiters: Array<() => void> = [];
  private cursor = 0;
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(textOf(data)) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(url: string): Promise<DeskClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new DeskClient(ws);
  }

  send(msg: Record<string, unknown>): number {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, ...msg }));
    return id;
  }

  /** The next message (after the ones already taken) that matches. */
  async next<T extends ServerMessage['type']>(type: T, pred: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.received.length) {
        const m = this.received[this.cursor++]!;
        if (m.type === type && pred(m as Extract<ServerMessage, { type: T }>)) return m as Extract<ServerMessage, { type: T }>;
      }
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no ${type} message within ${timeoutMs} ms; got ${JSON.stringify(this.received.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends and waits for the ack or error answering it. */
  async request(msg: Record<string, unknown>): Promise<Extract<ServerMessage, { type: 'ack' | 'error' }>> {
    const id = this.send(msg);
    const end = Date.now() + 5000;
    for (;;) {
      const found = this.received.find((m) => (m.type === 'ack' || m.type === 'error') && m.id === id);
      if (found) return found as Extract<ServerMessage, { type: 'ack' | 'error' }>;
      if (Date.now() > end) throw new Error(`no answer to ${JSON.stringify(msg)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}
