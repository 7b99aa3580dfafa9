import * as grammar from '../callcenter/grammar.js';
import type { ClientMessage } from './protocol.js';
import { ClientError, SocketClosed, type Connection, type DeskContext } from './ws-connection.js';

type Login = Extract<ClientMessage, { type: 'login' }>;
type Id = string | number | null;

/** Failed desk logins allowed per agent and per address in a minute, before RATE_LIMITED. */
const LOGIN_FAILURES_PER_AGENT = 5;
const LOGIN_FAILURES_PER_ADDRESS = 20;

export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; until: number }>();

  blocked(agent: string, address: string): boolean {
    return this.count(`a:${agent}`) >= LOGIN_FAILURES_PER_AGENT || this.count(`ip:${address}`) >= LOGIN_FAILURES_PER_ADDRESS;
  }

  failed(agent: string, address: string): void {
    for (const key of [`a:${agent}`, `ip:${address}`]) {
      const f = this.failures.get(key);
      if (f && f.until > Date.now()) f.count++;
      else this.failures.set(key, { count: 1, until: Date.now() + 60_000 });
    }
  }

  sweep(): void {
    const now = Date.now();
    for (const [k, f] of this.failures) if (f.until <= now) this.failures.delete(k);
  }

  private count(key: string): number {
    const f = this.failures.get(key);
    return f && f.until > Date.now() ? f.count : 0;
  }
}

/**
 * `login`: password, then a resume token, then the agent on the switch (contact,
 * status). Answers the ack with the token, then a snapshot.
 */
export async function login(ctx: DeskContext, throttle: LoginThrottle, c: Connection, m: Login, id: Id): Promise<void> {
  if (c.channel) throw new ClientError('ALREADY_LOGGED_IN', `this socket is logged in as ${c.channel.agent}`);
  const agent = grammar.agentName(m.agent);
  if (m.contact !== undefined) grammar.deskContact(m.contact);
  if (throttle.blocked(agent, c.address)) throw new ClientError('RATE_LIMITED', 'too many failed logins; try again in a minute');
  const ok = await ctx.passwords.verify(agent, m.password);
  c.check();
  if (!ok) {
    throttle.failed(agent, c.address);
    throw new ClientError('AUTH_FAILED', 'wrong agent or password');
  }
  // The resume token first: if the store fails here, nothing has changed on the switch yet.
  const token = await ctx.sessions.issue(agent, ctx.sessionTtlS);
  try {
    c.check();
    await loginOnSwitch(ctx, c, m, agent, id, token);
  } catch (err) {
    await ctx.sessions.revoke(token).catch((e: Error) => ctx.log.warn({ agent, err: e.message }, 'could not revoke the token of a failed login; it expires on its own'));
    throw err;
  }
}

async function loginOnSwitch(ctx: DeskContext, c: Connection, m: Login, agent: string, id: Id, token: string): Promise<void> {
  const { desk, callCenter, view } = ctx;
  const contact = m.contact === undefined ? undefined : grammar.deskContact(m.contact);
  const actor = { source: 'agent-desk' as const, id: agent, agent };
  if (!view.agents.has(agent)) await callCenter.getAgent(agent, actor);
  c.check();
  // A second seat moves the agent's contact to the new phone (put back if the login fails).
  const previousContact = view.agents.get(agent)?.contact;
  const moveContact = contact !== undefined && previousContact !== contact;
  if (moveContact) await callCenter.setAgentContact(agent, contact, actor);
  const status = m.ready ? 'Available' : 'On Break';
  const prior = desk.channel(agent);
  const graceWasRunning = !!prior && desk.graceRunning(prior);
  const ch = desk.attach(agent, c);
  c.channel = ch;
  if (!m.ready) desk.setBreakReason(ch, ch.breakReason ?? 'logged in');
  try {
    c.check();
    if (view.agents.get(agent)?.status !== status) await callCenter.setAgentStatus(agent, status, actor);
    c.check();
  } catch (err) {
    // A page that closed meanwhile left an agent the switch may now show as logged in:
    // like any vanished page, that starts the graces. A refused login starts none.
    if (err instanceof SocketClosed) desk.detach(ch, c, true);
    else desk.release(ch, c, graceWasRunning);
    c.channel = null;
    if (moveContact && previousContact && !(err instanceof SocketClosed)) {
      await callCenter.setAgentContact(agent, previousContact, actor).catch((e: Error) => ctx.log.warn({ agent, err: e.message }, 'could not put the contact back after a failed login'));
    }
    throw err;
  }
  c.token = token;
  await desk.settled(ch);
  c.reply({ type: 'ack', id, token, agent, seq: ch.seq });
  desk.push(ch, desk.snapshot(ch));
}
