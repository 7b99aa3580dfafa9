/**
 * Child process of `npm run bench -- resync`: the FreeSWITCH double, in its own
 * process as a real switch would be, holding AGENTS agents On Break with tiers in
 * support@default, DESKS more agents without tiers (the ones the desks toggle:
 * Ready never rings them), and MEMBERS callers waiting in the queue. Its lists
 * cost what the real switch's do (esl-server.ts, listRowCostUs).
 */
import { FreeSwitchDouble } from '../src/fsdouble/index.js';

export type ToResyncDouble = { type: 'stop' };
export type FromResyncDouble = { type: 'ready'; port: number; members: number };

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const DESKS = Number(process.env.BENCH_DESKS ?? 50);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 2000);

const queued = Array.from({ length: AGENTS }, (_, i) => ({ name: `${30_000 + i}@default`, contact: `null/q-${30_000 + i}`, status: 'On Break' }));
const desks = Array.from({ length: DESKS }, (_, i) => ({ name: `${40_000 + i}@default`, contact: `null/d-${40_000 + i}`, status: 'On Break' }));
const fs = await FreeSwitchDouble.start({
  initial: { agents: [...queued, ...desks], tiers: queued.map((a) => ({ queue: 'support@default', agent: a.name })) },
});
for (let i = 0; i < MEMBERS; i++) fs.injectCaller({ number: String(15_560_000_000 + i), name: `Waiting ${i}` });
await new Promise((r) => setTimeout(r, 200));
process.on('message', (m: ToResyncDouble) => {
  if (m.type === 'stop') void fs.stop().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', port: fs.port, members: fs.members().length } satisfies FromResyncDouble);
