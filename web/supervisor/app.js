// The supervisor console page: the socket, the login, the clock and the
// buttons. State changes go through the pure reducer (state.js); the DOM is
// drawn by view.js at most once per animation frame.

import { currentLocale, initI18n, onLocaleChange, setLocale, t } from '../lib/i18n.js';
import { clearError, initialState, receive, sent, setPhone, socketLost, sortBy } from './state.js';
import { render, renderClocks } from './view.js';

const TOKEN_KEY = 'cc.supervisor.token';
const PHONE_KEY = 'cc.supervisor.phone';

let state = initialState();
let ws = null;
let nextId = 1;
let retryMs = 500;
let drawQueued = false;
let token = null;

function readStore(store, key) {
  try {
    return globalThis[store]?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function writeStore(store, key, value) {
  try {
    if (value === null) globalThis[store]?.removeItem(key);
    else globalThis[store]?.setItem(key, value);
  } catch {
    // private mode: kept for this page only
  }
}

function draw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    render(state, Date.now(), currentLocale());
  });
}

function update(next) {
  state = next;
  draw();
}

function send(request, extra = {}) {
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    update({ ...state, error: { code: 'OFFLINE', message: t('supervisor.error.OFFLINE') } });
    return null;
  }
  const id = nextId++;
  ws.send(JSON.stringify({ id, ...request }));
  update(sent(state, id, { kind: request.type, ...extra }));
  return id;
}

function connect() {
  if (!token) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/supervisor/ws`;
  const socket = new WebSocket(url);
  ws = socket;
  socket.addEventListener('open', () => {
    retryMs = 500;
    // The token goes in the first message, never in the URL.
    socket.send(JSON.stringify({ type: 'auth', id: nextId++, token }));
    if (state.filter) socket.send(JSON.stringify({ type: 'filter', id: nextId++, queues: state.filter }));
  });
  socket.addEventListener('message', (ev) => {
    let m;
    try {
      m = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (m.type === 'error' && m.code === 'AUTH_FAILED') {
      token = null;
      writeStore('sessionStorage', TOKEN_KEY, null);
    }
    update(receive(state, m));
  });
  socket.addEventListener('close', () => {
    if (ws !== socket) return;
    ws = null;
    update(socketLost(state));
    if (!token) return;
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  });
}

function logout() {
  token = null;
  writeStore('sessionStorage', TOKEN_KEY, null);
  const socket = ws;
  ws = null;
  socket?.close();
  update({ ...initialState(), phone: state.phone });
}

/** Asks before anything that changes a call or an agent; resolves true on Confirm. */
function confirmAction(text) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function onAgentAction(target) {
  const tr = target.closest('tr[data-agent]');
  if (!tr) return;
  const agent = tr.getAttribute('data-agent');
  const action = target.getAttribute('data-action');
  if (action === 'release') {
    if (await confirmAction(t('supervisor.confirm.release', { agent }))) send({ type: 'agent.release', agent });
  } else if (action === 'eavesdrop') {
    const mode = target.getAttribute('data-mode');
    const phone = state.phone.trim();
    if (!phone) {
      update({ ...state, error: { code: 'NO_PHONE', message: t('supervisor.error.NO_PHONE') } });
      document.getElementById('phone').focus();
      return;
    }
    if (await confirmAction(t(`supervisor.confirm.${mode}`, { agent, phone }))) send({ type: 'call.eavesdrop', agent, mode, phone }, { agent, mode });
  }
}

async function onStatusChange(select) {
  const tr = select.closest('tr[data-agent]');
  const status = select.value;
  select.value = '';
  if (!tr || !status) return;
  const agent = tr.getAttribute('data-agent');
  if (await confirmAction(t('supervisor.confirm.status', { agent, status: t(`supervisor.status.${status.replace(/[^A-Za-z]/g, '')}`) }))) send({ type: 'agent.status', agent, status });
}

async function onCallAction(target) {
  const tr = target.closest('tr[data-call]');
  if (!tr) return;
  const id = tr.getAttribute('data-call');
  const call = state.calls.get(id);
  if (await confirmAction(t('supervisor.confirm.hangup', { caller: call ? call.callerNumber : id }))) send({ type: 'call.hangup', call: id });
}

function wire() {
  document.getElementById('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('token');
    const value = input.value.trim();
    if (!value) {
      update({ ...state, error: { code: 'NO_TOKEN', message: t('supervisor.error.NO_TOKEN') } });
      return;
    }
    token = value;
    input.value = '';
    writeStore('sessionStorage', TOKEN_KEY, token);
    update({ ...clearError(state), phase: 'connecting' });
    connect();
  });
  document.getElementById('logout').addEventListener('click', logout);
  document.getElementById('filter').addEventListener('change', (ev) => {
    const q = ev.target.value;
    send({ type: 'filter', queues: q ? [q] : null });
  });
  const phone = document.getElementById('phone');
  phone.value = state.phone;
  phone.addEventListener('input', () => {
    writeStore('localStorage', PHONE_KEY, phone.value);
    state = setPhone(state, phone.value);
  });
  document.getElementById('agents-body').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-action]');
    if (b) void onAgentAction(b);
  });
  document.getElementById('agents-body').addEventListener('change', (ev) => {
    if (ev.target.matches('select[data-action="status"]')) void onStatusChange(ev.target);
  });
  document.getElementById('calls-body').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-action="hangup"]');
    if (b) void onCallAction(b);
  });
  for (const b of document.querySelectorAll('button.sort')) b.addEventListener('click', () => update(sortBy(state, b.getAttribute('data-sort'))));
  document.getElementById('eavesdrop-stop').addEventListener('click', () => {
    if (state.eavesdrop) send({ type: 'eavesdrop.stop', leg: state.eavesdrop.leg });
  });
  const lang = document.getElementById('lang');
  lang.value = currentLocale();
  lang.addEventListener('change', () => void setLocale(lang.value));
  onLocaleChange(() => {
    lang.value = currentLocale();
    draw();
  });
  setInterval(() => renderClocks(Date.now()), 1000);
}

async function main() {
  await initI18n(['supervisor']);
  state = setPhone(state, readStore('localStorage', PHONE_KEY) ?? '');
  wire();
  token = readStore('sessionStorage', TOKEN_KEY);
  if (token) {
    state = { ...state, phase: 'connecting' };
    connect();
  }
  draw();
}

void main();
