/**
 * `show calls as json` as the real switch (1.10.12) answered it: an empty
 * table is `{"row_count": 0}` and a newline, without `rows`; rows carry every
 * column as a string, the B leg of a bridge in `b_*` columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShowCalls, SnapshotError } from '../../src/calls/snapshot.js';

test('the empty reply has no rows', () => {
  assert.equal(parseShowCalls('{"row_count": 0}\n').size, 0);
});

test('an unbridged channel and a bridge: both legs listed, each pointing at the other', () => {
  const body = JSON.stringify({
    row_count: 2,
    rows: [
      // Recorded on the real switch (a parked null channel), columns abridged.
      { uuid: 'b50ea3c1-b886-4d68-8bcb-3f98bdb6577f', direction: 'outbound', name: 'null/foreign', state: 'CS_EXECUTE', callstate: 'ACTIVE', b_uuid: '', b_name: '', b_callstate: '' },
      { uuid: 'm-1', name: 'loopback/7000-b', callstate: 'ACTIVE', b_uuid: 'a-1', b_name: 'sofia/internal/1001', b_callstate: 'HELD' },
    ],
  });
  const rows = parseShowCalls(body);
  assert.deepEqual(rows.get('b50ea3c1-b886-4d68-8bcb-3f98bdb6577f'), { uuid: 'b50ea3c1-b886-4d68-8bcb-3f98bdb6577f', name: 'null/foreign', callState: 'ACTIVE', bridgedTo: null });
  assert.deepEqual(rows.get('m-1'), { uuid: 'm-1', name: 'loopback/7000-b', callState: 'ACTIVE', bridgedTo: 'a-1' });
  assert.deepEqual(rows.get('a-1'), { uuid: 'a-1', name: 'sofia/internal/1001', callState: 'HELD', bridgedTo: 'm-1' });
});

test('an error text or a malformed reply is refused, not read as "no calls"', () => {
  assert.throws(() => parseShowCalls('-ERR SQL Error [no such table]\n'), SnapshotError);
  assert.throws(() => parseShowCalls('[]'), SnapshotError);
  assert.throws(() => parseShowCalls('{"row_count":1,"rows":{}}'), SnapshotError);
});
