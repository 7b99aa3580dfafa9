import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { Phone } from './baresip.js';
import { RealSwitch } from './switch.js';

/**
 * Several private real FreeSWITCH boxes set up as freeswitch-conf/README.md "Several switches" says:
 * mod_callcenter's tables in one PostgreSQL database of their own, a distinct cc_instance_id each,
 * one ESL password (a gateway's ESL_PASSWORD applies to every box). Phones are baresip: an agent's
 * desk phone is registered on every box (so its `user/NNNN` contact answers whichever box offers it),
 * a caller dials 7000 on the box it is given.
 */
export interface Boxes {
  /** In the order of `ids`. */
  readonly switches: readonly RealSwitch[];
  readonly ids: readonly string[];
  /** The database holding mod_callcenter's agents, tiers and members. */
  readonly ccDb: TestDatabase;
  readonly eslPassword: string;
  /** ESL_HOSTS for a gateway over every box: `id@127.0.0.1:port,…`. */
  readonly eslHosts: string;
  box(id: string): RealSwitch;
  /** Desk phones of directory user `ext`, one per box, answering by themselves. */
  agentPhones(ext: string): Promise<Phone[]>;
  /** Caller 1003 (display name `name`) dials 7000 on box `id` and keys an account number; resolves once the call is up. */
  call(id: string, name: string): Promise<Phone>;
  stop(): Promise<void>;
}

export async function startBoxes(where: { bin: string; modDir: string }, ids: readonly string[] = ['fs1', 'fs2']): Promise<Boxes> {
  const ccDb = await createTestDatabase();
  const dsn = `pgsql://hostaddr=127.0.0.1 port=5432 dbname=${ccDb.name} user=postgres`;
  const eslPassword = `esl-${randomBytes(9).toString('hex')}`;
  const phones: Phone[] = [];
  const started = await Promise.allSettled(ids.map((instanceId) => RealSwitch.start(where, { shared: { dsn, instanceId }, eslPassword })));
  const switches = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(phones.splice(0).map((p) => p.stop()));
    await Promise.all(switches.map((s) => s.stop()));
    await ccDb.drop();
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const box = (id: string): RealSwitch => {
    const k = ids.indexOf(id);
    if (k < 0) throw new Error(`no box ${id}`);
    return switches[k]!;
  };
  const phone = async (fs: RealSwitch, ext: string, autoAnswer: boolean, displayName?: string): Promise<Phone> => {
    const p = await Phone.start({ user: ext, password: fs.secrets.phones[ext]!, registrar: `127.0.0.1:${fs.sipPort}`, autoAnswer, ...(displayName !== undefined ? { displayName } : {}) });
    phones.push(p);
    await p.registered(30000);
    return p;
  };
  return {
    switches,
    ids,
    ccDb,
    eslPassword,
    eslHosts: ids.map((id, k) => `${id}@127.0.0.1:${switches[k]!.eslPort}`).join(','),
    box,
    agentPhones: (ext) => Promise.all(switches.map((fs) => phone(fs, ext, true))),
    async call(id, name) {
      const p = await phone(box(id), '1003', false, name);
      await p.dial('7000');
      await p.waitEvent('CALL_ESTABLISHED', 30000);
      // The account-number prompt (4 to 12 digits and #) is playing: keyed digits are collected.
      await new Promise((r) => setTimeout(r, 700));
      await p.sendDtmf('4242#');
      return p;
    },
    stop,
  };
}
