/**
 * The desk page's reducer (web/desk/state.js, plain browser JS) under node: the
 * state it derives from server messages, and what the call bar, the status
 * buttons and the after-call panel may offer in each state. The browser test
 * (test/browser/agent-page.test.ts) checks the same model drives the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callBar,
  initialState,
  nextStatusControls,
  reduce,
  shownStatus,
  statusControls,
  wrapUpControls,
  type BarKind,
  type DeskMessage,
  type DeskState,
} from '../../web/desk/state.js';
import { callCommand, dialCommand, guessTargetKind, parseTarget } from '../../web/desk/commands.js';

const NOW = 1_795_000_000_000; // epoch ms
const A = '1001@default';
const M = 'member-1';

/** Freezes deeply so a reducer that mutates its input throws. */
function freeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) freeze(x);
  }
  return v;
}

/** Applies messages in order, each at NOW + i seconds, on frozen states. */
function run(s: DeskState, ...msgs: DeskMessage[]): DeskState {
  let out = freeze(s);
  msgs.forEach((m, i) => {
    out = freeze(reduce(out, m, NOW + i * 1000));
  });
  return out;
}

let seq = 10;
const push = (m: DeskMessage): DeskMessage => ({ ...m, seq: ++seq });

function snapshot(over: Record<string, unknown> = {}): DeskMessage {
  return push({
    type: 'snapshot',
    agent: { name: A, status: 'Available', state: 'Waiting', contact: 'user/1001', breakReason: null, statusChangedAt: 1_794_999_900 },
    queues: [{ name: 'support@default', level: 1, position: 1, tierState: 'Ready', waiting: 2 }],
    call: null,
    breakReasons: ['break', 'lunch'],
    switchConnected: true,
    ...over,
  });
}

/** A logged-in desk on an open socket with a snapshot. */
function loggedIn(): DeskState {
  return run(
    initialState(),
    { type: 'local/socket-open' },
    { type: 'local/login-start', id: 'login-1', agent: A },
    { type: 'ack', id: 'login-1', token: 'tok', agent: A, seq: 2 },
    snapshot(),
  );
}

const offered = (): DeskMessage => push({
  type: 'call.offered', queue: 'support@default', memberUuid: M, callerNumber: '15551234567', callerName: 'Alice', dnis: '7000',
  joinedAt: NOW / 1000 - 30, data: { tier: 'gold' }, phase: 'ringing', held: false, agentLegUuid: null,
});
const bridged = (): DeskMessage => push({
  type: 'call.bridged', queue: 'support@default', memberUuid: M, callerNumber: '15551234567', callerName: 'Alice',
  answeredAt: NOW / 1000, agentLegUuid: 'leg-1', held: false,
});

function enabled(s: DeskState): BarKind[] {
  const bar = callBar(s);
  return (Object.keys(bar) as BarKind[]).filter((k) => bar[k].enabled).sort();
}

test('login: pending until the ack; the ack makes the session, the desk view and asks to store it', () => {
  const before = run(initialState(), { type: 'local/socket-open' }, { type: 'local/login-start', id: 'login-1', agent: A });
  assert.equal(before.pending?.kind, 'login');
  assert.equal(before.view, 'login');
  const after = run(before, { type: 'ack', id: 'login-1', token: 'tok', agent: A, seq: 2 });
  assert.deepEqual(after.session, { agent: A, token: 'tok' });
  assert.equal(after.view, 'desk');
  assert.equal(after.pending, null);
  assert.equal(after.live, true);
  assert.ok(after.effects.includes('saveSession'));
  assert.ok(after.effects.includes('focus:status-title'));
  // An ack without a token is no session.
  const bad = run(before, { type: 'ack', id: 'login-1' });
  assert.equal(bad.session, null);
  assert.deepEqual(bad.error, { key: 'error.noSession' });
});

test('a reply to another id does not clear the pending command; an unrelated error is still shown', () => {
  const s = run(loggedIn(), { type: 'local/command', id: 'ready-2', kind: 'ready' });
  const other = run(s, { type: 'ack', id: 'ready-1' });
  assert.equal(other.pending?.id, 'ready-2');
  const err = run(s, { type: 'error', id: null, code: 'RATE_LIMITED', message: 'slow down' });
  assert.equal(err.pending?.id, 'ready-2');
  assert.deepEqual(err.error, { code: 'RATE_LIMITED', message: 'slow down' });
});

test('status: only a push changes it; the command only marks itself pending; time in status from the switch', () => {
  let s = loggedIn();
  assert.deepEqual(shownStatus(s), { status: 'Available', state: 'Waiting', breakReason: null, since: 1_794_999_900_000 });
  s = run(s, { type: 'local/command', id: 'busy-1', kind: 'busy' });
  assert.equal(shownStatus(s)?.status, 'Available', 'a command does not change the status on screen');
  assert.deepEqual(statusControls(s).busy, { enabled: false, pending: true });
  assert.equal(statusControls(s).ready.enabled, false, 'one command at a time');
  s = run(s, push({ type: 'agent.status', status: 'On Break', reason: 'lunch', changedAt: 1_795_000_000 }), { type: 'ack', id: 'busy-1', seq });
  assert.deepEqual(shownStatus(s), { status: 'On Break', state: 'Waiting', breakReason: 'lunch', since: 1_795_000_000_000 });
  assert.equal(s.pending, null);
  assert.deepEqual(statusControls(s).ready, { enabled: true, pending: false });
  assert.deepEqual(statusControls(loggedIn()).ready, { enabled: false, pending: false }, 'Ready does not apply when Available');
  // Without the server's time, the page's clock starts when it first sees the status and keeps it.
  s = run(s, push({ type: 'agent.status', status: 'Available', reason: null }));
  const since = s.statusSince;
  assert.ok(since !== null && since >= NOW);
  s = run(s, push({ type: 'agent.status', status: 'Available', reason: null }));
  assert.equal(s.statusSince, since, 'the same status again keeps its start');
});

test('a refused command shows the server code and changes nothing', () => {
  const s = run(loggedIn(), { type: 'local/command', id: 'busy-1', kind: 'busy' },
    { type: 'error', id: 'busy-1', code: 'SWITCH_REFUSED', message: '-ERR' });
  assert.equal(shownStatus(s)?.status, 'Available');
  assert.deepEqual(s.error, { code: 'SWITCH_REFUSED', message: '-ERR' });
  assert.equal(s.pending, null);
});

test('seq: a replayed push is applied once; a snapshot at the same seq is applied again', () => {
  let s = loggedIn();
  const q = push({ type: 'queue.waiting', queue: 'support@default', count: 5 });
  s = run(s, q);
  assert.equal(s.queues[0]?.waiting, 5);
  s = run(s, { ...q, count: 9 });
  assert.equal(s.queues[0]?.waiting, 5, 'same seq again: dropped');
  const snap = snapshot({ queues: [{ name: 'support@default', level: 1, position: 1, tierState: 'Ready', waiting: 1 }] });
  s = run(s, snap, snap);
  assert.equal(s.queues[0]?.waiting, 1);
  assert.equal(s.lastSeq, snap.seq);
});

test('call bar: nothing while ringing, the controls after call.bridged, held and muted as pushed, nothing while a control waits', () => {
  let s = loggedIn();
  assert.deepEqual(enabled(s), ['dial'], 'idle: only Dial');
  s = run(s, offered());
  assert.equal(s.call?.phase, 'ringing');
  assert.deepEqual(enabled(s), [], 'ringing: no control applies (NO_CALL until bridged)');
  s = run(s, bridged());
  assert.deepEqual(enabled(s), ['consult', 'hangup', 'hold', 'keypad', 'mute', 'transfer']);
  assert.equal(s.call?.data?.tier, 'gold', 'the record of the offer stays with the bridged call');

  s = run(s, { type: 'local/command', id: 'hold-1', kind: 'hold' });
  assert.deepEqual(enabled(s), [], 'one control at a time');
  assert.equal(callBar(s).hold.pending, true);
  assert.equal(callBar(s).hold.pressed, false, 'not held until the switch says so');
  s = run(s, push({ type: 'call.held', queue: 'support@default', memberUuid: M, held: true, agentLegUuid: 'leg-1' }), { type: 'ack', id: 'hold-1' });
  assert.equal(callBar(s).hold.pressed, true);
  assert.deepEqual(callCommand('hold', s.call), { type: 'call.unhold', memberUuid: M });

  s = run(s, push({ type: 'call.muted', queue: 'support@default', memberUuid: M, muted: true }));
  assert.equal(callBar(s).mute.pressed, true);
  assert.deepEqual(callCommand('mute', s.call), { type: 'call.unmute', memberUuid: M });
  // A push about another call changes nothing.
  s = run(s, push({ type: 'call.muted', queue: 'support@default', memberUuid: 'other', muted: false }));
  assert.equal(callBar(s).mute.pressed, true);

  // Switch lost: nothing can be done, and the status is not vouched for.
  const down = run(s, push({ type: 'link', switchConnected: false }));
  assert.deepEqual(enabled(down), []);
  assert.equal(shownStatus(down), null);
});

test('transfer: after call.transferred no control applies; call.ended makes an answered row and clears the call', () => {
  let s = run(loggedIn(), offered(), bridged());
  s = run(s, { type: 'local/command', id: 'transfer-1', kind: 'transfer' },
    push({ type: 'call.transferred', queue: 'support@default', memberUuid: M, kind: 'queue', to: 'sales@default' }),
    { type: 'ack', id: 'transfer-1' });
  assert.deepEqual(s.call?.transferred, { kind: 'queue', to: 'sales@default' });
  assert.deepEqual(enabled(s), []);
  s = run(s, push({ type: 'call.ended', queue: 'support@default', memberUuid: M, cause: 'Terminated', hangupCause: null, talkTimeS: 42 }));
  assert.equal(s.call, null);
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0]?.outcome, 'answered');
  assert.equal(s.calls[0]?.talkTimeS, 42);
  assert.equal(s.calls[0]?.number, '15551234567');
  assert.ok(s.effects.includes('saveCalls'));
  assert.deepEqual(enabled(s), ['dial']);
});

test('consult (proto-controls): pending while the target rings; then only complete, cancel, conference and mute; completed moves the call away', () => {
  let s = run(loggedIn(), offered(), bridged());
  s = run(s, { type: 'local/command', id: 'consult-1', kind: 'consult', target: '1002' });
  assert.deepEqual(enabled(s), [], 'while the target rings the consult is the one pending command');
  assert.equal(callBar(s).consult.pending, true);
  s = run(s, push({ type: 'call.consult', queue: 'support@default', memberUuid: M, state: 'talking', kind: 'extension', to: '1002' }), { type: 'ack', id: 'consult-1' });
  // Hang-up, hold, DTMF and transfer are NOT_ALLOWED while the consult talks.
  assert.deepEqual(enabled(s), ['conference', 'consultCancel', 'consultComplete', 'mute']);
  assert.equal(callBar(s).consult.pressed, true);
  const conf = run(s, push({ type: 'call.consult', queue: 'support@default', memberUuid: M, state: 'conference', kind: 'extension', to: '1002' }));
  assert.equal(callBar(conf).conference.pressed, true);
  assert.deepEqual(enabled(conf), ['hangup', 'mute'], 'in a conference the agent may leave');
  const back = run(s, push({ type: 'call.consult', queue: 'support@default', memberUuid: M, state: 'cancelled', kind: 'extension', to: '1002' }));
  assert.equal(back.call?.consult, null);
  assert.deepEqual(enabled(back), ['consult', 'hangup', 'hold', 'keypad', 'mute', 'transfer']);
  const done = run(s, push({ type: 'call.consult', queue: 'support@default', memberUuid: M, state: 'completed', kind: 'extension', to: '1002' }));
  assert.deepEqual(enabled(done), []);
  const ended = run(done, push({ type: 'call.ended', queue: 'support@default', memberUuid: M, cause: 'Terminated', hangupCause: null, talkTimeS: 20 }));
  assert.deepEqual(ended.calls[0]?.transferred, { kind: 'extension', to: '1002' });
});

test('call.transferred after call.ended (the order is not guaranteed) still marks the row', () => {
  let s = run(loggedIn(), offered(), bridged());
  s = run(s, push({ type: 'call.ended', queue: 'support@default', memberUuid: M, cause: 'Terminated', hangupCause: null, talkTimeS: 9 }));
  s = run(s, push({ type: 'call.transferred', queue: 'support@default', memberUuid: M, kind: 'queue', to: 'sales@default' }));
  assert.equal(s.calls.length, 1);
  assert.deepEqual(s.calls[0]?.transferred, { kind: 'queue', to: 'sales@default' });
  assert.ok(s.effects.includes('saveCalls'));
});

test('missed and cancelled calls: one row per member, with the status the switch moved the agent to', () => {
  let s = run(loggedIn(), offered());
  s = run(s, push({ type: 'call.missed', queue: 'support@default', memberUuid: M, callerNumber: '15551234567', callerName: 'Alice', hangupCause: 'NO_ANSWER', status: 'On Break' }));
  assert.equal(s.call, null);
  assert.equal(s.calls[0]?.outcome, 'missed');
  assert.equal(s.calls[0]?.statusMovedTo, 'On Break');
  // The caller then hangs up: still one row for the call.
  s = run(s, push({ type: 'call.ended', queue: 'support@default', memberUuid: M, cause: 'Cancel', hangupCause: 'ORIGINATOR_CANCEL', talkTimeS: 0 }));
  assert.equal(s.calls.length, 1);
  // A cancelled offer on screen: ended, with the cause.
  s = run(s, offered(), push({ type: 'call.ended', queue: 'support@default', memberUuid: 'member-2', cause: 'Cancel', hangupCause: 'ORIGINATOR_CANCEL', talkTimeS: 0 }));
  assert.equal(s.calls.length, 2);
  assert.equal(s.calls[0]?.outcome, 'ended');
  assert.equal(s.calls[0]?.cause, 'Cancel');
  assert.ok(s.call, 'the call on screen is another member and stays');
});

test('a snapshot without the call on screen records it as ended while away', () => {
  let s = run(loggedIn(), offered(), bridged());
  s = run(s, { type: 'local/socket-closed' });
  assert.equal(s.live, false);
  assert.deepEqual(enabled(s), []);
  s = run(s, { type: 'local/socket-open' }, { type: 'local/command', id: 'resume-1', kind: 'resume' }, snapshot());
  assert.equal(s.call, null);
  assert.equal(s.calls[0]?.whileAway, true);
  assert.equal(s.live, true, 'pushes after a resume mean the session is back');
});

test('resume: a session-gone error ends the session and pre-fills the login; a transient one closes the socket', () => {
  const base = run(initialState(), { type: 'local/restore', session: { agent: A, token: 'tok' }, calls: [] }, { type: 'local/socket-open' },
    { type: 'local/command', id: 'resume-1', kind: 'resume' });
  assert.equal(base.view, 'desk');
  const gone = run(base, { type: 'error', id: 'resume-1', code: 'BAD_TOKEN', message: 'token expired' });
  assert.equal(gone.session, null);
  assert.equal(gone.view, 'login');
  assert.equal(gone.loginAgent, A);
  assert.deepEqual(gone.error, { key: 'error.sessionEnded', code: 'BAD_TOKEN', message: 'token expired' });
  assert.ok(gone.effects.includes('saveSession'));
  const transient = run(base, { type: 'error', id: 'resume-1', code: 'SWITCH_DOWN', message: 'down' });
  assert.deepEqual(transient.session, { agent: A, token: 'tok' });
  assert.deepEqual(transient.effects, ['closeSocket']);
  const silent = run(base, { type: 'local/command-timeout', id: 'resume-1' });
  assert.deepEqual(silent.effects, ['closeSocket']);
});

test('socket lost while a command waits: the pending command is dropped with a message; logout ack restarts the socket', () => {
  const s = run(loggedIn(), { type: 'local/command', id: 'ready-1', kind: 'ready' }, { type: 'local/socket-closed' });
  assert.equal(s.pending, null);
  assert.deepEqual(s.error, { key: 'error.lostBeforeAnswer' });
  const out = run(loggedIn(), { type: 'local/command', id: 'logout-1', kind: 'logout' }, { type: 'ack', id: 'logout-1' });
  assert.equal(out.session, null);
  assert.equal(out.view, 'login');
  assert.equal(out.lastSeq, 0);
  assert.ok(out.effects.includes('restartSocket'));
});

test('outbound: the dial ack and outbound.state drive the line; an older state never wins; Dial again after the end', () => {
  let s = run(loggedIn(), { type: 'local/command', id: 'dial-1', kind: 'dial' });
  assert.equal(callBar(s).dial.pending, true);
  const action = (state: string, cause: string | null = null) => ({ id: 'act-1', agent: A, number: '+15551230800', callerId: '+15550001000', state, cause });
  s = run(s, push({ type: 'outbound.state', action: action('agent-ringing') }), { type: 'ack', id: 'dial-1', action: action('sent') });
  assert.equal(s.outbound?.state, 'agent-ringing', 'the ack (older) does not move the action back');
  assert.equal(callBar(s).dial.enabled, false, 'one outbound call at a time');
  s = run(s, push({ type: 'outbound.state', action: action('failed', 'NO_ANSWER') }));
  assert.equal(s.outbound?.cause, 'NO_ANSWER');
  assert.equal(callBar(s).dial.enabled, true);
  // Logged out: no dialling.
  s = run(s, push({ type: 'agent.status', status: 'Logged Out', reason: null }));
  assert.equal(callBar(s).dial.enabled, false);
});

test('after-call work: started, disposition filed, ended; an unfiled disposition can still be saved after the time is over', () => {
  const started = (): DeskMessage => push({
    type: 'acw.started', memberUuid: M, queue: 'support@default', startedAt: NOW / 1000, endsAt: NOW / 1000 + 30, wrapUpS: 30,
    dispositions: [{ code: 'resolved', label: 'Resolved' }, { code: 'callback', label: 'Call back' }], required: true,
  });
  let s = run(loggedIn(), started());
  assert.equal(s.wrapUp?.endsAt, NOW / 1000 + 30);
  assert.deepEqual(wrapUpControls(s), { save: { enabled: true, pending: false }, end: { enabled: true, pending: false } });
  s = run(s, { type: 'local/command', id: 'disposition-1', kind: 'disposition' });
  assert.deepEqual(wrapUpControls(s).save, { enabled: false, pending: true });
  s = run(s, push({ type: 'acw.disposition', memberUuid: M, code: 'resolved', notes: 'done' }), { type: 'ack', id: 'disposition-1' });
  assert.deepEqual(s.wrapUp?.disposition, { code: 'resolved', notes: 'done' });
  s = run(s, push({ type: 'acw.ended', memberUuid: M, reason: 'agent' }));
  assert.equal(s.wrapUp, null, 'filed and ended: the panel goes');

  // Not filed when the time runs out: the panel stays (filing is allowed 15 min after), End is gone.
  s = run(s, started(), push({ type: 'acw.ended', memberUuid: M, reason: 'timeout' }));
  assert.equal(s.wrapUp?.ended, 'timeout');
  assert.deepEqual(wrapUpControls(s), { save: { enabled: true, pending: false }, end: { enabled: false, pending: false } });
  s = run(s, push({ type: 'acw.disposition', memberUuid: M, code: 'callback', notes: '' }));
  assert.equal(s.wrapUp, null);
  // A new call ends it without waiting for a disposition.
  s = run(s, started(), push({ type: 'acw.ended', memberUuid: M, reason: 'next-call' }));
  assert.equal(s.wrapUp, null);
  // In the snapshot.
  s = run(s, snapshot({ acw: { ...started(), disposition: { code: 'resolved', notes: '' } } }));
  assert.deepEqual(s.wrapUp?.disposition, { code: 'resolved', notes: '' });
  assert.equal(s.wrapUp?.required, true);
});

test('next status: offered only during a call, shown as pushed', () => {
  let s = loggedIn();
  assert.equal(nextStatusControls(s).enabled, false);
  s = run(s, offered(), bridged());
  assert.equal(nextStatusControls(s).enabled, true);
  s = run(s, { type: 'local/command', id: 'nextStatus-1', kind: 'nextStatus', target: 'On Break' });
  assert.equal(nextStatusControls(s).pending, 'On Break');
  s = run(s, push({ type: 'agent.next-status', status: 'On Break', reason: 'lunch' }), { type: 'ack', id: 'nextStatus-1' });
  assert.deepEqual(nextStatusControls(s).current, { status: 'On Break', reason: 'lunch' });
  s = run(s, push({ type: 'agent.next-status', status: null, reason: null }));
  assert.equal(s.nextStatus, null);
});

test('a command the gateway does not know (UNKNOWN_TYPE) disables that button only, until the next connection', () => {
  let s = run(loggedIn(), offered(), bridged());
  s = run(s, { type: 'local/command', id: 'consult-1', kind: 'consult' },
    { type: 'error', id: 'consult-1', code: 'UNKNOWN_TYPE', message: 'unknown message type "call.consult"' });
  assert.deepEqual(enabled(s), ['hangup', 'hold', 'keypad', 'mute', 'transfer']);
  assert.deepEqual(s.error, { code: 'UNKNOWN_TYPE', message: 'unknown message type "call.consult"' });
  s = run(s, { type: 'local/socket-closed' }, { type: 'local/socket-open' }, { type: 'local/command', id: 'resume-1', kind: 'resume' }, { type: 'ack', id: 'resume-1' });
  assert.deepEqual(enabled(s), ['consult', 'hangup', 'hold', 'keypad', 'mute', 'transfer']);
});

test('unknown pushes and malformed messages change nothing', () => {
  const s = loggedIn();
  for (const m of [push({ type: 'call.unknown-thing' }), { type: 42 } as unknown as DeskMessage, null as unknown as DeskMessage]) {
    const out = reduce(s, m, NOW);
    assert.deepEqual({ ...out, effects: [], lastSeq: 0 }, { ...s, effects: [], lastSeq: 0 });
  }
});

test('commands: the page refuses what the gateway grammar refuses', () => {
  assert.deepEqual(parseTarget('extension', '1002'), { kind: 'extension', to: '1002' });
  assert.deepEqual(parseTarget('number', '+1 (555) 123-4567'), { kind: 'number', to: '+15551234567' });
  assert.deepEqual(parseTarget('queue', 'sales@default'), { kind: 'queue', to: 'sales@default' });
  // Spaces, dashes and brackets people type are dropped ("10 02" is 1002); anything else is refused.
  assert.deepEqual(parseTarget('extension', '10 02'), { kind: 'extension', to: '1002' });
  for (const bad of ['1002|user/1003', '{x=y}1002', 'user/1002', '1', '12a']) {
    assert.ok(parseTarget('extension', bad).error, `extension ${bad}`);
  }
  for (const bad of ['sofia/gateway/x/1555', '+1555|1', '555${x}', '+']) assert.ok(parseTarget('number', bad).error, `number ${bad}`);
  assert.ok(parseTarget('queue', 'sales default').error);
  assert.equal(guessTargetKind('sales@default'), 'queue');
  assert.equal(guessTargetKind('1002'), 'extension');
  assert.equal(guessTargetKind('+1 555 123 4567'), 'number');
  assert.ok(dialCommand('15551230800;x', 'k-12345678').error);
  assert.deepEqual(dialCommand(' +1 555 123 0800 ', 'k-12345678').msg, { type: 'dial', number: '+15551230800', idempotencyKey: 'k-12345678' });
  const call = run(loggedIn(), offered(), bridged()).call;
  assert.equal(callCommand('dtmf', call, { digits: '1 2' }), null);
  assert.deepEqual(callCommand('dtmf', call, { digits: '12#' }), { type: 'call.dtmf', memberUuid: M, digits: '12#' });
  assert.equal(callCommand('consult', call, { kind: 'queue', to: 'sales@default' }), null, 'a consult calls a person');
});

test('directory: the latest one replaces the last, whatever its order against numbered pushes; kept only in a session', () => {
  const dir = (state: string, waiting: number): DeskMessage => ({
    type: 'directory',
    agents: [
      { name: '1002@default', status: 'Available', state, onCall: state === 'In a queue call', available: state === 'Waiting', reachable: true },
      { name: '1003@default', status: 'On Break', state: 'Waiting', onCall: false, available: false, reachable: false },
      { bogus: true },
    ],
    queues: [{ name: 'support@default', waiting }],
    truncated: false,
  });
  assert.equal(run(initialState(), dir('Waiting', 1)).directory, null, 'no session: ignored');
  let s = run(loggedIn(), dir('Waiting', 1));
  const seqBefore = s.lastSeq;
  assert.equal(s.directory?.agents.length, 2, 'malformed entries dropped');
  assert.deepEqual(s.directory?.agents[0], { name: '1002@default', status: 'Available', state: 'Waiting', onCall: false, available: true, reachable: true });
  assert.equal(s.directory?.agents[1]?.reachable, false);
  assert.equal(s.directory?.queues[0]?.waiting, 1);
  s = run(s, dir('In a queue call', 3));
  assert.equal(s.directory?.agents[0]?.onCall, true);
  assert.equal(s.directory?.agents[0]?.available, false);
  assert.equal(s.directory?.queues[0]?.waiting, 3);
  assert.equal(s.lastSeq, seqBefore, 'not numbered: the push stream is untouched');
  // A snapshot (resume) leaves it; a new login or the end of the session drops it.
  s = run(s, snapshot());
  assert.ok(s.directory);
  assert.equal(run(s, { type: 'local/login-start', id: 'l2', agent: A }).directory, null);
  s = run(s, { type: 'local/command', id: 'lo', kind: 'logout' }, { type: 'ack', id: 'lo', seq: s.lastSeq });
  assert.equal(s.directory, null);
});

test('snapshot outbound: a reloaded page shows the dial in progress; none clears a running one but keeps a finished outcome', () => {
  const action = (state: string, cause: string | null = null) => ({ id: 'act-9', agent: A, number: '+15551230800', callerId: '+15550001000', state, cause });
  // A fresh page (reload): only the snapshot.
  let s = run(loggedIn(), snapshot({ outbound: action('agent-ringing') }));
  assert.equal(s.outbound?.state, 'agent-ringing');
  assert.equal(callBar(s).dial.enabled, false, 'one outbound call at a time');
  // The same action, further on, in a later snapshot.
  s = run(s, snapshot({ outbound: action('bridged') }));
  assert.equal(s.outbound?.state, 'bridged');
  // None in progress any more (it ended while the page was away): the line is free again.
  s = run(s, snapshot({ outbound: null }));
  assert.equal(s.outbound, null);
  assert.equal(callBar(s).dial.enabled, true);
  // A finished action on screen stays (its outcome), and a snapshot without the field changes nothing.
  s = run(s, push({ type: 'outbound.state', action: action('failed', 'NO_ANSWER') }), snapshot({ outbound: null }));
  assert.equal(s.outbound?.cause, 'NO_ANSWER');
  s = run(s, push({ type: 'outbound.state', action: { ...action('agent-ringing'), id: 'act-10' } }), snapshot());
  assert.equal(s.outbound?.id, 'act-10', 'an older gateway sends no outbound field: the page keeps what it had');
});

test('commands: an agent target becomes a call.transfer/call.consult of kind agent', () => {
  const call = { memberUuid: M } as Parameters<typeof callCommand>[1];
  assert.deepEqual(callCommand('transfer', call, { kind: 'agent', to: '1002@default' }), { type: 'call.transfer', memberUuid: M, kind: 'agent', to: '1002@default' });
  assert.deepEqual(callCommand('consult', call, { kind: 'agent', to: '1002@default' }), { type: 'call.consult', memberUuid: M, kind: 'agent', to: '1002@default' });
});
