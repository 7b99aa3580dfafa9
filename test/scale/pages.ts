/**
 * Desk pages through a balancer in front of several gateway instances (test/scale/cluster.ts):
 * agents over REST, logins and resumes through the balancer, which instance holds pages, and the
 * pushes a page received.
 */
import assert from 'node:assert/strict';
import { DeskClient } from '../helpers/stack.js';
import { passwordOf } from '../realtime/desk-helpers.js';
import { deskSockets, type Balanced, type Instance } from './cluster.js';
import type { ServerMessage } from '../../src/realtime/protocol.js';

/** An agent with its desk password and a tier in support@default, created over REST. */
export async function addAgent(c: Balanced, name: string, contact = `null/agent-${name.split('@')[0]}`): Promise<void> {
  const created = await c.api('POST', '/api/agents', { name, contact, password: passwordOf(name) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const tier = await c.api('POST', '/api/tiers', { queue: 'support@default', agent: name });
  assert.equal(tier.status, 201, JSON.stringify(tier.body));
}

export async function loginVia(url: string, agent: string, ready: boolean): Promise<{ desk: DeskClient; token: string }> {
  const desk = await DeskClient.open(url);
  const ack = await desk.request({ type: 'login', agent, password: passwordOf(agent), ready });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  await desk.next('snapshot');
  return { desk, token: (ack as { token: string }).token };
}

/** The live instances holding at least one desk socket. */
export async function instanceWithPages(c: Balanced): Promise<Instance[]> {
  const out: Instance[] = [];
  for (const i of c.instances) if (i.proc.exitCode === null && i.proc.signalCode === null && (await deskSockets(i)) > 0) out.push(i);
  return out;
}

export type Push = Extract<ServerMessage, { seq: number }>;
export function pushes(desk: DeskClient): Push[] {
  return desk.received.filter((m): m is Push => m.type !== 'ack' && m.type !== 'error' && 'seq' in m);
}

/** Resumes through the balancer until an instance takes it (the first tries may meet the dead one). */
export async function resumeVia(url: string, agent: string, token: string, lastSeq: number): Promise<DeskClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      const desk = await DeskClient.open(url);
      const ack = await desk.request({ type: 'resume', agent, token, lastSeq });
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      return desk;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
