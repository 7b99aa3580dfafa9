/**
 * ESL ingest: the 02-call-answered events replayed in a loop over TCP; the
 * callcenter ones fully decoded into typed events and the state view, the
 * channel ones dropped by name (their headers are parsed only when read).
 * Prints events/s for our client, for modesl's own parser, and heap over the run.
 *
 *   npm run bench -- ingest [events=1000000]
 *   INGEST_ONLY=1 …                         the TCP run alone (for a CPU profile)
 */
import { createServer, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { once, EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { EslClient } from '../src/esl/client.js';
import { decodeCallcenterEvent, isCallcenterEvent } from '../src/callcenter/events.js';
import { StateView } from '../src/callcenter/state.js';
import { silentLogger } from '../src/log.js';
import { EslFrameParser } from '../src/esl/frame-parser.js';
import { decodeEventFrame, isEventFrame } from '../src/esl/event.js';

const FIXTURE = new URL('../test/fixtures/esl/02-call-answered.plain.txt', import.meta.url);

/** The event frames of the transcript, byte-exact, and how many there are. */
export function eventBytes(): { bytes: Buffer; count: number } {
  const raw = readFileSync(FIXTURE);
  const parts: Buffer[] = [];
  const p = new EslFrameParser((f) => {
    if (!isEventFrame(f)) return;
    const head = Object.entries(f.headers).map(([k, v]) => `${k}: ${v}\n`).join('') + '\n';
    parts.push(Buffer.from(head), f.body!);
  });
  p.push(raw);
  return { bytes: Buffer.concat(parts), count: parts.length / 2 };
}

export async function replayServer(block: Buffer, repeats: number): Promise<{ port: number; close(): void }> {
  const server = createServer((sock: Socket) => {
    sock.write('Content-Type: auth/request\n\n');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      while (buf.includes('\n\n')) {
        const i = buf.indexOf('\n\n');
        const cmd = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (cmd.startsWith('auth ')) sock.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
        else if (cmd.startsWith('event ')) {
          sock.write('Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n');
          let sent = 0;
          const pump = () => {
            while (sent < repeats) {
              sent++;
              if (!sock.write(block)) return void sock.once('drain', pump);
            }
            sock.end();
          };
          pump();
        }
      }
    });
    sock.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

export async function benchIngest(totalEvents: number): Promise<void> {
  const { bytes, count } = eventBytes();
  // Batch several copies per write so the socket, not the writer, is the limit.
  const batch = Buffer.concat(Array.from({ length: 20 }, () => bytes));
  const repeats = Math.ceil(totalEvents / (count * 20));
  const srv = await replayServer(batch, repeats);
  const client = new EslClient({ host: '127.0.0.1', port: srv.port, password: 'ClueCon', customSubclasses: ['callcenter::info'], logger: silentLogger(), backoff: { initialMs: 60_000 } });
  const view = new StateView();
  let events = 0;
  let cc = 0;
  const heap: number[] = [];
  client.on('event', (e) => {
    events++;
    if (isCallcenterEvent(e)) {
      view.apply(decodeCallcenterEvent(e));
      cc++;
    }
    if ((events & 0x1ffff) === 0) heap.push(process.memoryUsage().heapUsed);
  });
  global.gc?.();
  const heapStart = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  client.start();
  await once(client, 'down');
  const secs = (performance.now() - t0) / 1000;
  await client.stop();
  srv.close();
  global.gc?.();
  const mb = (n: number) => (n / 1048576).toFixed(1);
  console.log(`ingest (ours): ${events} events (${cc} callcenter) in ${secs.toFixed(2)} s = ${Math.round(events / secs)} events/s`);
  console.log(`  heap: start ${mb(heapStart)} MB, samples ${heap.map(mb).join(' ')} MB, end ${mb(process.memoryUsage().heapUsed)} MB`);

  if (process.env.INGEST_ONLY) return;
  // modesl's own parser on the same bytes, in memory (no socket): an upper bound for it.
  const require = createRequire(import.meta.url);
  const Parser = require('drachtio-modesl/lib/esl/Parser.js') as new (s: EventEmitter) => EventEmitter;
  const fake = new EventEmitter();
  const parser = new Parser(fake);
  let n = 0;
  parser.on('esl::event', () => n++);
  const reps = Math.max(1, Math.floor(200_000 / count / 20));
  const t1 = performance.now();
  for (let i = 0; i < reps; i++) for (let off = 0; off < batch.length; off += 65536) fake.emit('data', batch.subarray(off, off + 65536));
  const s1 = (performance.now() - t1) / 1000;
  console.log(`modesl Parser (in memory, same bytes): ${n} events in ${s1.toFixed(2)} s = ${Math.round(n / s1)} events/s`);

  // Our parser alone, in memory, for comparison: every header of every event
  // decoded (as modesl does), though the client only decodes what is read.
  let m = 0;
  let headerCount = 0;
  const ours = new EslFrameParser((f) => {
    if (isEventFrame(f)) {
      headerCount += decodeEventFrame(f).headers.size;
      m++;
    }
  });
  const t2 = performance.now();
  for (let i = 0; i < reps; i++) for (let off = 0; off < batch.length; off += 65536) ours.push(batch.subarray(off, off + 65536));
  const s2 = (performance.now() - t2) / 1000;
  console.log(`our parser + full header decode (in memory, same bytes, ${headerCount} headers): ${m} events in ${s2.toFixed(2)} s = ${Math.round(m / s2)} events/s`);
}
