// Agent desk: one WebSocket to the gateway (/ws), protocol in src/realtime/protocol.ts.
//
// Ground rules this file keeps:
// - The screen shows only what the server said. Commands never change the
//   displayed status; they mark the button pending until the ack/error that the
//   server sends after the switch confirmed or refused.
// - Every push carries a per-agent seq; a push at or below the last seq seen is
//   a replay duplicate and is dropped, so each event is displayed exactly once.
// - Server data (caller names, CRM records) is untrusted: it reaches the DOM only
//   through textContent / attribute setters, never as HTML.

const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const SESSION_KEY = 'ccdesk.session';
const CALLS_KEY = 'ccdesk.calls';
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
// The server answers every command itself (including SWITCH_TIMEOUT); this is
// only a backstop so a lost reply cannot leave a button spinning forever.
const COMMAND_BACKSTOP_MS = 30000;
const MAX_CALL_ROWS = 200;
// Resume errors after which retrying cannot help: the session is gone.
const SESSION_GONE_CODES = new Set(['BAD_TOKEN', 'AUTH_FAILED', 'AGENT_NOT_FOUND', 'NOT_LOGGED_IN', 'BAD_MESSAGE']);

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------
// Model: everything the page knows, as the server last told it.

const model = {
  session: loadSession(), // {agent, token} once logged in
  lastSeq: 0,
  socketOpen: false,
  live: false, // this socket carries our session (login or resume acked)
  switchConnected: true,
  agent: null, // AgentInfo
  queues: new Map(), // name -> QueueInfo
  breakReasons: [],
  call: null, // CallInfo of the call on screen
  calls: [], // session rows, newest first
  pending: null, // {id, kind, timer}: the one command awaiting ack/error
};

// ---------------------------------------------------------------------------
// Storage

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return s && typeof s.agent === 'string' && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

function saveSession(session) {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

// The calls list survives a reload of the tab (same login session). Rows carry
// the seq of the push that made them so a replay after reload cannot add a row twice.
function loadCalls(agent) {
  try {
    const s = JSON.parse(sessionStorage.getItem(CALLS_KEY) || 'null');
    return s && s.agent === agent && Array.isArray(s.rows) ? s.rows : [];
  } catch {
    return [];
  }
}

function saveCalls() {
  if (model.session) {
    sessionStorage.setItem(CALLS_KEY, JSON.stringify({ agent: model.session.agent, rows: model.calls }));
  } else {
    sessionStorage.removeItem(CALLS_KEY);
  }
}

// ---------------------------------------------------------------------------
// Connection

let ws = null;
let attempts = 0;
let reconnectTimer = null;
let nextId = 1;

function connect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  let sock;
  try {
    sock = new WebSocket(WS_URL);
  } catch {
    scheduleReconnect();
    return;
  }
  ws = sock;
  renderConnection();
  // Handlers check `ws === sock` so a socket we already replaced cannot touch the page.
  sock.addEventListener('open', () => {
    if (ws !== sock) return;
    model.socketOpen = true;
    if (model.session) sendResume();
    else attempts = 0;
    renderConnection();
    renderControls();
  });
  sock.addEventListener('message', (ev) => {
    if (ws !== sock) return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (msg && typeof msg === 'object') handleMessage(msg);
  });
  sock.addEventListener('close', () => {
    if (ws !== sock) return;
    ws = null;
    socketLost();
    scheduleReconnect();
  });
}

function scheduleReconnect() {
  if (reconnectTimer) return;
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempts);
  attempts += 1;
  // A little jitter so a gateway restart is not met by every desk in the same millisecond.
  const delay = Math.max(BACKOFF_MIN_MS, Math.round(base * (0.8 + Math.random() * 0.2)));
  reconnectTimer = setTimeout(connect, delay);
  renderConnection();
}

// Start over on a new socket at once: used after logout so the next login
// starts from a connection that never carried the old session.
function restartSocket() {
  const old = ws;
  ws = null;
  model.socketOpen = false;
  model.live = false;
  if (old) old.close(1000, 'restart');
  attempts = 0;
  connect();
}

function socketLost() {
  model.socketOpen = false;
  model.live = false;
  const p = model.pending;
  if (p) {
    clearPending();
    if (p.kind === 'login') showError('Connection to the gateway was lost during login. Please try again.');
    else if (p.kind !== 'resume') {
      showError('Connection lost before the switch answered. Your status will update when the connection is back.');
    }
  }
  renderConnection();
  renderStatus();
  renderControls();
}

function send(msg) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(msg));
  return true;
}

function sendResume() {
  const id = `resume-${nextId++}`;
  setPending({ id, kind: 'resume' });
  send({ type: 'resume', id, agent: model.session.agent, token: model.session.token, lastSeq: model.lastSeq });
}

window.addEventListener('online', () => {
  renderConnection();
  // The network is back: do not sit out the rest of a long backoff.
  if (!ws) {
    attempts = 0;
    connect();
  }
});
window.addEventListener('offline', renderConnection);

// ---------------------------------------------------------------------------
// Commands (login, ready, busy, logout) and their replies

function setPending(p) {
  clearPending();
  p.timer = setTimeout(() => {
    if (model.pending !== p) return;
    clearPending();
    // An unanswered resume leaves the desk without a session: start over on a new socket.
    if (p.kind === 'resume') ws?.close(4000, 'resume unanswered');
    else showError('No answer from the gateway. Your status shows what the switch last reported.');
  }, COMMAND_BACKSTOP_MS);
  model.pending = p;
  renderControls();
}

function clearPending() {
  if (model.pending) clearTimeout(model.pending.timer);
  model.pending = null;
  renderControls();
}

function sendCommand(kind, msg) {
  if (model.pending || !canCommand()) return;
  const id = `${kind}-${nextId++}`;
  showError('');
  setPending({ id, kind });
  if (!send({ ...msg, id })) {
    clearPending();
    showError('Not connected to the gateway. Please wait until the connection is back.');
  }
}

function canCommand() {
  return model.socketOpen && model.live && model.switchConnected;
}

function handleReply(msg) {
  const p = model.pending;
  if (!p || msg.id == null || msg.id !== p.id) {
    // A reply to nothing we are waiting for: still worth showing if it is an error.
    if (msg.type === 'error') showError(msg.message || msg.code || 'Error', msg.code);
    return;
  }
  clearPending();
  if (msg.type === 'ack') onAck(p, msg);
  else onError(p, msg);
}

function onAck(p, msg) {
  switch (p.kind) {
    case 'login': {
      if (typeof msg.token !== 'string') {
        showError('The gateway did not return a session. Please try again.');
        return;
      }
      model.session = { agent: typeof msg.agent === 'string' ? msg.agent : p.agent, token: msg.token };
      saveSession(model.session);
      model.live = true;
      model.calls = [];
      saveCalls();
      attempts = 0;
      $('login-password').value = '';
      showView('desk');
      $('status-title').focus();
      renderAll();
      break;
    }
    case 'resume':
      model.live = true;
      attempts = 0;
      showError('');
      showView('desk');
      renderAll();
      break;
    case 'logout':
      endSession();
      restartSocket();
      $('login-agent').focus();
      break;
    default:
      // ready / busy: the new status arrives as an agent.status push.
      break;
  }
}

function onError(p, msg) {
  const text = msg.message || msg.code || 'Error';
  if (p.kind === 'resume') {
    if (SESSION_GONE_CODES.has(msg.code)) {
      const agent = model.session ? model.session.agent : '';
      endSession();
      $('login-agent').value = agent;
      showError(`Your session has ended: ${text}. Please log in again.`, msg.code);
      $('login-password').focus();
    } else {
      // Transient (switch down, rate limited…): try again on a fresh socket with backoff.
      showError(text, msg.code);
      if (ws) ws.close(4000, 'resume failed');
    }
    return;
  }
  showError(text, msg.code);
}

// Forget the login session and everything that belonged to it.
function endSession() {
  model.session = null;
  saveSession(null);
  model.live = false;
  model.lastSeq = 0;
  model.agent = null;
  model.queues = new Map();
  model.breakReasons = [];
  model.calls = [];
  model.switchConnected = true;
  saveCalls();
  showCall(null);
  showView('login');
  renderAll();
}

function onLoginSubmit(ev) {
  ev.preventDefault();
  if (model.pending) return;
  const agent = $('login-agent').value.trim();
  const password = $('login-password').value;
  const contact = $('login-contact').value.trim();
  const ready = $('login-ready').checked;
  if (!agent || !password) {
    showError(!agent ? 'Enter your agent name.' : 'Enter your password.');
    $(!agent ? 'login-agent' : 'login-password').focus();
    return;
  }
  if (!model.socketOpen) {
    showError('Not connected to the gateway yet. Please try again in a moment.');
    return;
  }
  showError('');
  // A new login starts a new seq stream and a new calls list.
  model.lastSeq = 0;
  model.agent = null;
  model.queues = new Map();
  showCall(null);
  const id = `login-${nextId++}`;
  setPending({ id, kind: 'login', agent });
  const msg = { type: 'login', id, agent, password, ready };
  if (contact) msg.contact = contact;
  if (!send(msg)) {
    clearPending();
    showError('Not connected to the gateway yet. Please try again in a moment.');
  }
}

function onReady() {
  sendCommand('ready', { type: 'ready' });
}

function onBreak() {
  const reason = $('break-reason-select').value;
  const msg = { type: 'busy' };
  if (reason) msg.reason = reason;
  sendCommand('busy', msg);
}

function onLogout() {
  sendCommand('logout', { type: 'logout' });
}

// Shortcuts use e.code so they work whatever character Alt+letter types (macOS).
const SHORTCUTS = { KeyR: onReady, KeyB: onBreak, KeyL: onLogout };

function onKeyDown(e) {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const action = SHORTCUTS[e.code];
  if (!action || $('desk-view').hidden) return;
  e.preventDefault();
  action();
}

// ---------------------------------------------------------------------------
// Incoming messages

function handleMessage(msg) {
  if (msg.type === 'ack' || msg.type === 'error') {
    handleReply(msg);
    return;
  }
  if (typeof msg.seq === 'number') {
    // A snapshot is a whole state, so one at the current seq is applied again
    // (harmless); any other push at or below lastSeq was already displayed.
    if (msg.type === 'snapshot' ? msg.seq < model.lastSeq : msg.seq <= model.lastSeq) return;
    model.lastSeq = msg.seq;
  }
  // Pushes after a resume mean the session is back, even if the ack comes later.
  if (model.session && model.pending?.kind !== 'login') {
    model.live = true;
    attempts = 0;
  }
  applyPush(msg);
}

function applyPush(msg) {
  switch (msg.type) {
    case 'snapshot':
      applySnapshot(msg);
      break;
    case 'agent.status':
      model.agent = { ...(model.agent || emptyAgent()), status: msg.status, breakReason: msg.reason ?? null };
      renderStatus();
      break;
    case 'agent.state':
      model.agent = { ...(model.agent || emptyAgent()), state: msg.state };
      renderStatus();
      break;
    case 'agent.contact':
      model.agent = { ...(model.agent || emptyAgent()), contact: msg.contact };
      renderWho();
      break;
    case 'call.offered':
      onCallOffered(msg);
      break;
    case 'call.bridged':
      onCallBridged(msg);
      break;
    case 'call.ended':
      onCallEnded(msg);
      break;
    case 'call.missed':
      onCallMissed(msg);
      break;
    case 'queue.waiting': {
      const q = model.queues.get(msg.queue) || { name: msg.queue, level: 0, position: 0, tierState: '', waiting: 0 };
      model.queues.set(msg.queue, { ...q, waiting: msg.count });
      renderQueues();
      break;
    }
    case 'link':
      model.switchConnected = msg.switchConnected !== false;
      renderConnection();
      renderStatus();
      renderControls();
      break;
    default:
      break; // newer server, older page: ignore what we do not know
  }
}

function emptyAgent() {
  return { name: model.session ? model.session.agent : '', status: '', state: '', contact: '', breakReason: null };
}

function applySnapshot(s) {
  model.agent = s.agent || null;
  model.queues = new Map((s.queues || []).map((q) => [q.name, q]));
  model.breakReasons = Array.isArray(s.breakReasons) ? s.breakReasons : [];
  model.switchConnected = s.switchConnected !== false;
  const had = model.call;
  const now = s.call ? callFrom(s.call) : null;
  if (had && (!now || now.memberUuid !== had.memberUuid)) {
    // The call on screen finished while we were away and the server could not replay how.
    addCallRow({ seq: s.seq, call: had, outcome: 'ended', detail: 'ended while the desk was disconnected' });
  }
  showCall(now);
  renderAll();
}

// ---------------------------------------------------------------------------
// Calls: the screen pop and the session list

function callFrom(c) {
  return {
    queue: c.queue ?? '',
    memberUuid: c.memberUuid ?? '',
    callerNumber: c.callerNumber ?? '',
    callerName: c.callerName ?? '',
    dnis: c.dnis ?? '',
    joinedAt: Number(c.joinedAt) || 0,
    data: c.data && typeof c.data === 'object' ? c.data : null,
    dataUnavailable: !!c.dataUnavailable,
    phase: c.phase === 'talking' ? 'talking' : 'ringing',
    answeredAt: c.answeredAt != null ? Number(c.answeredAt) : null,
  };
}

function onCallOffered(msg) {
  showCall(callFrom(msg));
}

function onCallBridged(msg) {
  const c = model.call && model.call.memberUuid === msg.memberUuid
    ? model.call
    : callFrom({ ...msg, data: null });
  showCall({
    ...c,
    phase: 'talking',
    answeredAt: Number(msg.answeredAt) || Date.now() / 1000,
    callerNumber: msg.callerNumber || c.callerNumber,
    callerName: msg.callerName || c.callerName,
  });
}

function onCallEnded(msg) {
  const current = model.call && model.call.memberUuid === msg.memberUuid ? model.call : null;
  // Without a card for it, a member that already has a row (say missed, then the
  // caller hung up) would be a second row for one call.
  if (!current && model.calls.some((r) => r.memberUuid === msg.memberUuid)) return;
  const call = current || callFrom(msg);
  const answered = (current && current.phase === 'talking') || msg.talkTimeS > 0;
  const talk = typeof msg.talkTimeS === 'number'
    ? msg.talkTimeS
    : current && current.answeredAt ? Date.now() / 1000 - current.answeredAt : 0;
  const detail = answered
    ? `talk time ${formatClock(talk)}`
    : [msg.cause, msg.hangupCause].filter(Boolean).join(', ');
  addCallRow({ seq: msg.seq, call, outcome: answered ? 'answered' : 'ended', detail, talkTimeS: answered ? Math.floor(talk) : null });
  if (current) showCall(null);
}

function onCallMissed(msg) {
  const current = model.call && model.call.memberUuid === msg.memberUuid ? model.call : null;
  if (!current && model.calls.some((r) => r.memberUuid === msg.memberUuid)) return;
  const call = current || callFrom(msg);
  const parts = [msg.hangupCause];
  if (msg.status) parts.push(`status moved to ${msg.status}`);
  addCallRow({ seq: msg.seq, call, outcome: 'missed', detail: parts.filter(Boolean).join(', ') });
  if (current) showCall(null);
}

function addCallRow({ seq, call, outcome, detail, talkTimeS }) {
  if (seq != null && model.calls.some((r) => r.seq === seq)) return;
  model.calls.unshift({
    seq: seq ?? null,
    at: Date.now(),
    memberUuid: call.memberUuid,
    number: call.callerNumber,
    name: call.callerName,
    queue: call.queue,
    outcome,
    detail,
    talkTimeS: talkTimeS ?? null,
  });
  model.calls.length = Math.min(model.calls.length, MAX_CALL_ROWS);
  saveCalls();
  renderCalls();
}

let popTimer = null;

// Rebuilds the card when a call appears, changes phase or goes; the running
// timers are updated in place by tickCall so they do not re-announce the card.
function showCall(call) {
  const before = model.call;
  model.call = call;
  const region = $('pop-region');
  clearInterval(popTimer);
  popTimer = null;
  if (!call) {
    // Only touch the live region when a card actually goes, or it would re-announce "No call".
    if (!$('pop-empty')) {
      region.replaceChildren(el('p', { class: 'empty', id: 'pop-empty', 'data-testid': 'pop-empty' }, 'No call right now.'));
    }
  } else if (!before || before.memberUuid !== call.memberUuid || before.phase !== call.phase ||
             $('pop') === null || !sameData(before, call)) {
    region.replaceChildren(renderPop(call));
  }
  if (call) {
    tickCall();
    popTimer = setInterval(tickCall, 1000);
  }
  document.title = !call ? 'Agent desk' : call.phase === 'ringing' ? 'Incoming call · Agent desk' : 'On call · Agent desk';
  renderStatus();
}

function sameData(a, b) {
  return JSON.stringify([a.data, a.dataUnavailable, a.callerNumber, a.callerName, a.queue, a.dnis]) ===
    JSON.stringify([b.data, b.dataUnavailable, b.callerNumber, b.callerName, b.queue, b.dnis]);
}

function renderPop(call) {
  const talking = call.phase === 'talking';
  const card = el('article', {
    class: `pop ${call.phase}`,
    id: 'pop',
    'data-testid': 'pop',
    'data-phase': call.phase,
    'data-member': call.memberUuid,
    'aria-labelledby': 'pop-heading',
  });
  const head = el('div', { class: 'pop-head' },
    el('h3', { id: 'pop-heading' }, talking ? 'On call' : 'Incoming call'),
    el('span', { class: 'phase', 'data-testid': 'pop-phase' }, talking ? 'talking' : 'ringing'));
  const caller = el('p', { class: 'caller' },
    el('span', { class: 'number', 'data-testid': 'pop-number' }, call.callerNumber || 'unknown number'),
    el('span', { class: 'name', 'data-testid': 'pop-name' }, call.callerName || ''));
  const facts = el('dl', { class: 'facts' },
    fact('Queue', el('span', { 'data-testid': 'pop-queue' }, call.queue)),
    fact('Dialled', el('span', { 'data-testid': 'pop-dnis' }, call.dnis || '—')),
    // role=timer is not announced on every tick, unlike the live region around it.
    fact('Queue time', el('span', { 'data-testid': 'pop-waiting', role: 'timer', 'aria-live': 'off', id: 'pop-waiting' }, '')));
  if (talking) {
    facts.append(fact('Talking', el('span', { 'data-testid': 'call-timer', role: 'timer', 'aria-live': 'off', id: 'call-timer', class: 'timer' }, '')));
  }
  card.append(head, caller, facts, el('h4', { class: 'record-title' }, 'Customer record'), renderRecord(call));
  return card;
}

function fact(label, valueNode) {
  return el('div', { class: 'fact' }, el('dt', {}, label), el('dd', {}, valueNode));
}

// Every field the server sent is shown: the dialplan decides what the agent needs.
function renderRecord(call) {
  if (!call.data || Object.keys(call.data).length === 0) {
    const text = !call.data && call.dataUnavailable ? 'customer record unavailable' : 'no customer record';
    return el('p', { class: `record-note${call.dataUnavailable ? ' warn' : ''}`, 'data-testid': 'pop-data-note' }, text);
  }
  const dl = el('dl', { class: 'record', 'data-testid': 'pop-data' });
  for (const [key, value] of Object.entries(call.data)) {
    dl.append(el('div', { class: 'record-row', 'data-testid': `pop-field-${key}` },
      el('dt', {}, key),
      el('dd', {}, fieldText(value))));
  }
  return dl;
}

function fieldText(v) {
  if (v == null) return '';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function tickCall() {
  const call = model.call;
  if (!call) return;
  const now = Date.now() / 1000;
  const waiting = $('pop-waiting');
  if (waiting && call.joinedAt) {
    const until = call.phase === 'talking' && call.answeredAt ? call.answeredAt : now;
    const s = Math.max(0, Math.floor(until - call.joinedAt));
    waiting.textContent = call.phase === 'talking' ? `waited ${formatSeconds(s)}` : `waiting for ${formatSeconds(s)}`;
  }
  const timer = $('call-timer');
  if (timer && call.answeredAt) timer.textContent = formatClock(Math.max(0, Math.floor(now - call.answeredAt)));
}

// ---------------------------------------------------------------------------
// Rendering: status, connection, controls, queues, session list

function renderAll() {
  renderConnection();
  renderWho();
  renderStatus();
  renderBreakReasons();
  renderControls();
  renderQueues();
  renderCalls();
}

function showView(view) {
  $('login-view').hidden = view !== 'login';
  $('desk-view').hidden = view !== 'desk';
  renderWho();
}

function connectionWord() {
  if (!navigator.onLine) return 'offline';
  return model.socketOpen ? 'connected' : 'reconnecting';
}

function renderConnection() {
  const word = connectionWord();
  const c = $('connection');
  if (c.textContent !== word) c.textContent = word;
  c.dataset.conn = word;
  $('switch-down').hidden = !(model.session && !model.switchConnected);
}

function renderWho() {
  const inDesk = !$('desk-view').hidden && !!model.session;
  $('who').hidden = !inDesk;
  $('agent-name').textContent = model.session ? model.session.agent : '';
  const contact = model.agent && model.agent.contact ? model.agent.contact : '';
  $('contact').textContent = contact;
  $('contact-wrap').hidden = !contact;
}

// The badge shows the server's status string, or "Unknown" whenever we cannot
// vouch for it (no session on this socket, or the gateway lost the switch).
function renderStatus() {
  const a = model.agent;
  const stale = !a || !a.status || !model.live || !model.switchConnected;
  const status = stale ? 'Unknown' : a.status;
  const state = stale || !a.state ? 'Unknown' : a.state;
  const badge = $('status');
  badge.textContent = status;
  badge.dataset.stale = String(stale);
  badge.dataset.tone = stale ? 'unknown' : toneFor(a);
  $('state').textContent = state;

  const note = $('stale-note');
  let noteText = '';
  if (model.session && !model.switchConnected) noteText = 'The switch is unreachable: your status is unknown until it is back.';
  else if (model.session && !model.live) noteText = 'Reconnecting: your status will show again once the gateway answers.';
  note.textContent = noteText;
  note.hidden = !noteText;

  const onBreak = !stale && a.status === 'On Break' && !!a.breakReason;
  $('break-reason').textContent = onBreak ? a.breakReason : '';
  $('reason-line').hidden = !onBreak;
}

function toneFor(a) {
  if (a.state === 'In a queue call' || (model.call && model.call.phase === 'talking')) return 'incall';
  switch (a.status) {
    case 'Available': return 'available';
    case 'Available (On Demand)': return 'ondemand';
    case 'On Break': return 'break';
    case 'Logged Out': return 'loggedout';
    default: return 'other';
  }
}

function renderBreakReasons() {
  const select = $('break-reason-select');
  const previous = select.value;
  const reasons = model.breakReasons;
  const options = reasons.length
    ? reasons.map((r) => el('option', { value: r }, r))
    : [el('option', { value: '' }, 'No reason')];
  select.replaceChildren(...options);
  if (reasons.includes(previous)) select.value = previous;
}

function renderControls() {
  const p = model.pending;
  const usable = canCommand();
  for (const [id, kind] of [['btn-ready', 'ready'], ['btn-break', 'busy'], ['btn-logout', 'logout']]) {
    const b = $(id);
    const isPending = !!p && p.kind === kind;
    // aria-disabled (not disabled) keeps keyboard focus on the button while it waits.
    setDisabled(b, !usable || !!p);
    setBusy(b, isPending);
  }
  $('break-reason-select').disabled = !usable;

  const submit = $('login-submit');
  const loginPending = !!p && p.kind === 'login';
  setDisabled(submit, loginPending);
  setBusy(submit, loginPending);

  $('pending-note').textContent = p && p.kind !== 'resume' ? 'Waiting for the switch to confirm…' : '';
}

function setDisabled(button, disabled) {
  if (disabled) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

function setBusy(button, busy) {
  if (busy) {
    button.setAttribute('aria-busy', 'true');
    button.dataset.pending = 'true';
  } else {
    button.removeAttribute('aria-busy');
    delete button.dataset.pending;
  }
}

function renderQueues() {
  const list = $('queues');
  const items = [...model.queues.values()].map((q) => {
    const waiting = Number(q.waiting) || 0;
    return el('li', { class: `queue${waiting > 0 ? ' busy' : ''}`, 'data-testid': `queue-${q.name}` },
      el('span', { class: 'queue-name' }, q.name),
      q.tierState ? el('span', { class: 'tier' }, q.tierState) : null,
      el('span', { class: 'count' },
        el('span', { 'data-testid': `waiting-${q.name}`, class: 'num' }, String(waiting)),
        ' waiting'));
  });
  list.replaceChildren(...items);
  $('queues-empty').hidden = items.length > 0;
}

function renderCalls() {
  const rows = model.calls.map((r) =>
    el('tr', { 'data-testid': 'call-row', 'data-outcome': r.outcome, 'data-member': r.memberUuid || '' },
      cell('Time', formatTime(r.at), 'call-time'),
      cell('Number', r.number, 'call-number'),
      cell('Name', r.name, 'call-name'),
      cell('Queue', r.queue, 'call-queue'),
      cell('Outcome', r.detail ? `${r.outcome} (${r.detail})` : r.outcome, 'call-outcome')));
  $('calls-body').replaceChildren(...rows);
  $('calls-empty').hidden = rows.length > 0;
  $('calls').hidden = rows.length === 0;
}

function cell(label, text, testid) {
  return el('td', { 'data-label': label, 'data-testid': testid }, text || '');
}

// The region stays in the page (empty when there is nothing to say) so that
// screen readers announce new text put into it.
function showError(text, code) {
  const region = $('error');
  region.textContent = text || '';
  if (code) region.dataset.code = code;
  else delete region.dataset.code;
}

// ---------------------------------------------------------------------------
// Small helpers

// Builds elements with text children only: strings become text nodes, so
// nothing from the server can ever be parsed as HTML.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v != null) node.setAttribute(k, String(v));
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function formatSeconds(s) {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function formatClock(total) {
  const s = Math.max(0, Math.floor(total));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

function formatTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

// ---------------------------------------------------------------------------
// Start

function start() {
  $('login-form').addEventListener('submit', onLoginSubmit);
  $('btn-ready').addEventListener('click', onReady);
  $('btn-break').addEventListener('click', onBreak);
  $('btn-logout').addEventListener('click', onLogout);
  document.addEventListener('keydown', onKeyDown);
  showError('');
  if (model.session) {
    // Reload within a login session: show the desk (status unknown) while resuming.
    model.calls = loadCalls(model.session.agent);
    showView('desk');
  } else {
    showView('login');
  }
  renderAll();
  connect();
}

start();
