// Agent desk: the shell. It owns the one state, feeds every server message and
// page event through the reducer (state.js), runs the effects the reducer asks
// for, sends commands (commands.js) over the socket (socket.js) and lets the
// view (view.js, dialogs.js) draw the result. Protocol: src/realtime/protocol.ts
// plus the controls / outbound / after-call additions (README, "Agent desk page").

import { initI18n, t, setLocale, onLocaleChange, currentLocale, LOCALES } from '../lib/i18n.js';
import { $, isDisabled } from './dom.js';
import { callBar, canCommand, initialState, nextStatusControls, reduce, wrapUpControls } from './state.js';
import { callCommand, dialCommand, newIdempotencyKey } from './commands.js';
import { createSocket } from './socket.js';
import { createView, BAR_BUTTONS } from './view.js';
import { createDialogs } from './dialogs.js';
import * as storage from './storage.js';

// The server answers every command itself (including SWITCH_TIMEOUT); this is
// only a backstop so a lost reply cannot leave a button spinning forever.
const COMMAND_BACKSTOP_MS = 30000;
const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

let state = initialState();
let nextId = 1;
let backstop = null;
let view = null;
let dialogs = null;
// Keypad digits typed faster than the switch confirms them: sent one by one, in order.
const dtmfQueue = [];
// What to send when a command is acknowledged (filing the disposition, then ending wrap-up).
let afterAck = null;

const socket = createSocket({
  url: WS_URL,
  onOpen() {
    dispatch({ type: 'local/socket-open' });
    if (state.session) sendResume();
    else socket.resetBackoff();
  },
  onMessage(msg) {
    const waited = state.pending;
    dispatch(msg);
    if (waited && (msg.type === 'ack' || msg.type === 'error') && msg.id === waited.id) replied(waited, msg);
  },
  onClose() {
    dtmfQueue.length = 0;
    afterAck = null;
    dispatch({ type: 'local/socket-closed' });
  },
  onChange() {
    view?.renderConnection(state);
  },
});

function dispatch(msg) {
  const before = state;
  state = reduce(state, msg, Date.now());
  if (state.pending !== before.pending) armBackstop();
  if (state.loginAgent && state.loginAgent !== before.loginAgent) $('login-agent').value = state.loginAgent;
  for (const effect of state.effects) runEffect(effect);
  draw();
}

function draw(force = false) {
  view.render(state, Date.now(), { force });
  dialogs.render(state);
  dialogs.follow(state);
}

function armBackstop() {
  clearTimeout(backstop);
  backstop = null;
  const p = state.pending;
  if (p) backstop = setTimeout(() => dispatch({ type: 'local/command-timeout', id: p.id }), COMMAND_BACKSTOP_MS);
}

function runEffect(effect) {
  if (effect === 'saveSession') storage.saveSession(state.session);
  else if (effect === 'saveCalls') storage.saveCalls(state.session, state.calls);
  else if (effect === 'resetBackoff') socket.resetBackoff();
  else if (effect === 'clearPassword') $('login-password').value = '';
  else if (effect === 'closeSocket') socket.close(4000, 'resume failed');
  else if (effect === 'restartSocket') {
    // A new socket that never carried the old session; the next login goes over it.
    queueMicrotask(() => {
      dispatch({ type: 'local/socket-closed' });
      socket.restart();
    });
  } else if (effect.startsWith('focus:')) {
    const id = effect.slice('focus:'.length);
    queueMicrotask(() => $(id)?.focus());
  }
}

// ---------------------------------------------------------------------------
// Commands

/** Sends one command if none is waiting and the session can act; false otherwise. */
function sendCommand(kind, msg, extra = {}) {
  if (!msg || state.pending || !canCommand(state)) return false;
  const id = `${kind}-${nextId++}`;
  dispatch({ type: 'local/command', id, kind, ...extra });
  if (!socket.send({ ...msg, id })) {
    dispatch({ type: 'local/command-unsent', id });
    return false;
  }
  return true;
}

function sendResume() {
  const id = `resume-${nextId++}`;
  dispatch({ type: 'local/command', id, kind: 'resume' });
  socket.send({ type: 'resume', id, agent: state.session.agent, token: state.session.token, lastSeq: state.lastSeq, directory: true });
}

/** What the page does when a command it sent got its answer (the state already has it). */
function replied(p, msg) {
  const ok = msg.type === 'ack';
  if (p.kind === 'dtmf') {
    if (ok) dialogs.digitSent(p.target);
    else dtmfQueue.length = 0;
    sendNextDigit();
  } else if (p.kind === 'dial' && ok) {
    $('dial-number').value = '';
  }
  const next = afterAck;
  afterAck = null;
  if (ok && next) next();
}

function onLoginSubmit(ev) {
  ev.preventDefault();
  if (state.pending) return;
  const agent = $('login-agent').value.trim();
  const password = $('login-password').value;
  const contact = $('login-contact').value.trim();
  const ready = $('login-ready').checked;
  if (!agent || !password) {
    dispatch({ type: 'local/error', key: !agent ? 'error.enterAgent' : 'error.enterPassword' });
    $(!agent ? 'login-agent' : 'login-password').focus();
    return;
  }
  if (!state.socketOpen) {
    dispatch({ type: 'local/error', key: 'error.notConnectedYet' });
    return;
  }
  const id = `login-${nextId++}`;
  dispatch({ type: 'local/login-start', id, agent });
  // directory: asks for the transfer dialog's list of agents and queues (the page is served by the gateway it talks to).
  const msg = { type: 'login', id, agent, password, ready, directory: true };
  if (contact) msg.contact = contact;
  if (!socket.send(msg)) {
    dispatch({ type: 'local/command-unsent', id });
    dispatch({ type: 'local/error', key: 'error.notConnectedYet' });
  }
}

const onReady = () => sendCommand('ready', { type: 'ready' });
const onLogout = () => sendCommand('logout', { type: 'logout' });
function onBreak() {
  const reason = $('break-reason-select').value;
  sendCommand('busy', reason ? { type: 'busy', reason } : { type: 'busy' });
}

/** A button of the call bar (or its shortcut): only when the model says it applies. */
function onBar(kind) {
  const bar = callBar(state);
  if (!bar[kind] || !bar[kind].enabled) return;
  switch (kind) {
    case 'keypad':
      dialogs.openKeypad();
      break;
    case 'transfer':
    case 'consult':
      dialogs.open(kind, state);
      break;
    case 'dial':
      if ($('dial-number').value.trim()) onDial();
      else $('dial-number').focus();
      break;
    default:
      sendCommand(kind, callCommand(kind, state.call));
  }
}

function onTransferSubmit(mode, target) {
  if (!callBar(state)[mode].enabled) return;
  sendCommand(mode, callCommand(mode, state.call, target), { target: target.to });
}

function onDtmf(digit) {
  if (!callBar(state).keypad.enabled && !state.pending) return;
  if (dtmfQueue.length >= 32) return;
  dtmfQueue.push(digit);
  if (!state.pending) sendNextDigit();
}

function sendNextDigit() {
  while (dtmfQueue.length && !state.pending) {
    const digit = dtmfQueue.shift();
    if (!callBar(state).keypad.enabled) {
      dtmfQueue.length = 0;
      return;
    }
    sendCommand('dtmf', callCommand('dtmf', state.call, { digits: digit }), { target: digit });
  }
}

function onDial(ev) {
  ev?.preventDefault();
  if (!callBar(state).dial.enabled) return;
  const built = dialCommand($('dial-number').value, newIdempotencyKey());
  if (built.error) {
    dispatch({ type: 'local/error', key: built.error });
    $('dial-number').focus();
    return;
  }
  sendCommand('dial', built.msg);
}

function onDialKey(digit) {
  const input = $('dial-number');
  if (input.disabled) return;
  input.value = (input.value + digit).slice(0, 32);
}

function onNextStatus(status) {
  const n = nextStatusControls(state);
  if (!n.enabled) return;
  const cancel = n.current && n.current.status === status;
  const msg = { type: 'next-status', status: cancel ? null : status };
  if (!cancel && status === 'On Break') {
    const reason = $('break-reason-select').value;
    if (reason) msg.reason = reason;
  }
  sendCommand('nextStatus', msg, { target: status });
}

// A desk message may be 4 KiB at most: notes in Chinese take 3 bytes a character.
const NOTES_MAX_BYTES = 3500;

function dispositionMessage() {
  const w = state.wrapUp;
  const code = $('wrapup-disposition').value;
  const notes = $('wrapup-notes').value.trim().slice(0, 2000);
  if (!w || !code) return null;
  if (new TextEncoder().encode(notes).length > NOTES_MAX_BYTES) return { tooLong: true };
  const msg = { type: 'call.disposition', memberUuid: w.memberUuid, code };
  if (notes) msg.notes = notes;
  return msg;
}

function onWrapUpSave() {
  if (!wrapUpControls(state).save.enabled) return;
  const msg = dispositionMessage();
  if (!msg || msg.tooLong) {
    dispatch({ type: 'local/error', key: msg ? 'wrapup.notesTooLong' : 'wrapup.pickFirst' });
    $(msg ? 'wrapup-notes' : 'wrapup-disposition').focus();
    return;
  }
  sendCommand('disposition', msg);
}

// End wrap-up: a disposition picked but not filed yet is filed first, then acw.end.
function onWrapUpEnd(ev) {
  ev?.preventDefault();
  const w = state.wrapUp;
  if (!w || !wrapUpControls(state).end.enabled) return;
  const msg = dispositionMessage();
  if (msg && msg.tooLong) {
    dispatch({ type: 'local/error', key: 'wrapup.notesTooLong' });
    $('wrapup-notes').focus();
    return;
  }
  const filed = w.disposition && msg && w.disposition.code === msg.code && (w.disposition.notes || '') === (msg.notes || '');
  if (msg && !filed) {
    if (sendCommand('disposition', msg)) afterAck = () => sendCommand('acwEnd', { type: 'acw.end' });
    return;
  }
  if (w.required && !w.disposition) {
    dispatch({ type: 'local/error', key: 'wrapup.pickFirst' });
    $('wrapup-disposition').focus();
    return;
  }
  sendCommand('acwEnd', { type: 'acw.end' });
}

// ---------------------------------------------------------------------------
// Keyboard: Alt+letter by e.code, so it works whatever character Alt+letter types (macOS).

const SHORTCUTS = new Map([
  ['KeyR', onReady],
  ['KeyB', onBreak],
  ['KeyL', onLogout],
  ['KeyE', onWrapUpEnd],
  ...BAR_BUTTONS.map((b) => [b.code, () => onBar(b.kind)]),
]);

function onKeyDown(e) {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const action = SHORTCUTS.get(e.code);
  if (!action || $('desk-view').hidden || dialogs.isOpen()) return;
  e.preventDefault();
  action();
}

function click(id, fn) {
  $(id).addEventListener('click', () => {
    if (!isDisabled($(id))) fn();
  });
}

// ---------------------------------------------------------------------------
// Start

async function start() {
  await initI18n(['desk']);
  view = createView({
    t,
    locale: currentLocale,
    on: {
      bar: onBar,
      dtmf: onDtmf,
      dialKey: onDialKey,
      setLocale: (l) => void setLocale(l),
      locales: LOCALES,
    },
  });
  dialogs = createDialogs({ t, on: { submit: onTransferSubmit, dtmf: onDtmf, closed: () => draw() } });
  $('lang-select').value = currentLocale();
  onLocaleChange((l) => {
    $('lang-select').value = l;
    draw(true);
  });

  $('login-form').addEventListener('submit', onLoginSubmit);
  click('btn-ready', onReady);
  click('btn-break', onBreak);
  click('btn-logout', onLogout);
  click('btn-next-break', () => onNextStatus('On Break'));
  click('btn-next-logout', () => onNextStatus('Logged Out'));
  click('btn-wrapup-save', onWrapUpSave);
  click('btn-wrapup-close', () => dispatch({ type: 'local/wrapup-dismiss' }));
  $('wrapup-form').addEventListener('submit', onWrapUpEnd);
  $('dial-form').addEventListener('submit', onDial);
  document.addEventListener('keydown', onKeyDown);
  window.addEventListener('online', () => {
    view.renderConnection(state);
    socket.wake();
  });
  window.addEventListener('offline', () => view.renderConnection(state));

  const session = storage.loadSession();
  if (session) dispatch({ type: 'local/restore', session, calls: storage.loadCalls(session.agent) });
  else draw(true);
  setInterval(() => view.tick(state, Date.now()), 1000);
  socket.connect();
}

void start();
