/**
 * Ingest with channel events: a switch carrying many calls that are none of
 * ours plus one of ours (the real transcript 10-hold-unhold: a SIP call held
 * and unheld on both legs), replayed in a loop over TCP into an EslClient
 * feeding the callcenter view and the call model, as the gateway does.
 *
 *   npm run bench -- ingest-calls [switch events=400000] [foreign per ours=20]
 *
 * Modes, on the same switch traffic:
 * - today:      main's subscription (no channel events): only callcenter events arrive.
 * - filtered:   channel events + the ESL filters (src/calls/subscription.ts): the switch
 *               sends only our legs' channel events and the callcenter events.
 * - unfiltered: channel events without filters: every channel event arrives; foreign ones
 *               are dropped after peeking Unique-ID and variable_cc_side.
 * - decode-all: as unfiltered, but every event's headers decoded (no peek).
 * Figures: switch events handled per second (the whole traffic / wall time), events and
 * bytes that reached the gateway.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { EslClient } from '../src/esl/client.js';
import { EslFrameParser } from '../src/esl/frame-parser.js';
import { decodeEventFrame, isEventFrame, type EslEvent } from '../src/esl/event.js';
import { decodeCallcenterEvent, isCallcenterEvent } from '../src/callcenter/events.js';
import { StateView } from '../src/callcenter/state.js';
import { CallModel, CHANNEL_EVENTS } from '../src/calls/model.js';
import { silentLogger } from '../src/log.js';
import { CALL_FIXTURES, passesCallFilters } from '../test/helpers/call-replay.js';
import { replayServer } from './esl-ingest.js';

const SUBSCRIBED = new Set<string>(['CUSTOM', ...CHANNEL_EVENTS]);

/** Event frames of a transcript, re-serialised byte-exact, that `pick` keeps. */
function frames(file: string, pick: (e: EslEvent) => boolean): { bytes: Buffer; count: number } {
  const parts: Buffer[] = [];
  let count = 0;
  const p = new EslFrameParser((f) => {
    if (!isEventFrame(f) || !pick(decodeEventFrame(f))) return;
    const head = Object.entries(f.headers).map(([k, v]) => `${k}: ${v}\n`).join('') + '\n';
    parts.push(Buffer.from(head), f.body!);
    count++;
  });
  p.push(readFileSync(`${CALL_FIXTURES}/${file}`));
  return { bytes: Buffer.concat(parts), count };
}

type Mode = 'today' | 'filtered' | 'unfiltered' | 'decode-all';

async function run(mode: Mode, block: Buffer, blockEvents: number, repeats: number, switchEvents: number): Promise<void> {
  const srv = await replayServer(block, repeats);
  const client = new EslClient({
    host: '127.0.0.1',
    port: srv.port,
    password: 'ClueCon',
    ...(mode === 'today' ? {} : { events: [...CHANNEL_EVENTS] }),
    customSubclasses: ['callcenter::info'],
    logger: silentLogger(),
    backoff: { initialMs: 60_000 },
  });
  const view = new StateView();
  const model = new CallModel();
  let events = 0;
  client.on('event', (e) => {
    events++;
    if (mode === 'decode-all') void e.headers.size;
    if (isCallcenterEvent(e)) view.apply(decodeCallcenterEvent(e));
    if (mode !== 'today') model.ingest(e);
  });
  global.gc?.();
  const t0 = performance.now();
  client.start();
  await once(client, 'down');
  const secs = (performance.now() - t0) / 1000;
  await client.stop();
  srv.close();
  const wireMb = (block.length * repeats) / 1048576;
  console.log(
    `${mode.padEnd(10)} ${Math.round(switchEvents / secs).toString().padStart(9)} switch events/s  ` +
      `(${events} of ${switchEvents} events reached the gateway, ${wireMb.toFixed(0)} MB on the wire, ${secs.toFixed(2)} s; ` +
      `model: ${model.counts.applied} applied, ${model.counts.dropped} dropped undecoded)`,
  );
}

export async function benchCallsIngest(totalSwitchEvents: number, foreignPerOurs: number): Promise<void> {
  const names = readdirSync(CALL_FIXTURES).filter((f) => f.endsWith('.plain.txt') && !f.includes('.sent.'));
  // Ours: one complete call (queue start to end), as the subscription would see it.
  const oursAll = frames('10-hold-unhold.plain.txt', (e) => SUBSCRIBED.has(e.name) && (e.name === 'CUSTOM' || passesCallFilters(e)));
  const oursCc = frames('10-hold-unhold.plain.txt', (e) => e.name === 'CUSTOM');
  // Foreign: channel events of legs mod_callcenter never marked, from every transcript.
  const foreignParts = names.map((f) => frames(f, (e) => SUBSCRIBED.has(e.name) && e.name !== 'CUSTOM' && !passesCallFilters(e)));
  const foreign = { bytes: Buffer.concat(foreignParts.map((p) => p.bytes)), count: foreignParts.reduce((n, p) => n + p.count, 0) };
  // One "round" of switch traffic: our call plus enough foreign calls' events.
  const foreignCopies = Math.max(1, Math.round((oursAll.count * foreignPerOurs) / foreign.count));
  const roundForeign = foreign.count * foreignCopies;
  const roundEvents = oursAll.count + roundForeign;
  const repeats = Math.max(1, Math.ceil(totalSwitchEvents / roundEvents));
  const switchEvents = roundEvents * repeats;
  console.log(
    `switch traffic: ${repeats} rounds of our call (${oursAll.count} events, ${oursCc.count} of them callcenter) + ${roundForeign} foreign channel events ` +
      `(${(roundForeign / oursAll.count).toFixed(1)} per event of ours) = ${switchEvents} events`,
  );
  const unfilteredBlock = Buffer.concat([oursAll.bytes, ...Array.from({ length: foreignCopies }, () => foreign.bytes)]);
  await run('today', oursCc.bytes, oursCc.count, repeats, switchEvents);
  await run('filtered', oursAll.bytes, oursAll.count, repeats, switchEvents);
  await run('unfiltered', unfilteredBlock, roundEvents, repeats, switchEvents);
  await run('decode-all', unfilteredBlock, roundEvents, repeats, switchEvents);
}
