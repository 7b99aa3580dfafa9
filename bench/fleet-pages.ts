/**
 * Child process of `npm run bench -- fleet`: one desk WebSocket per agent, spread over the
 * instances (agent i on instance i mod n), logged in Ready. It counts every push and checks
 * each page's seqs (consecutive, none twice). When a socket closes that the bench did not close
 * (its instance was killed), the page reconnects at once to another instance and resumes with
 * its token and last seq; the close and the resume ack are timed (ms since the epoch, the clock
 * the parent uses for the kill). The page's own reconnect backoff is left out on purpose.
 */
import WebSocket from 'ws';
import { textOf } from '../src/realtime/raw-data.js';

export type ToPages = { type: 'login'; urls: string[]; agents: string[]; password: string; concurrency: number } | { type: 'count' } | { type: 'collect' } | { type: 'stop' };

export type FromPages =
  | { type: 'logged-in'; ok: number; failed: number; ms: number; firstError: string | null }
  | { type: 'count'; messages: number; open: number; resumed: number; resumeFailed: number }
  | {
      type: 'resumes';
      /** Per moved page: socket closed, resume ack (ms since the epoch), messages replayed with the ack. */
      moved: Array<{ closedAt: number; ackAt: number; connectMs: number }>;
      resumeFailed: number;
      firstError: string | null;
      gaps: number;
      repeats: number;
      /** The first few pages' first gap or repeat. */
      odd: string[];
      /** The first few pages' first skipped seqs: agent, from, to. */
      skipped: Array<[string, number, number]>;
      messagesPerInstance: number[];
    };

const send = (m: FromPages) => process.send!(m);
const now = () => performance.timeOrigin + performance.now();

interface Page {
  readonly agent: string;
  readonly index: number;
  instance: number;
  ws: WebSocket | null;
  token: string;
  lastSeq: number;
  closedAt: number;
  ackAt: number;
  connectMs: number;
  gap: boolean;
  repeat: boolean;
  /** The first gap or repeat: last seq seen, the seq that came, its push type, after a resume or not. */
  odd: string | null;
  /** The seqs skipped at the first gap. */
  skipped: [number, number] | null;
}

const pages: Page[] = [];
let urls: string[] = [];
let messages = 0;
const messagesPerInstance: number[] = [];
let resumed = 0;
let resumeFailed = 0;
let firstError: string | null = null;
let stopping = false;

function onSeq(p: Page, seq: number, type: string): void {
  const repeat = seq <= p.lastSeq;
  const gap = !repeat && p.lastSeq > 0 && seq !== p.lastSeq + 1;
  if (gap && !p.skipped) p.skipped = [p.lastSeq + 1, seq - 1];
  if ((repeat || gap) && !p.odd) p.odd = `${p.lastSeq} then ${seq} (${type}${p.ackAt ? ', after the resume' : ''})`;
  p.repeat ||= repeat;
  p.gap ||= gap;
  if (seq > p.lastSeq) p.lastSeq = seq;
}

/** Opens the page's socket on `instance` and sends `first` (login or resume); resolves on its ack. */
function connect(p: Page, instance: number, first: object, firstId: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(urls[instance]!.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
    p.ws = ws;
    p.instance = instance;
    let acked = false;
    ws.on('open', () => ws.send(JSON.stringify(first)));
    ws.on('message', (data) => {
      messages++;
      messagesPerInstance[instance] = (messagesPerInstance[instance] ?? 0) + 1;
      const m = JSON.parse(textOf(data)) as { type: string; id?: unknown; seq?: number; token?: string; code?: string; message?: string };
      if (m.type === 'ack' && m.id === firstId && !acked) {
        acked = true;
        if (m.token) p.token = m.token;
        resolve();
      } else if (m.type === 'error' && m.id === firstId && !acked) {
        reject(new Error(`${p.agent}: ${m.code} ${m.message}`));
      } else if (m.type !== 'ack' && typeof m.seq === 'number') onSeq(p, m.seq, m.type);
    });
    ws.on('error', (err) => {
      if (!acked) reject(err);
    });
    ws.on('close', () => {
      if (!acked) reject(new Error(`${p.agent}: closed before the ack`));
      else if (!stopping && p.ws === ws) void move(p);
    });
  });
}

/** The page's instance went away: straight to another one, resume there. */
async function move(p: Page): Promise<void> {
  p.closedAt = now();
  const dead = p.instance;
  const target = (dead + 1 + (p.index % (urls.length - 1))) % urls.length;
  const t = now();
  try {
    await connect(p, target, { type: 'resume', id: 2, agent: p.agent, token: p.token, lastSeq: p.lastSeq }, 2);
    p.ackAt = now();
    p.connectMs = p.ackAt - t;
    resumed++;
  } catch (err) {
    resumeFailed++;
    firstError ??= (err as Error).message;
  }
}

process.on('message', (m: ToPages) => {
  switch (m.type) {
    case 'login': {
      urls = m.urls;
      const t = performance.now();
      let next = 0;
      let ok = 0;
      let failed = 0;
      let loginError: string | null = null;
      void Promise.all(
        Array.from({ length: m.concurrency }, async () => {
          while (next < m.agents.length) {
            const i = next++;
            const p: Page = { agent: m.agents[i]!, index: i, instance: i % urls.length, ws: null, token: '', lastSeq: 0, closedAt: 0, ackAt: 0, connectMs: 0, gap: false, repeat: false, odd: null, skipped: null };
            pages[i] = p;
            try {
              await connect(p, p.instance, { type: 'login', id: 1, agent: p.agent, password: m.password, ready: true }, 1);
              ok++;
            } catch (err) {
              failed++;
              loginError ??= (err as Error).message;
            }
          }
        }),
      ).then(() => send({ type: 'logged-in', ok, failed, ms: performance.now() - t, firstError: loginError }));
      return;
    }
    case 'count':
      send({ type: 'count', messages, open: pages.filter((p) => p.ws?.readyState === WebSocket.OPEN).length, resumed, resumeFailed });
      return;
    case 'collect': {
      const moved = pages.filter((p) => p.ackAt > 0).map((p) => ({ closedAt: p.closedAt, ackAt: p.ackAt, connectMs: p.connectMs }));
      send({
        type: 'resumes',
        moved,
        resumeFailed,
        firstError,
        gaps: pages.filter((p) => p.gap).length,
        repeats: pages.filter((p) => p.repeat).length,
        skipped: pages.flatMap((p): Array<[string, number, number]> => (p.skipped ? [[p.agent, ...p.skipped]] : [])).slice(0, 3),
        odd: pages.flatMap((p) => (p.odd ? [`${p.agent}: ${p.odd}`] : [])).slice(0, 5),
        messagesPerInstance: urls.map((_, k) => messagesPerInstance[k] ?? 0),
      });
      return;
    }
    case 'stop':
      stopping = true;
      for (const p of pages) p?.ws?.terminate();
      process.exit(0);
  }
});
// Never outlive the bench.
process.on('disconnect', () => process.exit(0));
