/**
 * The desk's directory feed (src/realtime/directory.ts) under a busy switch, in
 * process: one queue of `agents` agents, every one of them with a desk page
 * subscribed, and `rate` status changes per second for `seconds` seconds fed
 * into the callcenter view. Prints what each page got (directories per second,
 * bytes per second, the largest directory) and the CPU the feed took.
 */
import { StateView, newAgent } from '../src/callcenter/state.js';
import { DirectoryFeed, type DirectorySocket } from '../src/realtime/directory.js';

export async function benchDirectory(agents: number, rate = 200, seconds = 10): Promise<void> {
  const view = new StateView();
  const queue = 'support@default';
  const names = Array.from({ length: agents }, (_, i) => `${1000 + i}@default`);
  for (const name of names) {
    view.putAgent({ ...newAgent(name), contact: `user/${name.split('@')[0]}`, status: 'Available' });
    view.putTier({ queue, agent: name, state: 'Ready', level: 1, position: 1 });
  }
  const feed = new DirectoryFeed(view);
  const got = new Map<string, { n: number; bytes: number; max: number }>();
  for (const name of names) {
    const tally = { n: 0, bytes: 0, max: 0 };
    got.set(name, tally);
    const socket: DirectorySocket = {
      channel: { agent: name },
      send(json) {
        tally.n++;
        tally.bytes += json.length;
        tally.max = Math.max(tally.max, json.length);
        return true;
      },
    };
    feed.attach(socket, name);
  }
  const initial = new Map([...got].map(([k, v]) => [k, { ...v }]));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let changes = 0;
  const statuses = ['Available', 'On Break', 'Available (On Demand)'];
  // Changes in batches every 10 ms, as events arrive from the switch.
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < rate / 100; i++) {
      const name = names[Math.floor(Math.random() * names.length)]!;
      const a = view.agents.get(name)!;
      view.putAgent({ ...a, status: statuses[(statuses.indexOf(a.status) + 1) % statuses.length]! });
      changes++;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 1100));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  feed.close();
  let maxPerSocket = 0;
  let bytes = 0;
  let largest = 0;
  for (const [name, t] of got) {
    const n = t.n - initial.get(name)!.n;
    maxPerSocket = Math.max(maxPerSocket, n);
    bytes += t.bytes - initial.get(name)!.bytes;
    largest = Math.max(largest, t.max);
  }
  console.log(`directory: ${agents} agents in one queue, each with a page; ${changes} status changes in ${elapsed.toFixed(1)} s (${Math.round(changes / elapsed)}/s)`);
  console.log(`  directories per page: at most ${maxPerSocket} in ${elapsed.toFixed(1)} s (${(maxPerSocket / elapsed).toFixed(2)}/s; bound 1/s)`);
  console.log(`  bytes per page: ${Math.round(bytes / agents / elapsed)} B/s; largest directory ${largest} B (at most 100 agents listed)`);
  console.log(`  CPU (user+system) of the process: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms over ${elapsed.toFixed(1)} s = ${((cpu.user + cpu.system) / 1e4 / elapsed).toFixed(1)} % of one core`);
}
