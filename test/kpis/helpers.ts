import pg from 'pg';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { silentLogger } from '../../src/log.js';
import { recordsGateway, type RecordsGateway } from '../records/helpers.js';

export const SUPPORT = 'support@default';
export const SALES = 'sales@default';
export const WALLBOARD = 'kpi-wallboard-token-0123';

/** Two queues: support (agents) and sales (no agents; callers time out after 1 s). */
export function startDouble(): Promise<FreeSwitchDouble> {
  return FreeSwitchDouble.start({
    ringMs: 30,
    queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES, maxWaitTime: 1 }],
    dialplan: { '7000': { queue: SUPPORT }, '7001': { queue: SALES } },
  });
}

/** T = 1 s (sales: 5 s), abandons under 2 s are short (join times are whole seconds: a caller who hangs up at once can show wait 1); a wallboard token besides the records helper's admin and supervisor. */
export function kpiGateway(fs: FreeSwitchDouble, databaseUrl: string): Promise<RecordsGateway> {
  return recordsGateway(fs, databaseUrl, {
    QUEUES: `${SUPPORT},${SALES}`,
    KPI_SL_SECONDS: '1',
    KPI_SL_SECONDS_BY_QUEUE: `${SALES}:5`,
    KPI_SHORT_ABANDON_S: '2',
    API_TOKENS: `boss:admin:records-admin-token-0123,watcher:supervisor:records-supervisor-token-0123,wall:wallboard:${WALLBOARD}`,
  });
}

export async function sql(url: string, text: string, params: unknown[] = []): Promise<any[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** A stored record as another gateway run would have left it (only the columns KPIs read matter). */
export async function insertRecord(url: string, r: { uuid: string; queue: string; agent: string | null; outcome: string; endedAt: number; waitS: number; talkS: number | null; holdS?: number | null; afterCallS?: number | null }): Promise<void> {
  await sql(
    url,
    `INSERT INTO call_records (member_uuid, queue, joined_at, ended_at, wait_s, talk_s, hold_s, after_call_s, agent, outcome, cause)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'seeded')`,
    [r.uuid, r.queue, new Date(r.endedAt - (r.waitS + (r.talkS ?? 0)) * 1000), new Date(r.endedAt), r.waitS, r.talkS, r.holdS ?? null, r.afterCallS ?? null, r.agent, r.outcome],
  );
}

/** Applies the migrations to an empty database (as a gateway would at its start). */
export async function migrated(url: string): Promise<void> {
  const db = await openDatabase({ url, pgliteDataDir: null, logger: silentLogger() });
  try {
    await migrate(db, silentLogger());
  } finally {
    await db.close();
  }
}
