/**
 * The audit trail names the agent each command is about because the domain
 * says so (the Actor it records), not by re-reading the command string.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { EslClient } from '../../src/esl/client.js';
import { CallCenter, type Actor, type CommandRecord } from '../../src/callcenter/service.js';
import { StateView } from '../../src/callcenter/state.js';
import { silentLogger } from '../../src/log.js';
import { FreeSwitchDouble } from '../../src/fsdouble/index.js';
import { AuditLog } from '../../src/store/audit.js';
import { startRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/stack.js';

test('agent and tier commands are recorded with the agent they are about, whoever asked', async () => {
  const fs = await FreeSwitchDouble.start();
  const server = await startRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0 });
  const client = new EslClient({ host: '127.0.0.1', port: fs.port, password: 'ClueCon', customSubclasses: ['callcenter::info'], logger: silentLogger() });
  const cc = new CallCenter(client, new StateView(), { logger: silentLogger(), resyncIntervalMs: 0 });
  const audit = new AuditLog(redis, 'audit', 1000, (err) => assert.fail(err));
  const records: CommandRecord[] = [];
  cc.on('command', (r) => {
    records.push(r);
    audit.record(r);
  });
  try {
    client.start();
    await once(cc, 'ready');
    // A script acting for nobody in particular: it names no agent itself.
    const script: Actor = { source: 'demo', id: 'script' };
    await cc.createAgent({ name: '1001@default', contact: 'user/1005@default', status: 'On Break' }, script);
    await cc.addTier('support@default', '1001@default', 1, 1, script);
    await cc.setAgentStatus('1001@default', 'Available', script);
    await cc.deleteTier('support@default', '1001@default', script);
    const mine = records.filter((r) => r.command.includes('1001@default'));
    assert.ok(mine.length >= 5, JSON.stringify(mine.map((r) => r.command)));
    for (const r of mine) assert.equal(r.actor.agent, '1001@default', r.command);
    // The resync's lists are about nobody.
    assert.ok(records.some((r) => r.command.endsWith('agent list') && r.actor.agent === undefined));
    await waitFor(async () => (await audit.query({ agent: '1001@default', limit: 100 })).length === mine.length, 'audit written');
    const entries = await audit.query({ agent: '1001@default', limit: 100 });
    assert.deepEqual(entries.map((e) => e.command).sort(), mine.map((r) => r.command).sort());
    assert.ok(entries.every((e) => e.actor === 'script' && e.source === 'demo'));
  } finally {
    cc.close();
    await client.stop();
    redis.disconnect();
    await server.stop();
    await fs.stop();
  }
});
