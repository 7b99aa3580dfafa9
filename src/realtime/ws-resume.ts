import type { ClientMessage } from './protocol.js';
import { ClientError, type Connection, type DeskContext } from './ws-connection.js';
import type { SharedDeskStream } from './desk-shared.js';
import type { Since } from './shared-stream.js';

/**
 * `resume`: a page back after a drop, with its token and the last push it saw.
 * It gets the pushes it missed, or a snapshot when they are no longer kept.
 */
export async function resume(ctx: DeskContext, c: Connection, m: Extract<ClientMessage, { type: 'resume' }>, id: string | number | null): Promise<void> {
  const { desk, sessions } = ctx;
  if (c.channel) throw new ClientError('ALREADY_LOGGED_IN', `this socket is logged in as ${c.channel.agent}`);
  // The store unreachable reads as an unknown token: the page logs in again (which says STORE_DOWN).
  const owner = await sessions.agentOf(m.token).catch((err: Error) => {
    ctx.log.warn({ err: err.message }, 'could not read a resume token');
    return null;
  });
  c.check();
  if (!owner || owner !== m.agent) throw new ClientError('BAD_TOKEN', 'unknown or expired session; log in again');
  touch(ctx, m.token);
  if (desk.shared) return resumeShared(ctx, c, owner, m.token, m.lastSeq, id, desk.shared);
  const ch = desk.attach(owner, c);
  c.channel = ch;
  c.token = m.token;
  let missed = desk.missedSince(ch, m.lastSeq);
  if (m.lastSeq > ch.seq) {
    // The gateway restarted since (or forgot the channel after the logout grace): continue the
    // page's numbering so the snapshot is not taken for a duplicate. missedSince() already
    // said null (snapshot); asked after the jump it would say "nothing missed".
    desk.resetBuffer(ch, m.lastSeq);
    missed = null;
  }
  c.reply({ type: 'ack', id, agent: owner, seq: ch.seq });
  if (missed === null) {
    desk.push(ch, desk.snapshot(ch));
  } else {
    for (const json of missed) c.send(json);
  }
}

/** Keeps a resume token valid for the logout grace from now; a store failure only shortens its life. */
export function touch(ctx: DeskContext, token: string): void {
  ctx.sessions.touch(token, ctx.sessionTtlS).catch((err: Error) => ctx.log.warn({ err: err.message }, 'could not extend a resume token'));
}

/**
 * Resume when several instances share the desks: the replay comes from Redis. The socket is
 * attached first but held back (gate), so a push numbered while the replay is read is sent
 * after it, once; the page may have last been served by any instance.
 */
async function resumeShared(ctx: DeskContext, c: Connection, agent: string, token: string, lastSeq: number, id: string | number | null, shared: SharedDeskStream): Promise<void> {
  const { desk } = ctx;
  shared.gate(c);
  const ch = desk.attach(agent, c);
  c.channel = ch;
  c.token = token;
  let since: Since;
  try {
    since = await shared.stream.since(agent, lastSeq);
    if (lastSeq > since.head) since = { head: await shared.stream.reset(agent, lastSeq), missed: null };
  } catch (err) {
    // Redis away: the page gets the present (the snapshot's push retries until Redis is back).
    ctx.log.warn({ agent, err: (err as Error).message }, 'could not read the desk stream for a resume');
    since = { head: Math.max(ch.seq, lastSeq), missed: null };
  }
  if (c.closed) return shared.ungate(c);
  if (since.head > ch.seq) ch.seq = since.head;
  c.reply({ type: 'ack', id, agent, seq: since.head });
  shared.open(c, since.missed ?? [], since.head);
  if (since.missed === null) desk.push(ch, desk.snapshot(ch));
}
