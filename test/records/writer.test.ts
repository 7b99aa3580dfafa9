/**
 * The batching writer on its own: what it hands to the database and when.
 * The write function here is a recorder standing in for one transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/log.js';
import type { LiveCall } from '../../src/records/model.js';
import type { Finished } from '../../src/records/store.js';
import { RecordWriter } from '../../src/records/writer.js';

const live = (uuid: string, state: LiveCall['state'] = 'waiting'): LiveCall => ({
  memberUuid: uuid, sessionUuid: '', queue: 'q@d', callerNumber: '1', callerName: '', destination: '', variables: {}, state,
  agent: null, agentUuid: null, joinedAt: 0, offeredAt: null, answeredAt: null, offers: [],
});
const ended = (uuid: string): Finished => ({ call: live(uuid), end: { endedAt: 1000, cause: 'Cancel', cancelReason: 'BREAK_OUT', hangupCause: null, agent: null, answeredAt: null } });

test('only the latest state of each call is written; an ended call writes its record and no live row', async () => {
  const batches: Array<{ live: string[]; finished: string[] }> = [];
  const w = new RecordWriter({ logger: silentLogger(), lingerMs: 5, write: async (l, f) => (batches.push({ live: l.map((c) => `${c.memberUuid}:${c.state}`), finished: f.map((x) => x.call.memberUuid) }), { inserted: f.length }) });
  w.live(live('a'));
  w.live(live('b'));
  w.live(live('a', 'offering'));
  w.finished(ended('b'));
  w.live(live('b', 'answered')); // late: b has ended
  await w.flush();
  assert.deepEqual(batches, [{ live: ['a:offering'], finished: ['b'] }]);
  await w.close();
});

test('a failed write keeps the batch and retries it; changes made meanwhile are not lost; the database not open yet is no failure', async () => {
  let open = false;
  let fail = 2;
  let errors = 0;
  const written: string[] = [];
  const w = new RecordWriter({
    logger: silentLogger(),
    lingerMs: 1,
    retryMinMs: 5,
    retryMaxMs: 10,
    canWrite: () => open,
    onError: () => errors++,
    write: async (_l, f) => {
      if (fail-- > 0) throw new Error('connection refused');
      written.push(...f.map((x) => x.call.memberUuid));
      return { inserted: f.length };
    },
  });
  w.finished(ended('1'));
  await new Promise((r) => setTimeout(r, 450));
  assert.equal(errors, 0, 'waiting for the database to open is not an error');
  assert.equal(fail, 2, 'no write tried before the database is open');
  open = true;
  const done = w.flush();
  w.finished(ended('2'));
  await done;
  assert.deepEqual(written, ['1', '2']);
  assert.equal(errors, 2);
  assert.equal(w.backlog, 0);
  assert.equal(w.healthy, true);
  await w.close();
});

test('a change that arrives while its call is being written is written after it, not dropped', async () => {
  const states: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let first = true;
  const w = new RecordWriter({
    logger: silentLogger(),
    lingerMs: 1,
    write: async (l) => {
      states.push(...l.map((c) => c.state));
      if (first) {
        first = false;
        await gate;
      }
      return { inserted: 0 };
    },
  });
  w.live(live('a', 'waiting'));
  await new Promise((r) => setTimeout(r, 20)); // the first write is in flight
  w.live(live('a', 'answered'));
  release();
  await w.flush();
  assert.deepEqual(states, ['waiting', 'answered']);
  await w.close();
});
