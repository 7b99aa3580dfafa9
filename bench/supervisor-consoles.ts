/**
 * Child process of `npm run bench -- supervisor`: N supervisor console sockets
 * (/supervisor/ws), off the gateway's event loop. Counts messages and bytes per
 * socket and notes, per call (CC-Member-UUID), when a console first saw it
 * offered or later (epoch ms), for the event → console latency.
 */
import WebSocket from 'ws';
import type { SupervisorServerMessage } from '../src/supervisor/protocol.js';

export type ToConsoles = { type: 'open'; url: string; token: string; sockets: number } | { type: 'mark' } | { type: 'collect' } | { type: 'stop' };
export type FromConsoles =
  | { type: 'opened'; snapshotBytes: number }
  | { type: 'marked' }
  | { type: 'collected'; seconds: number; perSocket: Array<{ messages: number; bytes: number; maxPerSecond: number }>; firstSeen: Array<[string, number]> };

const send = (m: FromConsoles) => process.send!(m);

interface Counter {
  messages: number;
  bytes: number;
  perSecond: Map<number, number>;
}

const sockets: WebSocket[] = [];
let counters: Counter[] = [];
let since = Date.now();
/** memberUuid -> first time (ms) any console saw the call offering or bridged. */
const firstSeen = new Map<string, number>();

async function open(url: string, token: string, n: number): Promise<number> {
  let snapshotBytes = 0;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url.replace(/^http/, 'ws') + '/supervisor/ws');
        sockets.push(ws);
        counters[i] = { messages: 0, bytes: 0, perSecond: new Map() };
        ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', id: 1, token })));
        ws.on('error', reject);
        ws.on('message', (data: Buffer) => {
          const now = Date.now();
          const c = counters[i]!;
          c.messages++;
          c.bytes += data.length;
          const sec = Math.floor(now / 1000);
          c.perSecond.set(sec, (c.perSecond.get(sec) ?? 0) + 1);
          const m = JSON.parse(data.toString('utf8')) as SupervisorServerMessage;
          if (m.type === 'snapshot') {
            snapshotBytes = Math.max(snapshotBytes, data.length);
            resolve();
          }
          if (m.type === 'diff') {
            for (const call of m.calls?.upsert ?? []) if (call.phase !== 'waiting' && !firstSeen.has(call.memberUuid)) firstSeen.set(call.memberUuid, now);
          }
        });
      }),
    ),
  );
  return snapshotBytes;
}

process.on('message', (m: ToConsoles) => {
  switch (m.type) {
    case 'open':
      void open(m.url, m.token, m.sockets).then((snapshotBytes) => send({ type: 'opened', snapshotBytes }));
      return;
    case 'mark':
      counters = counters.map(() => ({ messages: 0, bytes: 0, perSecond: new Map() }));
      firstSeen.clear();
      since = Date.now();
      send({ type: 'marked' });
      return;
    case 'collect':
      send({
        type: 'collected',
        seconds: (Date.now() - since) / 1000,
        perSocket: counters.map((c) => ({ messages: c.messages, bytes: c.bytes, maxPerSecond: Math.max(0, ...c.perSecond.values()) })),
        firstSeen: [...firstSeen],
      });
      return;
    case 'stop':
      for (const ws of sockets) ws.terminate();
      process.exit(0);
  }
});
