/**
 * Child process of `npm run bench -- pops`: N agent desk WebSockets, each
 * logged in (Ready) as its own agent, recording when each call.offered
 * arrives (performance.timeOrigin + performance.now(), the clock the double
 * stamps its events with). In a process of its own so that the sockets' client
 * side costs neither the gateway's event loop nor its heap.
 */
import WebSocket from 'ws';
import { textOf } from '../src/realtime/raw-data.js';

export type ToClients = { type: 'login'; url: string; agents: string[]; password: string; concurrency: number } | { type: 'collect' } | { type: 'count' } | { type: 'stop' };

export type FromClients =
  | { type: 'logged-in'; ok: number; failed: number; ms: number; firstError: string | null }
  | { type: 'count'; offered: number; messages: number; closed: number }
  | { type: 'received'; offers: Array<[string, number, number]> };

const send = (m: FromClients) => process.send!(m);
const now = () => performance.timeOrigin + performance.now();

const sockets: WebSocket[] = [];
/** memberUuid, arrival time (ms since the epoch), socket index. */
let received: Array<[string, number, number]> = [];
let offered = 0;
let messages = 0;
let closed = 0;

function open(url: string, agent: string, password: string, index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
    let acked = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'login', id: 1, agent, password, ready: true })));
    ws.on('message', (data) => {
      const at = now();
      messages++;
      const text = textOf(data);
      if (text.startsWith('{"type":"call.offered"')) {
        offered++;
        received.push([(JSON.parse(text) as { memberUuid: string }).memberUuid, at, index]);
        return;
      }
      if (acked) return;
      const m = JSON.parse(text) as { type: string; id?: unknown; code?: string; message?: string };
      if (m.type === 'ack' && m.id === 1) {
        acked = true;
        resolve();
      } else if (m.type === 'error' && m.id === 1) reject(new Error(`${agent}: ${m.code} ${m.message}`));
    });
    ws.on('error', (err) => {
      if (!acked) reject(err);
    });
    ws.on('close', () => {
      closed++;
      if (!acked) reject(new Error(`${agent}: closed before the login ack`));
    });
    sockets[index] = ws;
  });
}

process.on('message', (m: ToClients) => {
  switch (m.type) {
    case 'login': {
      const t = performance.now();
      let next = 0;
      let ok = 0;
      let failed = 0;
      let firstError: string | null = null;
      void Promise.all(
        Array.from({ length: m.concurrency }, async () => {
          while (next < m.agents.length) {
            const i = next++;
            try {
              await open(m.url, m.agents[i]!, m.password, i);
              ok++;
            } catch (err) {
              failed++;
              firstError ??= (err as Error).message;
            }
          }
        }),
      ).then(() => send({ type: 'logged-in', ok, failed, ms: performance.now() - t, firstError }));
      return;
    }
    case 'count':
      send({ type: 'count', offered, messages, closed });
      return;
    case 'collect':
      send({ type: 'received', offers: received });
      received = [];
      return;
    case 'stop':
      for (const ws of sockets) ws?.terminate();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
