/**
 * Probe (run by hand, not a test): two private real FreeSWITCH 1.10.12 instances whose
 * mod_callcenter keeps its tables in one PostgreSQL database (freeswitch-conf's "Several switches"
 * settings: cc_odbc_dsn pgsql://, cc_instance_id fs1 / fs2), with baresip phones, to see what they
 * share: agents and tiers, members rows and who serves them, callcenter::info events, agent states
 * across boxes, and what a box's stop and start do. Prints what each switch and the database answered.
 *   npx tsx test/switch/multi-switch.probe.ts
 */
import pg from 'pg';
import { RawClient } from '../fsdouble/helpers.js';
import type { Phone } from './baresip.js';
import { startBoxes } from './boxes.js';
import { findSwitch, type RealSwitch } from './switch.js';

const found = findSwitch();
if ('skip' in found) throw new Error(`no real switch: ${found.skip}`);
const boxes = await startBoxes(found);
const sql = new pg.Client({ connectionString: boxes.ccDb.url });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Box {
  readonly name: string;
  fs: RealSwitch;
  events: RawClient;
}

async function listen(fs: RealSwitch): Promise<RawClient> {
  const c = await RawClient.connect(fs.eslPort);
  await c.command(`auth ${fs.secrets.eslPassword}`);
  await c.command('event plain CUSTOM callcenter::info');
  return c;
}

async function show(b: Box, cmd: string): Promise<string> {
  const out = (await b.fs.api(cmd)).trim();
  console.log(`\n[${b.name}] ${cmd}\n${out}`);
  return out;
}

async function rows(q: string): Promise<void> {
  const r = await sql.query(q);
  console.log(`\n[db] ${q}\n${r.rows.map((x) => JSON.stringify(x)).join('\n')}`);
}

/** The callcenter::info events a box sent since `from` (CC-Action, agent, member uuid). */
function events(b: Box, from = 0): string[] {
  return b.events.items
    .slice(from)
    .filter((i) => i.type === 'event' && i.headers.get('Event-Subclass') === 'callcenter::info' && i.headers.get('CC-Action') !== 'agent-state-get')
    .map((i) => [i.headers.get('CC-Action'), i.headers.get('CC-Agent') ?? '', i.headers.get('CC-Agent-State') ?? i.headers.get('CC-Agent-Status') ?? '', (i.headers.get('CC-Member-UUID') ?? '').slice(0, 8)].filter(Boolean).join(' '));
}

function showEvents(label: string, b1: Box, from1: number, b2: Box, from2: number): void {
  console.log(`\n[events ${label}] ${b1.name}: ${JSON.stringify(events(b1, from1))}\n[events ${label}] ${b2.name}: ${JSON.stringify(events(b2, from2))}`);
}

async function call(b: Box, name: string): Promise<Phone> {
  const p = await boxes.call(b.name, name);
  await inQueue(name);
  return p;
}

/** Until the caller's members row exists (it joins after the account-number prompt). */
async function inQueue(cidName: string): Promise<void> {
  const end = Date.now() + 30000;
  while (Date.now() < end) {
    if ((await sql.query('SELECT 1 FROM members WHERE cid_name = $1', [cidName])).rowCount) return;
    await sleep(200);
  }
  console.log(`!! ${cidName} never joined the queue`);
}

async function waitState(b: Box, agent: string, re: RegExp, ms = 20000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = (await b.fs.api(`callcenter_config agent get state ${agent}`)).trim();
    if (re.test(s)) return s;
    await sleep(200);
  }
  return `(still ${s} after ${ms} ms)`;
}

try {
  await sql.connect();
  const [s1, s2] = boxes.switches as [RealSwitch, RealSwitch];
  const fs1: Box = { name: 'fs1', fs: s1, events: await listen(s1) };
  const fs2: Box = { name: 'fs2', fs: s2, events: await listen(s2) };
  console.log(`fs1 ${s1.dir}\nfs2 ${s2.dir}`);

  // Agents 1001 and 1002: a desk phone registered on each box (user/NNNN works from both).
  for (const ext of ['1001', '1002']) {
    await show(fs1, `callcenter_config agent add ${ext}@default callback`);
    await show(fs1, `callcenter_config agent set contact ${ext}@default user/${ext}`);
    await show(fs1, `callcenter_config tier add support@default ${ext}@default 1 1`);
    await boxes.agentPhones(ext);
  }
  await show(fs2, 'callcenter_config agent list');

  console.log('\n===== 1. a caller waits on fs1 (no agent available)');
  let e1 = fs1.events.items.length;
  let e2 = fs2.events.items.length;
  const c1 = await call(fs1, 'Alice');
  await sleep(1000);
  await show(fs1, 'callcenter_config queue list members support@default');
  await show(fs2, 'callcenter_config queue list members support@default');
  await show(fs2, 'callcenter_config queue count members support@default');
  await rows('SELECT queue, instance_id, uuid, session_uuid, cid_name, state, serving_agent, serving_system FROM members');
  showEvents('caller joins fs1', fs1, e1, fs2, e2);

  console.log('\n===== 2. agent 1001 made Available on fs2: who offers fs1\u2019s caller?');
  e1 = fs1.events.items.length;
  e2 = fs2.events.items.length;
  await show(fs2, "callcenter_config agent set status 1001@default 'Available'");
  console.log(`\n1001 state seen from fs2: ${await waitState(fs2, '1001@default', /In a queue call/)}`);
  console.log(`1001 state seen from fs1: ${(await fs1.fs.api('callcenter_config agent get state 1001@default')).trim()}`);
  await sleep(1000);
  showEvents('1001 Available on fs2', fs1, e1, fs2, e2);
  await rows('SELECT name, instance_id, status, state, uuid, calls_answered, last_bridge_start FROM agents ORDER BY name');
  await rows('SELECT queue, instance_id, cid_name, state, serving_agent, serving_system FROM members');

  console.log('\n===== 3. a caller on fs2 while 1001 talks on fs1; 1002 made Available on fs1');
  e1 = fs1.events.items.length;
  e2 = fs2.events.items.length;
  const c2 = await call(fs2, 'Bob');
  await sleep(2500);
  await show(fs1, 'callcenter_config queue list members support@default');
  await show(fs1, "callcenter_config agent set status 1002@default 'Available'");
  console.log(`\n1002 state seen from fs1: ${await waitState(fs1, '1002@default', /In a queue call/)}`);
  await sleep(1000);
  showEvents('caller on fs2, 1002 Available on fs1', fs1, e1, fs2, e2);
  await rows('SELECT queue, instance_id, cid_name, state, serving_agent, serving_system FROM members');
  await rows('SELECT name, instance_id, status, state, uuid, calls_answered FROM agents ORDER BY name');

  console.log('\n===== 4. fs2 restarted (SIGTERM, start) while 1001 talks on fs1 and 1002 on fs2');
  e1 = fs1.events.items.length;
  await fs2.fs.restart();
  fs2.events = await listen(fs2.fs);
  console.log(`\nBob's phone after fs2's restart: ${c2.events.map((e) => e.type).join(',')}`);
  await rows('SELECT name, instance_id, status, state, uuid FROM agents ORDER BY name');
  await rows('SELECT queue, instance_id, cid_name, state, serving_agent, serving_system FROM members');
  await show(fs1, 'callcenter_config agent get state 1001@default');
  await show(fs1, 'callcenter_config agent get state 1002@default');
  showEvents('fs2 restarted', fs1, e1, fs2, 0);

  console.log('\n===== 5. end the fs1 call; states after');
  e1 = fs1.events.items.length;
  e2 = fs2.events.items.length;
  await c1.hangup();
  await sleep(3000);
  showEvents('fs1 call ended', fs1, e1, fs2, e2);
  await rows('SELECT name, instance_id, status, state, uuid, calls_answered, talk_time FROM agents ORDER BY name');
  await rows('SELECT queue, instance_id, cid_name, state FROM members');

  console.log('\n===== 6. a caller waits on fs2 (agents On Break); fs2 killed with SIGKILL; then started again');
  await show(fs1, "callcenter_config agent set status 1001@default 'On Break'");
  await show(fs1, "callcenter_config agent set status 1002@default 'On Break'");
  const c3 = await call(fs2, 'Carol');
  await sleep(2500);
  await rows('SELECT queue, instance_id, cid_name, state FROM members');
  process.kill(fs2.fs.pid!, 'SIGKILL');
  await sleep(1500);
  await rows('SELECT queue, instance_id, cid_name, state FROM members');
  await show(fs1, 'callcenter_config queue list members support@default');
  await show(fs1, 'callcenter_config queue count members support@default');
  await c3.hangup().catch(() => undefined);
  await fs2.fs.restart();
  fs2.events = await listen(fs2.fs);
  await rows('SELECT queue, instance_id, cid_name, state, abandoned_epoch FROM members');
  await show(fs1, 'callcenter_config queue list members support@default');

  console.log('\n===== 7. 1001 in a call on fs1; fs1 stopped (SIGTERM): the call, 1001 on fs2');
  await show(fs2, "callcenter_config agent set status 1001@default 'Available'");
  const c4 = await call(fs1, 'Dave');
  console.log(`\n1001: ${await waitState(fs2, '1001@default', /In a queue call/)}`);
  e2 = fs2.events.items.length;
  await fs1.fs.halt();
  await sleep(1500);
  console.log(`\nDave's phone after fs1's stop: ${c4.events.map((e) => e.type).join(',')}`);
  await rows('SELECT name, instance_id, status, state, uuid FROM agents ORDER BY name');
  await rows('SELECT queue, instance_id, cid_name, state FROM members');
  showEvents('fs1 stopped', fs2, e2, fs2, e2);
  console.log('\n a caller on fs2 now:');
  e2 = fs2.events.items.length;
  const c5 = await call(fs2, 'Erin');
  console.log(`\n1001 seen from fs2: ${await waitState(fs2, '1001@default', /In a queue call/, 15000)}`);
  showEvents('caller on fs2 after fs1 stopped', fs2, e2, fs2, e2);
  await c5.hangup();
  await sleep(2000);

  console.log('\n===== 8. fs1 started again; 1001 in a call on fs1; fs1 killed with SIGKILL');
  await fs1.fs.restart();
  fs1.events = await listen(fs1.fs);
  await rows('SELECT name, instance_id, status, state, uuid FROM agents ORDER BY name');
  await show(fs1, "callcenter_config agent set status 1002@default 'On Break'");
  const c6 = await call(fs1, 'Frank');
  console.log(`\n1001: ${await waitState(fs2, '1001@default', /In a queue call/)}`);
  process.kill(fs1.fs.pid!, 'SIGKILL');
  await sleep(2000);
  console.log(`\nFrank's phone after fs1's SIGKILL: ${c6.events.map((e) => e.type).join(',')}`);
  await rows('SELECT name, instance_id, status, state, uuid FROM agents ORDER BY name');
  await rows('SELECT queue, instance_id, cid_name, state, serving_agent FROM members');
  e2 = fs2.events.items.length;
  const c7 = await call(fs2, 'Gina');
  console.log(`\n1001 seen from fs2 with a caller on fs2: ${await waitState(fs2, '1001@default', /Waiting|Idle/, 8000)}`);
  await show(fs2, 'callcenter_config queue list members support@default');
  await rows('SELECT queue, agent, state FROM tiers');
  await show(fs2, 'callcenter_config agent set state 1001@default Waiting');
  console.log(`\n1001 seen from fs2 after 'agent set state Waiting': ${await waitState(fs2, '1001@default', /In a queue call/, 10000)}`);
  await show(fs2, 'callcenter_config tier set state support@default 1001@default Ready');
  console.log(`\n1001 seen from fs2 after 'tier set state Ready': ${await waitState(fs2, '1001@default', /In a queue call/, 15000)}`);
  await rows('SELECT queue, agent, state FROM tiers');
  showEvents('fs1 killed, caller on fs2', fs2, e2, fs2, e2);
  await c7.hangup();
  await sleep(1000);
  await fs1.fs.restart();
  await rows('SELECT queue, instance_id, cid_name, state, serving_agent FROM members');
  await rows('SELECT name, instance_id, status, state, uuid FROM agents ORDER BY name');
  await rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
} finally {
  await sql.end().catch(() => undefined);
  await boxes.stop();
}
