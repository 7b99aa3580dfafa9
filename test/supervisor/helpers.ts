import WebSocket from 'ws';
import { textOf } from '../../src/realtime/raw-data.js';
import type { SupervisorServerMessage, AgentRow, CallRow, QueueRow } from '../../src/supervisor/protocol.js';

type Msg = SupervisorServerMessage & { receivedAt: number; bytes: number };

/**
 * A supervisor console socket for tests: queues every message, and keeps the
 * console's state (snapshot + diffs applied) as a page would.
 */
export class ConsoleClient {
  readonly received: Msg[] = [];
  readonly agents = new Map<string, AgentRow>();
  readonly queues = new Map<string, QueueRow>();
  readonly calls = new Map<string, CallRow>();
  closedWith: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = textOf(data);
      const m = JSON.parse(text) as SupervisorServerMessage;
      this.received.push({ ...m, receivedAt: Date.now(), bytes: Buffer.byteLength(text) });
      this.apply(m);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async open(url: string): Promise<ConsoleClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/supervisor/ws');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new ConsoleClient(ws);
  }

  /** Opens, authenticates, and waits for the first snapshot. */
  static async login(url: string, token: string): Promise<ConsoleClient> {
    const c = await ConsoleClient.open(url);
    const r = await c.request({ type: 'auth', token });
    if (r.type !== 'hello') throw new Error(`login failed: ${JSON.stringify(r)}`);
    await c.until(() => c.received.some((m) => m.type === 'snapshot'), 'snapshot');
    return c;
  }

  private apply(m: SupervisorServerMessage): void {
    if (m.type === 'snapshot') {
      this.agents.clear();
      this.queues.clear();
      this.calls.clear();
      for (const a of m.agents) this.agents.set(a.name, a);
      for (const q of m.queues) this.queues.set(q.name, q);
      for (const c of m.calls) this.calls.set(c.id, c);
    } else if (m.type === 'diff') {
      for (const a of m.agents?.upsert ?? []) this.agents.set(a.name, a);
      for (const n of m.agents?.remove ?? []) this.agents.delete(n);
      for (const q of m.queues?.upsert ?? []) this.queues.set(q.name, q);
      for (const n of m.queues?.remove ?? []) this.queues.delete(n);
      for (const c of m.calls?.upsert ?? []) this.calls.set(c.id, c);
      for (const n of m.calls?.remove ?? []) this.calls.delete(n);
    }
  }

  send(msg: Record<string, unknown>): number {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, ...msg }));
    return id;
  }

  /** Sends and waits for the answer with the same id (hello, ack or error). */
  async request(msg: Record<string, unknown>, timeoutMs = 8000): Promise<Extract<SupervisorServerMessage, { type: 'hello' | 'ack' | 'error' }>> {
    const id = this.send(msg);
    let found: Extract<SupervisorServerMessage, { type: 'hello' | 'ack' | 'error' }> | undefined;
    await this.until(() => {
      found = this.received.find((m): m is Msg & Extract<SupervisorServerMessage, { type: 'hello' | 'ack' | 'error' }> => (m.type === 'ack' || m.type === 'error' || m.type === 'hello') && m.id === id);
      return !!found;
    }, `answer to ${JSON.stringify(msg)}`, timeoutMs);
    return found!;
  }

  async until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(this.received.slice(-3)).slice(0, 800)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  pushes(): Msg[] {
    return this.received.filter((m) => m.type === 'snapshot' || m.type === 'diff');
  }

  close(): void {
    this.ws.close();
  }
}
