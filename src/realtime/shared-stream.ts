import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';

/**
 * Per-agent push numbering and replay buffer kept in Redis, so that a page can
 * move to another gateway instance and resume with no push lost or repeated.
 *
 * Every instance that follows an agent turns the same switch event into the
 * same push; each push caused by an event carries a key (the switch's
 * Core-UUID + Event-Sequence + push type), and the append script numbers a key
 * once: the first instance to append it assigns the seq and stores the JSON,
 * the others get that same seq and JSON back (and send that JSON to their own
 * pages, so every tab shows the same stream). Pushes with no event behind them
 * (a page's snapshot, the link state, queue.waiting) have no key: only the
 * instance holding a page of the agent appends them.
 *
 * Cost per push, per instance following the agent: one EVALSHA round trip.
 * The first instance's script runs GET (key unseen), INCR, RPUSH, LTRIM, two
 * PEXPIREs and SET (the key, with a TTL): 7 commands. Each further instance's
 * runs GET (key seen), GET, LLEN, LINDEX: 4 read-only commands.
 */

/** Pushes kept per agent for a resume (the single-instance buffer keeps the same number). */
export const STREAM_LENGTH = 256;
/** How long a push key is remembered: far longer than two instances can lag behind each other on one event. */
const KEY_TTL_MS = 10 * 60_000;

const APPEND = `
if ARGV[3] == '1' then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local seq = tonumber(seen)
    local head = tonumber(redis.call('GET', KEYS[1]) or '0')
    local len = redis.call('LLEN', KEYS[2])
    local idx = len - 1 - (head - seq)
    local json = false
    if idx >= 0 and idx < len then json = redis.call('LINDEX', KEYS[2], idx) end
    return {seq, json, 0}
  end
end
local seq = redis.call('INCR', KEYS[1])
local json = string.sub(ARGV[1], 1, -2) .. ',"seq":' .. seq .. '}'
redis.call('RPUSH', KEYS[2], json)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if ARGV[3] == '1' then redis.call('SET', KEYS[3], seq, 'PX', ARGV[5]) end
return {seq, json, 1}
`;

/** Moves the head forward to a page's lastSeq when Redis has lost the agent's stream (flushed, expired). */
const RESET = `
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
if head < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('DEL', KEYS[2])
  return tonumber(ARGV[1])
end
return head
`;

interface StreamCommands {
  deskAppend(seqKey: string, listKey: string, pushKey: string, json: string, maxLen: number, keyed: string, ttlMs: number, keyTtlMs: number): Promise<[number, string | null, number]>;
  deskReset(seqKey: string, listKey: string, seq: number, ttlMs: number): Promise<number>;
}

export interface Appended {
  readonly seq: number;
  /** The stored JSON (another instance's when it appended this key first); null when already trimmed away. */
  readonly json: string | null;
  /** true when this call numbered the push. */
  readonly fresh: boolean;
}

export interface Since {
  /** The agent's last seq. */
  readonly head: number;
  /** The pushes after lastSeq, oldest first; null when the stream no longer reaches back (send a snapshot). */
  readonly missed: string[] | null;
}

export class SharedPushStream {
  private readonly r: Redis & StreamCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** How long an agent's stream outlives its last push (the resume token's life). */
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {
    // defineCommand: EVALSHA, with one EVAL when Redis does not know the script yet (after a restart too).
    if (!('deskAppend' in redis)) {
      redis.defineCommand('deskAppend', { numberOfKeys: 3, lua: APPEND });
      redis.defineCommand('deskReset', { numberOfKeys: 2, lua: RESET });
    }
    this.r = redis as Redis & StreamCommands;
  }

  private seqKey(agent: string): string {
    return `${this.prefix}desk-seq:${agent}`;
  }
  private listKey(agent: string): string {
    return `${this.prefix}desk-log:${agent}`;
  }

  /**
   * Numbers and stores one push (`json`: the push without seq, a JSON object). Calls made
   * one after another resolve in that order (one connection, Redis runs them in order).
   */
  async append(agent: string, json: string, key: string | null): Promise<Appended> {
    const pushKey = key === null ? this.seqKey(agent) : `${this.prefix}desk-key:${agent}:${key}`;
    const [seq, stored, fresh] = await this.r.deskAppend(this.seqKey(agent), this.listKey(agent), pushKey, json, STREAM_LENGTH, key === null ? '0' : '1', this.ttlMs, KEY_TTL_MS);
    return { seq: Number(seq), json: stored, fresh: fresh === 1 };
  }

  /**
   * What a page that saw `lastSeq` missed. Issued on the same connection as the appends, so
   * every append sent before it is in the answer and every one sent after it is not.
   */
  async since(agent: string, lastSeq: number): Promise<Since> {
    const replies = await this.r.multi().get(this.seqKey(agent)).lrange(this.listKey(agent), 0, -1).exec();
    if (!replies) throw new Error('desk stream read aborted');
    const [[e1, headRaw], [e2, listRaw]] = replies as [[Error | null, string | null], [Error | null, string[]]];
    const failed = e1 ?? e2;
    if (failed) throw failed;
    const head = Number(headRaw ?? 0);
    // 0: a page with no state (fresh load) wants the present; beyond head: the stream was lost.
    if (lastSeq === 0 || lastSeq > head) return { head, missed: null };
    if (lastSeq === head) return { head, missed: [] };
    const entries = listRaw.map((json) => ({ seq: seqOf(json), json }));
    const first = entries[0];
    if (!first || first.seq > lastSeq + 1) return { head, missed: null };
    return { head, missed: entries.filter((e) => e.seq > lastSeq).map((e) => e.json) };
  }

  /** The page knows a later seq than Redis (the stream was lost): continue its numbering. */
  async reset(agent: string, seq: number): Promise<number> {
    const head = await this.r.deskReset(this.seqKey(agent), this.listKey(agent), seq, this.ttlMs);
    this.log.info({ agent, seq }, 'desk stream continued from a page’s seq (Redis had lost it)');
    return Number(head);
  }
}

/** The seq the append script put last in the object. */
export function seqOf(json: string): number {
  const m = /"seq":(\d+)\}$/.exec(json);
  return m ? Number(m[1]) : 0;
}
