/**
 * Benchmarks, run on demand (never part of `npm test`):
 *   npm run bench -- ingest [events]      ESL ingest rate and memory (issue: spine)
 *   npm run bench -- ingest-calls [events] [foreign per ours]   ingest with channel events: ESL filters vs peek-drop vs full decode (issue: call handling)
 *   npm run bench -- link                 command round trip p50/p99, reconnect time (issue: spine)
 *   npm run bench -- rest [requests]      REST p50/p99 with 500 agents: GET /api/agents, PUT status (issue: REST API)
 *   npm run bench -- pops [agents]        screen-pop latency at 20/s, 200/s and a 10x overload, memory per desk socket (issue: Agent desk)
 *   npm run bench -- resync [seconds]     desk status commands p50/p99 with and without the periodic resync (1,000 agents, 2,000 members) (issue 9)
 *   npm run bench -- double               the FreeSWITCH double's own speed: pipelined api, 200 callers/s, a 1,000-caller burst
 *   npm run bench -- scale [pages]        several instances (DESK_STREAM=redis): Redis work per push with 1-3 instances, resume time on another instance after one stops
 *   npm run bench -- supervisor [seconds] supervisor console: 5,000 agents, 200 calls/s, 20 console sockets: messages and bytes/s per socket, event → console p99, gateway CPU (issue 11)
 *   npm run bench -- controls [ops]      call-control ack latency per control on the real switch, p50/p99 (issue 10)
 *   npm run bench -- switches [rounds]   the several-switches router (ESL_HOSTS): round trips over one link vs a SwitchSet of two doubles
 *   npm run bench -- records [rows]       call records: batched write rate, filtered query p99 over [rows] (default 2M), CSV export rate and memory
 */
import { benchIngest } from './esl-ingest.js';
import { benchLink } from './esl-link.js';
import { benchCallsIngest } from './calls-ingest.js';
import { benchRest } from './rest.js';
import { benchPops } from './pops.js';
import { benchDouble } from './double.js';
import { benchResync } from './resync.js';
import { benchRecords } from './records.js';
import { benchScale } from './scale.js';
import { benchSupervisor } from './supervisor.js';
import { benchControls } from './controls.js';
import { benchSwitches } from './switches.js';

const [which = 'ingest', arg] = process.argv.slice(2);
const benches: Record<string, () => Promise<void>> = {
  ingest: () => benchIngest(Number(arg ?? 1_000_000)),
  'ingest-calls': () => benchCallsIngest(Number(arg ?? 400_000), Number(process.argv[4] ?? 20)),
  link: () => benchLink(),
  rest: () => benchRest(Number(arg ?? 2000)),
  pops: () => benchPops(Number(arg ?? 1000)),
  double: () => benchDouble(),
  resync: () => benchResync(Number(arg ?? 15), Number(process.env.BENCH_ROUNDS ?? 2)),
  records: () => benchRecords(Number(arg ?? 2_000_000)),
  scale: () => benchScale(Number(arg ?? 200)),
  supervisor: () => benchSupervisor(Number(arg ?? 10)),
  controls: () => benchControls(Number(arg ?? 60)),
  switches: () => benchSwitches(Number(arg ?? 5000)),
};
const run = benches[which];
if (!run) {
  console.error(`unknown bench ${which}; one of: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
await run();
process.exit(0);
