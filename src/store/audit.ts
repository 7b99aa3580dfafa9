import type { Redis } from 'ioredis';
import type { CommandRecord } from '../callcenter/service.js';

export interface AuditEntry {
  id: string;
  at: string;
  source: string;
  actor: string;
  agent: string | null;
  command: string;
  ok: boolean;
  reply: string;
  latencyMs: number;
}

export interface AuditQuery {
  agent?: string;
  /** Epoch milliseconds. */
  since?: number;
  limit: number;
  /** Only entries this accepts (a token's queue scope); paging goes on until `limit` of them are found. */
  where?: (e: AuditEntry) => boolean;
}

/**
 * Every command sent to the switch, in a capped Redis stream (XADD MAXLEN ~).
 * Writes are fire-and-forget with an error callback: auditing must not slow
 * or fail the command it records.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly maxLen: number,
    private readonly onError: (err: Error) => void,
  ) {}

  record(r: CommandRecord): void {
    this.redis
      .xadd(
        this.key,
        'MAXLEN',
        '~',
        String(this.maxLen),
        '*',
        'at', String(r.at),
        'source', r.actor.source,
        'actor', r.actor.id,
        'agent', r.actor.agent ?? '',
        'command', r.command,
        'ok', r.ok ? '1' : '0',
        'reply', r.reply,
        'latencyMs', r.latencyMs.toFixed(3),
      )
      .catch(this.onError);
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    // Stream ids are epoch ms: a time before 1970 would be an invalid id.
    const start = q.since !== undefined && q.since > 0 ? String(Math.floor(q.since)) : '-';
    let end = '+';
    // Newest first, in pages, until enough entries match the filter.
    for (let pages = 0; pages < 50 && out.length < q.limit; pages++) {
      const page = (await this.redis.xrevrange(this.key, end, start, 'COUNT', 500)) as Array<[string, string[]]>;
      if (page.length === 0) break;
      for (const [id, fields] of page) {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] ?? ''] = fields[i + 1] ?? '';
        if (q.agent && f.agent !== q.agent) continue;
        const entry: AuditEntry = {
          id,
          at: new Date(Number(f.at)).toISOString(),
          source: f.source ?? '',
          actor: f.actor ?? '',
          agent: f.agent || null,
          command: f.command ?? '',
          ok: f.ok === '1',
          reply: f.reply ?? '',
          latencyMs: Number(f.latencyMs),
        };
        if (q.where && !q.where(entry)) continue;
        out.push(entry);
        if (out.length >= q.limit) break;
      }
      const last = page.at(-1);
      if (!last || page.length < 500) break;
      end = `(${last[0]}`;
    }
    return out;
  }
}
