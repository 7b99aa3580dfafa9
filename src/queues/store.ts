import type pg from 'pg';
import { isQueueParamKey, queueParam, type QueueParams } from './params.js';

/** A queue this gateway owns: served to the switch over mod_xml_curl. */
export interface QueueDefinition {
  readonly name: string;
  readonly params: QueueParams;
  readonly takenOver: boolean;
  readonly createdBy: string;
  readonly updatedBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export class QueueStoreUnavailableError extends Error {
  override readonly name = 'QueueStoreUnavailableError';
}

interface Row {
  name: string;
  params: Record<string, unknown>;
  taken_over: boolean;
  created_by: string;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
}

/** Stored parameters pass the grammar again on the way out: a row edited by hand never reaches the switch unchecked. */
function fromRow(r: Row): QueueDefinition {
  const params: QueueParams = {};
  for (const [k, v] of Object.entries(r.params ?? {})) {
    if (!isQueueParamKey(k)) continue;
    try {
      params[k] = queueParam(k, v);
    } catch {
      // left out: the switch's default applies
    }
  }
  return { name: r.name, params, takenOver: r.taken_over, createdBy: r.created_by, updatedBy: r.updated_by, createdAt: r.created_at, updatedAt: r.updated_at };
}

const COLUMNS = 'name, params, taken_over, created_by, updated_by, created_at, updated_at';

/**
 * Queue definitions in PostgreSQL (table queue_definitions), with an
 * in-memory copy loaded once the database answers: the xml_curl endpoint
 * answers the switch from memory, so a slow or lost database does not stall a
 * `queue load`. Every write goes to the database first and then to the copy,
 * so the copy never holds what the database refused.
 */
export class QueueStore {
  private cache: Map<string, QueueDefinition> | null = null;
  private loading: Promise<void> | null = null;

  /** `pool()` returns null until the records database is open. */
  constructor(private readonly pool: () => pg.Pool | null) {}

  private db(): pg.Pool {
    const p = this.pool();
    if (!p) throw new QueueStoreUnavailableError('the queue definitions database is not available');
    return p;
  }

  /** Loads every definition into memory (once; again after a failure). */
  async load(): Promise<void> {
    if (this.cache) return;
    if (!this.loading) {
      // Not an async IIFE with `finally`: a synchronous throw would clear `loading` before it is assigned.
      const run = Promise.resolve()
        .then(() => this.db().query<Row>(`SELECT ${COLUMNS} FROM queue_definitions ORDER BY name`))
        .then(({ rows }) => {
          this.cache = new Map(rows.map((r) => [r.name, fromRow(r)]));
        });
      this.loading = run;
      const clear = () => {
        if (this.loading === run) this.loading = null;
      };
      run.then(clear, clear);
    }
    return this.loading;
  }

  get loaded(): boolean {
    return this.cache !== null;
  }

  /** The in-memory copy (null while not loaded): for the xml_curl endpoint. */
  cached(name: string): QueueDefinition | null | undefined {
    return this.cache === null ? undefined : (this.cache.get(name) ?? null);
  }

  async list(): Promise<QueueDefinition[]> {
    await this.load();
    return [...(this.cache?.values() ?? [])];
  }

  async get(name: string): Promise<QueueDefinition | null> {
    await this.load();
    return this.cache?.get(name) ?? null;
  }

  /** Inserts; false when the name is taken. */
  async insert(name: string, params: QueueParams, takenOver: boolean, by: string): Promise<QueueDefinition | null> {
    await this.load();
    const { rows } = await this.db().query<Row>(
      `INSERT INTO queue_definitions (name, params, taken_over, created_by, updated_by) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [name, JSON.stringify(params), takenOver, by],
    );
    const row = rows[0];
    if (!row) return null;
    const def = fromRow(row);
    this.cache?.set(name, def);
    return def;
  }

  /** Replaces the parameters; null when there is no such definition. */
  async update(name: string, params: QueueParams, by: string): Promise<QueueDefinition | null> {
    await this.load();
    const { rows } = await this.db().query<Row>(
      `UPDATE queue_definitions SET params = $2, updated_by = $3, updated_at = now() WHERE name = $1 RETURNING ${COLUMNS}`,
      [name, JSON.stringify(params), by],
    );
    const row = rows[0];
    if (!row) return null;
    const def = fromRow(row);
    this.cache?.set(name, def);
    return def;
  }

  /** Puts a definition back as it was (a change the switch refused). */
  async restore(def: QueueDefinition): Promise<void> {
    await this.db().query(
      `INSERT INTO queue_definitions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (name) DO UPDATE SET params = EXCLUDED.params, taken_over = EXCLUDED.taken_over, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [def.name, JSON.stringify(def.params), def.takenOver, def.createdBy, def.updatedBy, def.createdAt, def.updatedAt],
    );
    this.cache?.set(def.name, def);
  }

  async remove(name: string): Promise<boolean> {
    await this.load();
    const { rowCount } = await this.db().query('DELETE FROM queue_definitions WHERE name = $1', [name]);
    this.cache?.delete(name);
    return (rowCount ?? 0) > 0;
  }
}
