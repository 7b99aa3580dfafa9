/**
 * Child process of `npm run bench -- pops`: the FreeSWITCH double with N
 * agents in support@default, steered over IPC, so that its dispatch and event
 * building do not share the gateway's event loop.
 *
 * Every caller is answered after RING_MS and hung up HOLD_MS after the bridge.
 * The time of each agent-offering is its Event-Date-Timestamp (µs since the
 * epoch, taken from performance.timeOrigin + performance.now() as the event is
 * built), kept here and handed over at the end of a phase.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FreeSwitchDouble } from '../src/fsdouble/index.js';

export type ToDouble =
  | { type: 'inject'; phase: string; rate: number; seconds: number; numbers: number }
  | { type: 'stats' }
  | { type: 'collect'; phase: string }
  | { type: 'stop' };

export type FromDouble =
  | { type: 'ready'; port: number }
  | { type: 'injected'; phase: string; count: number; ms: number }
  | { type: 'stats'; offers: number; waiting: number; calls: number }
  | { type: 'offers'; phase: string; offers: Array<[string, number]>; loopP99Ms: number; loopMaxMs: number; elu: number };

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const RING_MS = Number(process.env.BENCH_RING_MS ?? 50);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 300);

const send = (m: FromDouble) => process.send!(m);

/** BENCH_AGENT_STATUS: the agents' status at start (the supervisor bench wants them Available without desks). */
const STATUS = process.env.BENCH_AGENT_STATUS;
const agents = Array.from({ length: AGENTS }, (_, i) => ({ name: `${20_000 + i}@default`, contact: `null/bench-${20_000 + i}`, ...(STATUS ? { status: STATUS } : {}) }));
const fs = await FreeSwitchDouble.start({
  ringMs: RING_MS,
  initial: { agents, tiers: agents.map((a) => ({ queue: 'support@default', agent: a.name })) },
});

let phase = 'none';
/** The double's own event-loop delay during a phase: where a backlog on the switch side would show. */
const lag = monitorEventLoopDelay({ resolution: 5 });
let elu0 = performance.eventLoopUtilization();
/** memberUuid -> [phase, offer time in ms since the epoch (µs precision)] for the first offer of each member. */
const offers = new Map<string, [string, number]>();
const callerOf = new Map<string, string>();
let offerCount = 0;

fs.onEvent((e) => {
  if (e.subclass !== 'callcenter::info') return;
  const action = e.get('CC-Action');
  if (action === 'agent-offering') {
    const member = e.get('CC-Member-UUID')!;
    offerCount++;
    if (!offers.has(member)) offers.set(member, [phase, Number(e.get('Event-Date-Timestamp')) / 1000]);
  } else if (action === 'bridge-agent-start') {
    const caller = callerOf.get(e.get('CC-Member-UUID')!);
    if (caller) setTimeout(() => fs.hangupCaller(caller), HOLD_MS);
  } else if (action === 'member-queue-end') {
    callerOf.delete(e.get('CC-Member-UUID')!);
  }
});

/** Injects `rate` callers per second for `seconds`, on a 5 ms clock that catches up when late. */
function inject(m: Extract<ToDouble, { type: 'inject' }>): Promise<number> {
  phase = m.phase;
  lag.reset();
  lag.enable();
  elu0 = performance.eventLoopUtilization();
  const total = Math.round(m.rate * m.seconds);
  const started = performance.now();
  let done = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * m.rate));
      while (done < due) {
        const n = done++;
        const number = String(15_550_000_000 + ((n * 7919) % m.numbers));
        const ids = fs.injectCaller({ number, name: `Bench ${n}`, variables: { cc_export_vars: 'bench_phase', bench_phase: m.phase } });
        callerOf.set(ids.memberUuid, ids.callerUuid);
      }
      if (done >= total) resolve(done);
      else setTimeout(tick, 5);
    };
    tick();
  });
}

process.on('message', (m: ToDouble) => {
  switch (m.type) {
    case 'inject': {
      const t = performance.now();
      void inject(m).then((count) => send({ type: 'injected', phase: m.phase, count, ms: performance.now() - t }));
      return;
    }
    case 'stats':
      send({ type: 'stats', offers: offerCount, waiting: fs.members().filter((x) => x.state === 'Waiting' || x.state === 'Trying').length, calls: callerOf.size });
      return;
    case 'collect': {
      const out: Array<[string, number]> = [];
      for (const [member, [p, t]] of offers) if (p === m.phase) out.push([member, t]);
      for (const [member] of out) offers.delete(member);
      lag.disable();
      send({ type: 'offers', phase: m.phase, offers: out, loopP99Ms: lag.percentile(99) / 1e6, loopMaxMs: lag.max / 1e6, elu: performance.eventLoopUtilization(elu0).utilization });
      return;
    }
    case 'stop':
      void fs.stop().then(() => process.exit(0));
      return;
  }
});
// Never outlive the bench.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: fs.port });
