/**
 * Probe (run by hand, not a test): the calls side of two real FreeSWITCH 1.10.12 sharing
 * mod_callcenter's tables in one PostgreSQL database (as multi-switch.probe.ts sets them up):
 * whose member rows each box lists, what stays after a box is killed, whether the other box
 * offers an agent a dead box left `In a queue call` once it is set `Waiting`, and what a box's
 * restart does to the shared rows. Prints what the switches and the database answered.
 *   npx tsx test/switch/multi-switch-members.probe.ts
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildConf, RUN_DIRS, type SwitchPorts, type SwitchSecrets } from './conf.js';
import { findSwitch } from './switch.js';
import { freePort } from '../helpers/redis.js';
import { createTestDatabase } from '../helpers/postgres.js';

const found = findSwitch();
if ('skip' in found) throw new Error(`no real switch: ${found.skip}`);
const where = found;
const db = await createTestDatabase();
const dsn = `pgsql://hostaddr=127.0.0.1 port=5432 dbname=${db.name} user=postgres`;
const procs: ChildProcess[] = [];

interface Box {
  name: string;
  ports: SwitchPorts;
  secrets: SwitchSecrets;
}

function cli(b: Box, cmd: string): string {
  return execFileSync('/opt/freeswitch/bin/fs_cli', ['-H', '127.0.0.1', '-P', String(b.ports.esl), '-p', b.secrets.eslPassword, '-x', cmd], { encoding: 'utf8', timeout: 10_000 }).trim();
}

async function start(name: string): Promise<Box> {
  const dir = mkdtempSync(join(tmpdir(), `cc-multi-${name}-`));
  const rtpStart = 20000 + 2 * Math.floor(Math.random() * 15000);
  const ports: SwitchPorts = { esl: await freePort(), sipInternal: await freePort(), sipExternal: await freePort(), rtpStart, rtpEnd: rtpStart + 100, xmlCurl: await freePort() };
  const pw = () => randomBytes(9).toString('base64url');
  const secrets: SwitchSecrets = { eslPassword: `esl-${pw()}`, defaultPassword: `dp-${pw()}`, phones: { '1001': pw(), '1002': pw(), '1003': pw() }, xmlCurlPassword: `xc-${pw()}` };
  buildConf(dir, ports, secrets, where.modDir);
  const cc = join(dir, 'conf/autoload_configs/callcenter.conf.xml');
  writeFileSync(cc, readFileSync(cc, 'utf8').replace('<param name="dbname" value="callcenter"/>', `<param name="dbname" value="callcenter"/>\n    <param name="odbc-dsn" value="${dsn}"/>\n    <param name="cc-instance-id" value="${name}"/>`));
  const mods = join(dir, 'conf/autoload_configs/modules.conf.xml');
  writeFileSync(mods, readFileSync(mods, 'utf8').replace('<modules>', '<modules>\n    <load module="mod_pgsql"/>'));
  const args = ['-nf', '-nc', '-nonat', '-nonatmap', '-nocal'];
  for (const d of RUN_DIRS) args.push(`-${d}`, join(dir, d));
  procs.push(spawn(where.bin, args, { stdio: 'ignore' }));
  const box = { name, ports, secrets };
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      if (cli(box, 'callcenter_config queue list').includes('support@default')) break;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${name} did not come up; see ${dir}/log/freeswitch.log`);
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`${name}: up (dir ${dir})`);
  return box;
}

try {
  const [fs1, fs2] = [await start('fs1'), await start('fs2')];
  const show = (b: Box, cmd: string) => console.log(`\n[${b.name}] ${cmd}\n${cli(b, cmd)}`);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const q = async (sql: string) => console.log(`\n[db] ${sql}\n${JSON.stringify((await c.query(sql)).rows)}`);
  const caller = (b: Box, uuid: string) => show(b, `originate {origination_uuid=${uuid},cc_target_queue=support@default}loopback/7099/default &park`);
  show(fs1, 'callcenter_config agent add 5001@default callback');
  // A contact that fails at once: an offer shows as last_offered_call without a phone.
  show(fs1, 'callcenter_config agent set contact 5001@default error/user_busy');
  show(fs1, 'callcenter_config tier add support@default 5001@default 1 1');
  show(fs1, "callcenter_config agent set state 5001@default 'In a queue call'");
  show(fs1, 'callcenter_config agent set status 5001@default Available');
  caller(fs1, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
  caller(fs2, 'bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee');
  await new Promise((r) => setTimeout(r, 3000));
  show(fs2, 'callcenter_config queue list members support@default');
  show(fs2, 'callcenter_config queue count members support@default');
  show(fs2, 'uuid_exists bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee');
  show(fs2, 'uuid_exists aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
  await q('SELECT name, instance_id, state, status, last_offered_call FROM agents');
  console.log('\n--- the agent, stuck In a queue call, set Waiting on fs2');
  show(fs2, 'callcenter_config agent set state 5001@default Waiting');
  await new Promise((r) => setTimeout(r, 4000));
  await q('SELECT name, state, status, last_offered_call FROM agents');
  show(fs2, "callcenter_config agent set status 5001@default 'On Break'");
  show(fs1, "callcenter_config agent set state 5001@default 'In a queue call'");
  console.log('\n--- fs1 killed');
  const p1 = procs.shift();
  if (p1?.pid) process.kill(p1.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 1000));
  show(fs2, 'callcenter_config queue list members support@default');
  await q('SELECT instance_id, state, session_uuid FROM members ORDER BY instance_id');
  console.log('\n--- fs1 started again (same cc-instance-id, same database)');
  await start('fs1');
  await new Promise((r) => setTimeout(r, 1500));
  await q('SELECT name, state FROM agents');
  await q('SELECT queue, agent, state FROM tiers');
  await q('SELECT instance_id, state, session_uuid FROM members ORDER BY instance_id');
  await c.end();
} finally {
  for (const p of procs) {
    if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
  }
  await new Promise((r) => setTimeout(r, 1000));
  await db.drop().catch((e: Error) => console.error('drop', e.message));
}
