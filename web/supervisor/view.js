// The supervisor console's view: state in, DOM out. Text only through
// textContent (names, numbers and pop data are untrusted). Rows are keyed and
// reused, so thousands of agents re-render only what changed.

import { t } from '../lib/i18n.js';
import { since, statusKey, stateKey } from './format.js';
import { filterChoices, sortedAgents, sortedCalls, sortedQueues } from './state.js';

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function setText(e, text) {
  if (e.textContent !== text) e.textContent = text;
}

/** A translated switch word (status/state), falling back to the switch's own spelling. */
function word(key, raw) {
  const s = t(key);
  return s === key ? raw : s;
}

function statusClass(status) {
  return `st-${status.replace(/[^A-Za-z]/g, '').toLowerCase()}`;
}

function button(action, label, extra = {}) {
  return el('button', { type: 'button', class: 'btn btn-small', 'data-action': action, ...extra }, label);
}

const agentRows = new Map(); // name -> { tr, row, locale }
const callRows = new Map();

function agentRow(a, now, locale, state) {
  let entry = agentRows.get(a.name);
  if (!entry || entry.row !== a || entry.locale !== locale || entry.eavesdrop !== state.eavesdrop) {
    const tr = entry?.tr ?? el('tr', { 'data-agent': a.name });
    tr.replaceChildren();
    tr.append(el('th', { scope: 'row', class: 'name' }, a.name));
    const st = el('td', {}, '');
    st.append(el('span', { class: `badge ${statusClass(a.status)}`, 'data-testid': 'agent-status' }, word(statusKey(a.status), a.status)));
    if (a.reason) st.append(el('span', { class: 'reason' }, ` ${a.reason}`));
    tr.append(st);
    tr.append(el('td', { 'data-testid': 'agent-state' }, word(stateKey(a.state), a.state)));
    tr.append(el('td', { class: 'clock', 'data-since': String(a.stateSince ?? a.statusSince ?? '') }, ''));
    const call = el('td', { class: 'call' });
    if (a.call) {
      call.append(el('span', { class: 'caller' }, `${a.call.callerName || ''} ${a.call.callerNumber}`.trim()));
      call.append(el('span', { class: 'clock sub', 'data-since': String(a.call.since) }, ''));
      if (a.call.held) call.append(el('span', { class: 'held' }, t('supervisor.held')));
    }
    tr.append(call);
    const cell = el('td');
    const actions = el('div', { class: 'actions-box' });
    cell.append(actions);
    const menu = el('select', { 'data-action': 'status', 'aria-label': t('supervisor.action.setStatus', { agent: a.name }) });
    menu.append(el('option', { value: '' }, t('supervisor.action.setStatusShort')));
    for (const s of ['Available', 'Available (On Demand)', 'On Break', 'Logged Out']) if (s !== a.status) menu.append(el('option', { value: s }, word(statusKey(s), s)));
    actions.append(menu);
    if (a.state === 'In a queue call' || a.state === 'Receiving') actions.append(button('release', t('supervisor.action.release')));
    if (a.call?.phase === 'bridged') {
      for (const mode of ['listen', 'whisper', 'barge']) actions.append(button('eavesdrop', t(`supervisor.action.${mode}`), { 'data-mode': mode }));
    }
    tr.append(cell);
    entry = { tr, row: a, locale, eavesdrop: state.eavesdrop };
    agentRows.set(a.name, entry);
  }
  return entry.tr;
}

function renderAgents(state, now, locale) {
  const body = $('agents-body');
  const order = sortedAgents(state, now);
  for (const name of agentRows.keys()) if (!state.agents.has(name)) agentRows.delete(name);
  const trs = order.map((a) => agentRow(a, now, locale, state));
  // Re-append only when the order changed: moving 5,000 rows each tick is what makes pages stutter.
  const current = body.children;
  let same = current.length === trs.length;
  for (let i = 0; same && i < trs.length; i++) if (current[i] !== trs[i]) same = false;
  if (!same) body.replaceChildren(...trs);
  setText($('agents-count'), String(order.length));
}

/** Rates as percentages, times rounded to seconds, counts as they are. */
function kpiText(name, v) {
  if (v === null || v === undefined) return '–';
  if (name === 'serviceLevel' || name === 'abandonRate') return `${Math.round(v * 100)} %`;
  return String(Math.round(v));
}

function renderQueues(state, now) {
  const box = $('queues');
  box.replaceChildren();
  for (const q of sortedQueues(state)) {
    const card = el('article', { class: 'sv-queue', 'data-queue': q.name });
    card.append(el('h3', {}, q.name));
    const counts = el('p', { class: 'counts' });
    counts.append(el('span', { 'data-testid': 'queue-waiting' }, t('supervisor.queue.waiting', { n: q.waiting.length })));
    counts.append(el('span', {}, t('supervisor.queue.agents', { available: q.agents.available, onCall: q.agents.onCall, onBreak: q.agents.onBreak })));
    card.append(counts);
    if (q.kpis) {
      const k = el('p', { class: 'kpis' });
      for (const [name, v] of Object.entries(q.kpis)) k.append(el('span', { 'data-kpi': name }, `${t(`supervisor.kpi.${name}`)}: ${kpiText(name, v)}`));
      card.append(k);
    }
    const list = el('ol', { class: 'waiting' });
    for (const w of q.waiting) {
      const li = el('li', { 'data-testid': 'waiting-caller' });
      li.append(el('span', { class: 'caller' }, `${w.callerName || ''} ${w.callerNumber}`.trim()));
      li.append(el('span', { class: 'clock', 'data-since': String(w.joinedAt) }, since(w.joinedAt, now)));
      if (w.pop) {
        const dl = el('dl', { class: 'sv-pop' });
        for (const [k, v] of Object.entries(w.pop)) {
          dl.append(el('dt', {}, k));
          dl.append(el('dd', {}, v));
        }
        li.append(dl);
      } else if (w.popUnavailable) li.append(el('span', { class: 'hint' }, t('supervisor.queue.popUnavailable')));
      list.append(li);
    }
    if (q.waiting.length === 0) list.append(el('li', { class: 'empty' }, t('supervisor.queue.none')));
    card.append(list);
    box.append(card);
  }
}

function renderCalls(state, locale) {
  const body = $('calls-body');
  const order = sortedCalls(state);
  for (const id of callRows.keys()) if (!state.calls.has(id)) callRows.delete(id);
  const trs = order.map((c) => {
    let entry = callRows.get(c.id);
    if (!entry || entry.row !== c || entry.locale !== locale) {
      const tr = entry?.tr ?? el('tr', { 'data-call': c.id });
      tr.replaceChildren(
        el('td', {}, `${c.callerName || ''} ${c.callerNumber}`.trim()),
        el('td', {}, c.queue),
        el('td', {}, c.agent ?? '–'),
        el('td', { 'data-testid': 'call-phase' }, t(`supervisor.phase.${c.phase}`) + (c.held ? ` · ${t('supervisor.held')}` : '')),
        el('td', { class: 'clock', 'data-since': String(c.since) }, ''),
      );
      const cell = el('td');
      cell.append(button('hangup', t('supervisor.action.hangup'), { class: 'btn btn-small btn-danger' }));
      tr.append(cell);
      entry = { tr, row: c, locale };
      callRows.set(c.id, entry);
    }
    return entry.tr;
  });
  body.replaceChildren(...trs);
  setText($('calls-count'), String(order.length));
}

/** Only the clocks: run every second without touching anything else. */
export function renderClocks(now) {
  for (const e of document.querySelectorAll('.clock[data-since]')) setText(e, since(Number(e.getAttribute('data-since')) || 0, now));
}

function renderFilter(state) {
  const sel = $('filter');
  const choices = filterChoices(state);
  const want = ['', ...choices].join('\n');
  if (sel.getAttribute('data-choices') !== want || sel.getAttribute('data-locale') !== document.documentElement.lang) {
    sel.replaceChildren(el('option', { value: '' }, t('supervisor.filter.all')), ...choices.map((q) => el('option', { value: q }, q)));
    sel.setAttribute('data-choices', want);
    sel.setAttribute('data-locale', document.documentElement.lang);
  }
  sel.value = state.filter?.[0] ?? '';
}

/** A translated error, with the server's own message when there is no translation for its code. */
function errorText(error) {
  const key = `supervisor.error.${error.code}`;
  const s = t(key, { message: error.message });
  return s === key ? error.message : s;
}

export function render(state, now, locale) {
  const live = state.phase !== 'login';
  $('login-view').hidden = live;
  $('console').hidden = !live;
  $('logout').hidden = !live;
  const who = $('who');
  who.hidden = !state.who;
  if (state.who) setText(who, t('supervisor.who', { name: state.who.name, role: t(`supervisor.role.${state.who.role}`), queues: state.who.queues ? state.who.queues.join(', ') : t('supervisor.allQueues') }));
  const conn = $('connection');
  const c = state.phase === 'live' ? 'connected' : state.phase === 'connecting' ? 'reconnecting' : 'offline';
  conn.setAttribute('data-conn', c);
  setText(conn, t(`supervisor.conn.${c}`));
  $('switch-down').hidden = !live || state.switchConnected;
  setText($('error'), state.error ? errorText(state.error) : '');
  if (!live) return;
  renderFilter(state);
  renderAgents(state, now, locale);
  renderQueues(state, now);
  renderCalls(state, locale);
  const line = $('eavesdrop-line');
  line.hidden = !state.eavesdrop;
  if (state.eavesdrop) setText($('eavesdrop-text'), t(`supervisor.eavesdrop.${state.eavesdrop.mode}`, { agent: state.eavesdrop.agent }));
  for (const b of document.querySelectorAll('button.sort')) {
    const key = b.getAttribute('data-sort');
    b.closest('th').setAttribute('aria-sort', state.sort.key === key ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
  renderClocks(now);
}
