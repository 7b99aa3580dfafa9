/**
 * The directory feed (src/realtime/directory.ts) in process, on a real StateView:
 * what a page is sent (its colleagues, not itself; bounded; the serialisation
 * shared per listing equals the plain one), and the coalescing counted: a burst
 * of changes is one directory, changes within the interval are one more, an
 * unchanged directory is not sent again, a logged-out socket gets nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateView, newAgent } from '../../src/callcenter/state.js';
import { DirectoryFeed, directoryOf, inDirectory, type DirectorySocket } from '../../src/realtime/directory.js';
import type { DirectoryMessage } from '../../src/realtime/protocol.js';
import { waitFor } from '../helpers/stack.js';

const Q = 'support@default';
const SALES = 'sales@default';

function viewOf(n: number): StateView {
  const view = new StateView();
  for (let i = 0; i < n; i++) {
    const name = `${1000 + i}@default`;
    view.putAgent({ ...newAgent(name), contact: i % 3 === 2 ? `loopback/${1000 + i}/default` : `{ignore_early_media=true}user/${1000 + i}@default`, status: i % 2 ? 'On Break' : 'Available' });
    view.putTier({ queue: Q, agent: name, state: 'Ready', level: 1, position: 1 });
  }
  return view;
}

function page(agent: string): DirectorySocket & { got: string[]; channel: { agent: string } | null } {
  const got: string[] = [];
  return {
    got,
    channel: { agent },
    send(json) {
      got.push(json);
      return true;
    },
  };
}

test('content: colleagues of my queues only, available first, bounded; the shared serialisation equals the plain one', async () => {
  const view = viewOf(8);
  view.putAgent({ ...newAgent('2000@default'), contact: 'user/2000', status: 'Available' });
  view.putTier({ queue: SALES, agent: '2000@default', state: 'Ready', level: 1, position: 1 });
  const d = directoryOf(view, '1000@default');
  assert.equal(d.agents.some((a) => a.name === '1000@default'), false, 'not itself');
  assert.equal(d.agents.some((a) => a.name === '2000@default'), false, 'not another queue’s agent');
  assert.deepEqual(d.agents.map((a) => a.available), [true, true, true, false, false, false, false]);
  assert.equal(d.agents.find((a) => a.name === '1002@default')?.reachable, false, 'loopback contact');
  assert.equal(d.agents.find((a) => a.name === '1001@default')?.reachable, true, 'user/EXT@DOMAIN behind channel variables');
  assert.equal(inDirectory(view, '1000@default', '1001@default'), true);
  assert.equal(inDirectory(view, '1000@default', '1000@default'), false);
  assert.equal(inDirectory(view, '1000@default', '2000@default'), false);
  const small = directoryOf(view, '1000@default', 3);
  assert.equal(small.agents.length, 3);
  assert.equal(small.truncated, true);

  const feed = new DirectoryFeed(view, { intervalMs: 0, maxAgents: 3 });
  try {
    const p = page('1003@default');
    feed.attach(p, '1003@default');
    // The first listed (available first, then by name) goes on break: the list changes.
    view.putAgent({ ...view.agents.get('1000@default')!, status: 'On Break' });
    await waitFor(() => p.got.length === 2, 'the change sent');
    // The second came through the per-listing serialisation: identical to the plain one.
    assert.equal(p.got[1], JSON.stringify(directoryOf(view, '1003@default', 3)));
    const m = JSON.parse(p.got[1]) as DirectoryMessage;
    assert.equal(m.truncated, true);
    assert.equal(m.agents.length, 3);
  } finally {
    feed.close();
  }
});

test('coalescing, counted: a burst is one directory; changes within the interval one more; an unchanged directory none; a logged-out socket none', async () => {
  const view = viewOf(20);
  let clock = 0;
  const feed = new DirectoryFeed(view, { intervalMs: 1000, now: () => clock });
  try {
    const p = page('1000@default');
    feed.attach(p, '1000@default');
    assert.equal(p.got.length, 1, 'at once at attach');
    clock = 5000;
    // A burst of 50 changes in one turn of the event loop (a resync, a busy switch): one directory.
    for (let i = 0; i < 50; i++) {
      const name = `${1001 + (i % 19)}@default`;
      const a = view.agents.get(name)!;
      view.putAgent({ ...a, status: a.status === 'Available' ? 'On Break' : 'Available' });
    }
    await waitFor(() => p.got.length === 2, 'one directory for the burst');
    // More changes (an odd number: 1001 ends changed), the clock not advanced: due, but held to the interval.
    for (let i = 0; i < 31; i++) {
      const a = view.agents.get('1001@default')!;
      view.putAgent({ ...a, status: a.status === 'Available' ? 'On Break' : 'Available' });
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.got.length, 2, 'nothing within the interval');
    clock = 6000;
    await waitFor(() => p.got.length === 3, 'the latest state once the interval is over', 5000);
    assert.equal(p.got[2], JSON.stringify(directoryOf(view, '1000@default')));
    // Counters the directory does not show: nothing.
    clock = 9000;
    view.putAgent({ ...view.agents.get('1001@default')!, callsAnswered: 7, talkTime: 99 });
    // A change that ends where it began: a flush, and no directory (the same as the last one).
    const a = view.agents.get('1002@default')!;
    view.putAgent({ ...a, status: 'Logged Out' });
    view.putAgent(a);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.got.length, 3);
    // Logged out: the feed drops the socket at its next flush.
    p.channel = null;
    view.putAgent({ ...view.agents.get('1003@default')!, status: 'Logged Out' });
    await waitFor(() => feed.subscribed === 0, 'subscription dropped');
    assert.equal(p.got.length, 3);
  } finally {
    feed.close();
  }
});
