/**
 * Child process of `npm run bench -- rest`: the FreeSWITCH double with the
 * agents in support@default, in its own process as a real switch would be, so
 * that formatting its `agent list` is not counted as the gateway's work.
 */
import { FreeSwitchDouble } from '../src/fsdouble/index.js';

export type ToRestDouble = { type: 'stop' };
export type FromRestDouble = { type: 'ready'; port: number };

const AGENTS = Number(process.env.BENCH_AGENTS ?? 500);
const agents = Array.from({ length: AGENTS }, (_, i) => ({ name: `${10_000 + i}@default`, contact: `null/agent-${10_000 + i}`, status: 'Logged Out' }));
const fs = await FreeSwitchDouble.start({
  initial: { agents, tiers: agents.map((a, i) => ({ queue: 'support@default', agent: a.name, level: 1 + (i % 3), position: 1 + i })) },
});
process.on('message', (m: ToRestDouble) => {
  if (m.type === 'stop') void fs.stop().then(() => process.exit(0));
});
process.send!({ type: 'ready', port: fs.port } satisfies FromRestDouble);
