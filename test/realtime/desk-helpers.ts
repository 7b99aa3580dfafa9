import assert from 'node:assert/strict';
import { DeskClient, waitFor, type Stack } from '../helpers/stack.js';
import type { ServerMessage } from '../../src/realtime/protocol.js';

export const QUEUE = 'support@default';

/** Each agent's desk password (REST wants at least 8 characters). */
export function passwordOf(agent: string): string {
  return `pw-${agent.split('@')[0]}-secret`;
}

/** Creates an agent over REST (with its desk password) and, unless `queue` is null, a tier in the queue. */
export async function addAgent(
  s: Stack,
  name: string,
  opts: { contact?: string; queue?: string | null; maxNoAnswer?: number; status?: string } = {},
): Promise<void> {
  const body: Record<string, unknown> = { name, contact: opts.contact ?? `null/agent-${name.split('@')[0]}`, password: passwordOf(name) };
  if (opts.maxNoAnswer !== undefined) body.maxNoAnswer = opts.maxNoAnswer;
  if (opts.status !== undefined) body.status = opts.status;
  const created = await s.api('POST', '/api/agents', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const queue = opts.queue === undefined ? QUEUE : opts.queue;
  if (queue !== null) {
    const tier = await s.api('POST', '/api/tiers', { queue, agent: name });
    assert.equal(tier.status, 201, JSON.stringify(tier.body));
  }
}

export type Ack = Extract<ServerMessage, { type: 'ack' }>;
export type Snapshot = Extract<ServerMessage, { type: 'snapshot' }>;

/** Opens a socket and logs in; asserts the ack and returns it with the snapshot that follows. */
export async function login(
  s: Stack,
  agent: string,
  extra: { ready?: boolean; contact?: string; directory?: boolean } = {},
): Promise<{ desk: DeskClient; ack: Ack; snapshot: Snapshot }> {
  const desk = await DeskClient.open(s.url);
  const reply = await desk.request({ type: 'login', agent, password: passwordOf(agent), ...extra });
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  const snapshot = await desk.next('snapshot');
  return { desk, ack: reply, snapshot };
}

/** Index into fs.received, to look only at commands sent after it. */
export function mark(s: Stack): number {
  return s.fs.received.length;
}

export function commandsSince(s: Stack, from: number): string[] {
  return s.fs.received.slice(from);
}

/** Waits until the switch lists the agent with `status`. */
export async function switchStatus(s: Stack, agent: string, status: string, timeoutMs = 5000): Promise<void> {
  await waitFor(() => s.fs.agent(agent)?.status === status, `${agent} ${status} on the switch (is ${s.fs.agent(agent)?.status})`, timeoutMs);
}

/** Resolves when the socket is closed, with the close code. */
export function closed(desk: DeskClient): Promise<{ code: number; reason: string }> {
  if (desk.ws.readyState === desk.ws.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' });
  return new Promise((resolve) => desk.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Sequence numbers of the pushes a client received, in order. */
export function seqs(desk: DeskClient): number[] {
  return desk.received.flatMap((m) => ('seq' in m && m.type !== 'ack' && typeof m.seq === 'number' ? [m.seq] : []));
}
