/**
 * Call records on PostgreSQL (a database of its own, dropped at the end):
 *   1. sustained batched write rate through RecordWriter (records/s; target ≥ 1,000),
 *      and the same on the embedded PGlite;
 *   2. filtered query p50/p99 over a large table (first page and a keyset page);
 *   3. CSV export over HTTP (GET /api/calls.csv): rows/s, MB/s, process RSS before and at peak.
 *
 *   npm run bench -- records [rows]      (default 2,000,000 rows for 2 and 3)
 */
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { loadConfig } from '../src/config.js';
import { migrate, openDatabase, type Database } from '../src/db/database.js';
import { startGateway } from '../src/gateway.js';
import { FreeSwitchDouble } from '../src/fsdouble/index.js';
import { silentLogger } from '../src/log.js';
import { RecordWriter } from '../src/records/writer.js';
import { pageQuery, queryRecords, writeBatch, type Finished, type Keyset, type RecordFilter } from '../src/records/store.js';
import { memoryCallerStore } from '../src/store/callers.js';
import { memoryPasswordStore } from '../src/store/passwords.js';
import { memorySessionStore } from '../src/store/sessions.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { waitFor } from '../test/helpers/stack.js';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const QUEUES = Array.from({ length: 20 }, (_, i) => `q${i}@default`);
const AGENTS = Array.from({ length: 500 }, (_, i) => `${1000 + i}@default`);

function finished(i: number): Finished {
  const joinedAt = Date.now() - 86_400_000 + i;
  const agent = AGENTS[i % AGENTS.length]!;
  return {
    call: {
      memberUuid: randomUUID(), sessionUuid: randomUUID(), queue: QUEUES[i % QUEUES.length]!, callerNumber: `1555${String(i % 100_000).padStart(7, '0')}`,
      callerName: `Caller ${i}`, destination: '7000', variables: { account: String(i) }, state: 'answered', agent, agentUuid: randomUUID(),
      joinedAt, offeredAt: joinedAt + 2000, answeredAt: joinedAt + 5000,
      offers: [{ agent, offeredAt: joinedAt + 2000, endedAt: null, outcome: 'answered', hangupCause: null }],
    },
    end: { endedAt: joinedAt + 65_000, cause: 'Terminated', cancelReason: null, hangupCause: 'SUCCESS', agent, answeredAt: joinedAt + 5000 },
  };
}

async function writeRate(db: Database, n: number): Promise<void> {
  const writer = new RecordWriter({ write: (live, fin) => writeBatch(db.pool, live, fin), logger: silentLogger(), maxBatch: 1000 });
  const started = performance.now();
  // Calls end at a steady offered rate far above the target; the writer batches what has gathered.
  for (let i = 0; i < n; i++) {
    writer.finished(finished(i));
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  await writer.flush();
  const s = (performance.now() - started) / 1000;
  console.log(`  ${db.backend.padEnd(8)} ${n} records in ${s.toFixed(2)} s: ${Math.round(n / s)} records/s (batches of up to 1000, one transaction each)`);
  await writer.close();
}

/**
 * Fills call_records with `rows` rows straight in SQL (generate_series), as a migrated database
 * has it: the indexes (whatever the migrations made, read from pg_indexes) and the primary key
 * are dropped first and built again after the fill, the row triggers are off during the fill
 * (a disposition lookup per row), and VACUUM ANALYZE leaves it as autovacuum would.
 */
async function fill(db: Database, rows: number): Promise<void> {
  const started = performance.now();
  const indexes = (
    await db.pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'call_records' AND indexname <> 'call_records_pkey'`,
    )
  ).rows;
  for (const { indexname } of indexes) await db.pool.query(`DROP INDEX "${indexname}"`);
  await db.pool.query('ALTER TABLE call_records DROP CONSTRAINT call_records_pkey');
  await db.pool.query('ALTER TABLE call_records DISABLE TRIGGER USER');
  const chunk = 1_000_000;
  for (let from = 0; from < rows; from += chunk) {
    const to = Math.min(rows, from + chunk) - 1;
    // Ninety days of calls in the order they ended (as the gateway appends them: the heap follows time);
    // times at whole milliseconds, as the gateway writes them.
    await db.pool.query(
      `INSERT INTO call_records (member_uuid, session_uuid, queue, caller_number, caller_name, destination, variables, joined_at, offered_at, answered_at, ended_at,
         wait_s, ring_s, talk_s, offers, agent, agent_uuid, outcome, cause, cancel_reason, hangup_cause)
       SELECT 'bench-' || g, '', 'q' || (g % 20) || '@default', '1555' || lpad((g % 100000)::text, 7, '0'), 'Caller ' || g, '7000', '{}',
         e - interval '65 s', e - interval '63 s', CASE WHEN g % 5 = 0 THEN NULL ELSE e - interval '60 s' END, e,
         CASE WHEN g % 5 = 0 THEN 65 ELSE 5 END, CASE WHEN g % 5 = 0 THEN NULL ELSE 3 END, CASE WHEN g % 5 = 0 THEN NULL ELSE 60 END,
         '[]', CASE WHEN g % 5 = 0 THEN NULL ELSE (1000 + g % 500) || '@default' END, NULL,
         CASE WHEN g % 5 = 0 THEN 'abandoned' ELSE 'answered' END, CASE WHEN g % 5 = 0 THEN 'Cancel' ELSE 'Terminated' END,
         CASE WHEN g % 5 = 0 THEN 'BREAK_OUT' END, 'SUCCESS'
       FROM (SELECT g, date_trunc('milliseconds', now() - (($3::int - g)::float8 / $3::int) * interval '90 days' - random() * interval '1 s') AS e
             FROM generate_series($1::int, $2::int) g) s`,
      [from, to, rows],
    );
    process.stdout.write(`\r  filled ${to + 1} rows`);
  }
  const filled = performance.now();
  await db.pool.query('ALTER TABLE call_records ENABLE TRIGGER USER');
  await db.pool.query('ALTER TABLE call_records ADD CONSTRAINT call_records_pkey PRIMARY KEY (member_uuid)');
  for (const { indexdef } of indexes) await db.pool.query(indexdef);
  await db.pool.query('VACUUM ANALYZE call_records');
  console.log(`\r  ${rows} rows inserted in ${((filled - started) / 1000).toFixed(0)} s; primary key and ${indexes.length} indexes built, vacuumed and analysed in ${((performance.now() - filled) / 1000).toFixed(0)} s`);
}

function get(url: URL, path: string, token: string): Promise<{ status: number; body: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const keep = !path.includes('.csv');
      let body = '';
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function benchRecords(rows: number): Promise<void> {
  console.log('1. sustained batched write rate');
  const writeDb = await createTestDatabase();
  const pgw = await openDatabase({ url: writeDb.url, logger: silentLogger() });
  await migrate(pgw, silentLogger());
  await writeRate(pgw, 50_000);
  await pgw.close();
  await writeDb.drop();
  const lite = await openDatabase({ url: null, logger: silentLogger() });
  await migrate(lite, silentLogger());
  await writeRate(lite, 20_000);
  await lite.close();

  const bench = await createTestDatabase();
  const db = await openDatabase({ url: bench.url, logger: silentLogger() });
  const fs = await FreeSwitchDouble.start({});
  let gw: Awaited<ReturnType<typeof startGateway>> | null = null;
  try {
    await migrate(db, silentLogger());
    console.log(`2. filtered queries over ${rows} rows (PostgreSQL)`);
    await fill(db, rows);
    const token = 'bench-records-token-0123';
    const config = loadConfig({ ESL_PORT: String(fs.port), HTTP_PORT: '0', DATABASE_URL: bench.url, ADMIN_TOKEN: token, RATE_LIMIT_PER_MINUTE: '1000000' });
    gw = await startGateway({ config, logger: silentLogger(), stores: { callers: memoryCallerStore(), passwords: memoryPasswordStore(), sessions: memorySessionStore() }, resyncIntervalMs: 0 });
    const g = gw;
    await waitFor(() => g.records?.ready === true, 'records database', 60_000);
    const url = new URL(gw.url);
    const day = (): RecordFilter => {
      const d = Date.now() - Math.floor(Math.random() * 89 + 1) * 86_400_000;
      return { from: new Date(d), to: new Date(d + 86_400_000) };
    };
    const kinds: Record<string, () => RecordFilter> = {
      'queue + one day': () => ({ queue: `q${Math.floor(Math.random() * 20)}@default`, ...day() }),
      'agent': () => ({ agent: `${1000 + Math.floor(Math.random() * 500)}@default` }),
      'caller number': () => ({ callerNumber: `1555${String(Math.floor(Math.random() * 100_000)).padStart(7, '0')}` }),
      'outcome + one day': () => ({ outcome: 'abandoned', ...day() }),
      'no filter': () => ({}),
    };
    const qs = (f: RecordFilter) =>
      new URLSearchParams({
        ...(f.queue ? { queue: f.queue } : {}),
        ...(f.agent ? { agent: f.agent } : {}),
        ...(f.callerNumber ? { caller: f.callerNumber } : {}),
        ...(f.outcome ? { outcome: f.outcome } : {}),
        ...(f.from ? { from: f.from.toISOString() } : {}),
        ...(f.to ? { to: f.to.toISOString() } : {}),
      }).toString();
    const fmt = (xs: number[]) => (xs.length ? `p50 ${pct(xs, 50).toFixed(1).padStart(5)} · p99 ${pct(xs, 99).toFixed(1).padStart(5)}` : '        —        ');
    /** The server's own time for one page (planning + execution, EXPLAIN ANALYZE) and the page's cursor. */
    const server = async (f: RecordFilter, after: Keyset | null): Promise<{ ms: number; next: Keyset | null }> => {
      const q = pageQuery(f, { limit: 100, order: 'desc', after });
      const plan = (await db.pool.query<{ 'QUERY PLAN': Array<{ 'Planning Time': number; 'Execution Time': number }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.text}`, q.values)).rows[0]!['QUERY PLAN'][0]!;
      // The cursor the route would give: the page's last row (the plan does not return rows).
      const page = await queryRecords(db.pool, f, { limit: 100, order: 'desc', after });
      return { ms: plan['Planning Time'] + plan['Execution Time'], next: page.next };
    };
    const SAMPLES = 200;
    console.log(`  ${SAMPLES} filters of each kind at random per column, 100 rows a page, newest first; next page = that first page's cursor, same filter.`);
    console.log('  server = PostgreSQL planning + execution (EXPLAIN ANALYZE); database = queryRecords round trip (pg, rows parsed); HTTP = GET /api/calls round trip. ms.');
    console.log('  kind               | server first   next        | database first  next        | HTTP first      next         | load');
    for (const [name, make] of Object.entries(kinds)) {
      const m = { sFirst: [] as number[], sNext: [] as number[], dFirst: [] as number[], dNext: [] as number[], hFirst: [] as number[], hNext: [] as number[], cpu: [] as number[] };
      for (let i = 0; i < SAMPLES; i++) {
        // Each column gets its own filter, so that none reads pages another just brought in.
        const fs = make();
        const s1 = await server(fs, null);
        m.sFirst.push(s1.ms);
        if (s1.next) m.sNext.push((await server(fs, s1.next)).ms);
        const fd = make();
        const cpu = process.cpuUsage();
        let t = performance.now();
        const page = await queryRecords(db.pool, fd, { limit: 100, order: 'desc', after: null });
        m.dFirst.push(performance.now() - t);
        const used = process.cpuUsage(cpu);
        m.cpu.push((used.user + used.system) / 1000);
        if (page.next) {
          t = performance.now();
          await queryRecords(db.pool, fd, { limit: 100, order: 'desc', after: page.next });
          m.dNext.push(performance.now() - t);
        }
        const fh = make();
        t = performance.now();
        const res = await get(url, `/api/calls?limit=100&${qs(fh)}`, token);
        m.hFirst.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`${res.status} ${res.body.slice(0, 200)}`);
        const cursor = (JSON.parse(res.body) as { nextCursor: string | null }).nextCursor;
        if (cursor) {
          t = performance.now();
          const next = await get(url, `/api/calls?limit=100&${qs(fh)}&cursor=${cursor}`, token);
          m.hNext.push(performance.now() - t);
          if (next.status !== 200) throw new Error(`${next.status} ${next.body.slice(0, 200)}`);
        }
      }
      console.log(`  ${name.padEnd(18)} | ${fmt(m.sFirst)}  ${fmt(m.sNext)} | ${fmt(m.dFirst)}  ${fmt(m.dNext)} | ${fmt(m.hFirst)}  ${fmt(m.hNext)} | ${loadavg()[0]!.toFixed(1)}`);
      console.log(`  ${''.padEnd(18)}   (this process's CPU for a first page through pg: ${(m.cpu.reduce((a, b) => a + b, 0) / m.cpu.length).toFixed(1)} ms on average; the server's own time is the first column)`);
    }

    // At most about a million rows: the most recent days' worth.
    const days = Math.min(90, (90 * 1_000_000) / rows);
    const since = new Date(Date.now() - days * 86_400_000);
    const exported = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM call_records WHERE ended_at >= $1', [since])).rows[0]!.n;
    console.log(`3. CSV export (GET /api/calls.csv?from=<${days.toFixed(1)} days ago>: ${exported} rows)`);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t = performance.now();
    const res = await get(url, `/api/calls.csv?from=${since.toISOString()}`, token);
    const s = (performance.now() - t) / 1000;
    clearInterval(sampler);
    console.log(`  ${exported} rows, ${(res.bytes / 1e6).toFixed(0)} MB in ${s.toFixed(1)} s: ${Math.round(exported / s)} rows/s, ${(res.bytes / 1e6 / s).toFixed(1)} MB/s; RSS ${(rssBefore / 1e6).toFixed(0)} MB before, ${(peak / 1e6).toFixed(0)} MB peak (gateway and client in one process)`);
  } finally {
    await gw?.stop();
    await fs.stop();
    await db.close();
    await bench.drop();
  }
}
