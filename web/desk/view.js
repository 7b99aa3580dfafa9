// The desk's view: renders a state (web/desk/state.js) into the page.
//
// - Server data (caller names, CRM records, queue and agent names) is untrusted:
//   it reaches the DOM only through textContent / attribute setters (dom.js el()).
// - Every word comes from t() (web/lib/i18n.js); after a language switch the
//   shell calls render(state, now, { force: true }).
// - Each part is redrawn only when its slice of the state changed (the reducer
//   never mutates, so a reference check is enough); the pop card is rebuilt only
//   when the call or its phase changes, so the live region announces a new call
//   once and not on every tick.

import { $, el, setText, setDisabled, setBusy } from './dom.js';
import { callBar, canCommand, nextStatusControls, shownStatus, statusControls, statusTone, wrapUpControls } from './state.js';
import { errorText, formatClock, formatSeconds, formatTime, outcomeText, reasonText, stateText, statusText } from './format.js';

/** The call control bar, in order. `shortcut` is the Alt+key (e.code) that presses it. */
export const BAR_BUTTONS = [
  { kind: 'hangup', label: 'bar.hangup', code: 'KeyH', keys: 'Alt+H', cls: 'danger' },
  { kind: 'hold', label: 'bar.hold', pressedLabel: 'bar.unhold', code: 'KeyO', keys: 'Alt+O' },
  { kind: 'mute', label: 'bar.mute', pressedLabel: 'bar.unmute', code: 'KeyM', keys: 'Alt+M' },
  { kind: 'keypad', label: 'bar.keypad', code: 'KeyK', keys: 'Alt+K' },
  { kind: 'transfer', label: 'bar.transfer', code: 'KeyT', keys: 'Alt+T' },
  { kind: 'consult', label: 'bar.consult', code: 'KeyC', keys: 'Alt+C' },
  { kind: 'conference', label: 'bar.conference', code: 'KeyF', keys: 'Alt+F' },
  { kind: 'dial', label: 'bar.dial', code: 'KeyD', keys: 'Alt+D' },
];

const PAD_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function createView({ t, locale, on }) {
  let prev = null;
  let shownCall = null; // the call the pop card was built for

  // --- built once -----------------------------------------------------------
  const barButtons = new Map();
  for (const b of BAR_BUTTONS) {
    const button = el('button', {
      type: 'button',
      class: `btn bar-btn ${b.cls || ''}`.trim(),
      id: `bar-${b.kind}`,
      'data-testid': `bar-${b.kind}`,
      'aria-keyshortcuts': b.keys,
    }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), el('span', { class: 'label' }), el('kbd', {}, b.keys));
    button.addEventListener('click', () => on.bar(b.kind));
    barButtons.set(b.kind, button);
    $('call-bar').append(button);
  }
  const consultButtons = new Map();
  for (const kind of ['consultComplete', 'consultCancel']) {
    const button = el('button', { type: 'button', class: 'btn', 'data-testid': `bar-${kind}` },
      el('span', { class: 'spinner', 'aria-hidden': 'true' }), el('span', { class: 'label' }));
    button.addEventListener('click', () => on.bar(kind));
    consultButtons.set(kind, button);
    $('consult-actions').append(button);
  }
  for (const digit of PAD_KEYS) {
    const dialKey = el('button', { type: 'button', class: 'pad-key', 'data-testid': `dial-key-${digit}` }, digit);
    dialKey.addEventListener('click', () => on.dialKey(digit));
    $('dial-pad').append(dialKey);
    const dtmfKey = el('button', { type: 'button', class: 'pad-key', 'data-testid': `keypad-${digit}` }, digit);
    dtmfKey.addEventListener('click', () => on.dtmf(digit));
    $('keypad-pad').append(dtmfKey);
  }
  const lang = $('lang-select');
  lang.replaceChildren(...on.locales.map((l) => el('option', { value: l }, t(`common.locale.${l}`))));
  lang.addEventListener('change', () => on.setLocale(lang.value));

  // --- parts ------------------------------------------------------------------

  function renderConnection(s) {
    const word = !navigator.onLine ? 'offline' : s.socketOpen ? 'connected' : 'reconnecting';
    const c = $('connection');
    setText(c, t(`conn.${word}`));
    c.dataset.conn = word;
    $('switch-down').hidden = !(s.session && !s.switchConnected);
  }

  function renderWho(s) {
    $('login-view').hidden = s.view !== 'login';
    $('desk-view').hidden = s.view !== 'desk';
    $('who').hidden = !(s.view === 'desk' && s.session);
    setText($('agent-name'), s.session ? s.session.agent : '');
    const contact = s.agent && s.agent.contact ? s.agent.contact : '';
    setText($('contact'), contact);
    $('contact-wrap').hidden = !contact;
  }

  // The badge shows the server's status (in the page's language; data-status has
  // the switch's own word), or "Unknown" whenever we cannot vouch for it.
  function renderStatus(s) {
    const shown = shownStatus(s);
    const badge = $('status');
    setText(badge, shown ? statusText(t, shown.status) : t('status.unknown'));
    badge.dataset.stale = String(!shown);
    badge.dataset.tone = statusTone(s);
    badge.dataset.status = shown ? shown.status : '';
    setText($('state'), shown && shown.state ? stateText(t, shown.state) : t('status.unknown'));

    let note = '';
    if (s.session && !s.switchConnected) note = t('status.switchDownNote');
    else if (s.session && !s.live) note = t('status.reconnectingNote');
    setText($('stale-note'), note);
    $('stale-note').hidden = !note;

    const reason = shown && shown.breakReason ? shown.breakReason : '';
    setText($('break-reason'), reason ? reasonText(t, reason) : '');
    $('reason-line').hidden = !reason;
    $('since-line').hidden = !(shown && shown.since);
  }

  function renderBreakReasons(s) {
    const select = $('break-reason-select');
    const previous = select.value;
    const options = s.breakReasons.length
      ? s.breakReasons.map((r) => el('option', { value: r }, reasonText(t, r)))
      : [el('option', { value: '' }, t('status.noReason'))];
    select.replaceChildren(...options);
    if (s.breakReasons.includes(previous)) select.value = previous;
  }

  function renderControls(s) {
    const sc = statusControls(s);
    for (const [id, kind] of [['btn-ready', 'ready'], ['btn-break', 'busy'], ['btn-logout', 'logout']]) {
      const b = $(id);
      setDisabled(b, !sc[kind].enabled);
      setBusy(b, sc[kind].pending);
    }
    $('break-reason-select').disabled = !sc.reasonSelect;
    const submit = $('login-submit');
    const loginPending = s.pending?.kind === 'login';
    setDisabled(submit, loginPending);
    setBusy(submit, loginPending);
    setText($('pending-note'), s.pending && s.pending.kind !== 'resume' ? t('pending.waiting') : '');

    const bar = callBar(s);
    for (const b of BAR_BUTTONS) {
      const button = barButtons.get(b.kind);
      const m = bar[b.kind];
      setDisabled(button, !m.enabled);
      setBusy(button, m.pending);
      if (b.pressedLabel || b.kind === 'consult' || b.kind === 'conference') button.setAttribute('aria-pressed', String(m.pressed));
      setText(button.querySelector('.label'), t(m.pressed && b.pressedLabel ? b.pressedLabel : b.label));
      button.title = `${t(m.pressed && b.pressedLabel ? b.pressedLabel : b.label)} (${b.keys})`;
    }
    for (const [kind, button] of consultButtons) {
      setDisabled(button, !bar[kind].enabled);
      setBusy(button, bar[kind].pending);
      setText(button.querySelector('.label'), t(`bar.${kind}`));
    }
    // While the target rings the consult is the pending command (no push until it answers).
    const consult = s.call && s.call.consult;
    const dialing = !consult && s.pending?.kind === 'consult' ? s.pending.target ?? '' : null;
    $('consult-bar').hidden = !consult && dialing === null;
    $('consult-bar').dataset.state = consult ? consult.state : dialing !== null ? 'dialing' : '';
    setText($('consult-text'), consult ? t(`consult.${consult.state}`, { to: consult.to }) : dialing !== null ? t('consult.dialing', { to: dialing }) : '');

    const dial = $('btn-dial');
    setDisabled(dial, !bar.dial.enabled);
    setBusy(dial, bar.dial.pending);
    $('dial-number').disabled = !canCommand(s);
  }

  function renderNextStatus(s) {
    const n = nextStatusControls(s);
    $('next-status').hidden = !s.call && !n.current;
    for (const [id, status] of [['btn-next-break', 'On Break'], ['btn-next-logout', 'Logged Out']]) {
      const b = $(id);
      const on = !!n.current && n.current.status === status;
      b.setAttribute('aria-pressed', String(on));
      setDisabled(b, !n.enabled);
      setBusy(b, n.pending === status);
    }
    const c = n.current;
    setText($('next-note'), !c ? '' : c.status === 'On Break'
      ? t('next.breakSet', { reason: c.reason ? reasonText(t, c.reason) : '' })
      : t('next.logoutSet'));
  }

  // The after-call panel. The disposition labels are admin data, shown as given.
  function renderWrapUp(s, force) {
    const w = s.wrapUp;
    const panel = $('wrapup-panel');
    panel.hidden = !w;
    if (!w) {
      panel.dataset.member = '';
      return;
    }
    const fresh = force || panel.dataset.member !== w.memberUuid;
    panel.dataset.member = w.memberUuid;
    panel.dataset.ended = w.ended || '';
    const select = $('wrapup-disposition');
    if (fresh || select.dataset.codes !== w.dispositions.map((d) => d.code).join(',')) {
      const previous = select.value;
      select.replaceChildren(
        el('option', { value: '' }, t('wrapup.choose')),
        ...w.dispositions.map((d) => el('option', { value: d.code }, d.label)));
      select.dataset.codes = w.dispositions.map((d) => d.code).join(',');
      select.value = w.disposition ? w.disposition.code : w.dispositions.some((d) => d.code === previous) ? previous : '';
      if (fresh) $('wrapup-notes').value = w.disposition ? w.disposition.notes : '';
    }
    setText($('wrapup-required'), w.required ? t('wrapup.required') : t('login.optional'));
    const row = s.calls.find((r) => r.memberUuid === w.memberUuid);
    setText($('wrapup-caller'), row ? [row.number, row.name].filter(Boolean).join(' · ') : w.queue);
    const c = wrapUpControls(s);
    for (const [id, m] of [['btn-wrapup-save', c.save], ['btn-wrapup-end', c.end]]) {
      setDisabled($(id), !m.enabled);
      setBusy($(id), m.pending);
    }
    $('btn-wrapup-end').hidden = !!w.ended;
    $('btn-wrapup-close').hidden = !w.ended;
    let note = '';
    if (w.ended) note = t('wrapup.endedNote');
    else if (w.disposition) note = t('wrapup.filed', { label: w.dispositions.find((d) => d.code === w.disposition.code)?.label ?? w.disposition.code });
    else if (w.required) note = t('wrapup.requiredNote');
    setText($('wrapup-note'), note);
  }

  function renderOutbound(s) {
    const o = s.outbound;
    const line = $('outbound');
    line.hidden = !o;
    line.dataset.state = o ? o.state : '';
    if (!o) return;
    const text = t(`outbound.${o.state}`, { number: o.number, cause: o.cause || '' });
    setText(line, text === `outbound.${o.state}` ? o.state : text);
  }

  function renderQueues(s) {
    const items = s.queues.map((q) => {
      const waiting = Number(q.waiting) || 0;
      return el('li', { class: `queue${waiting > 0 ? ' busy' : ''}`, 'data-testid': `queue-${q.name}` },
        el('span', { class: 'queue-name' }, q.name),
        q.tierState ? el('span', { class: 'tier' }, q.tierState) : null,
        el('span', { class: 'count' },
          el('span', { 'data-testid': `waiting-${q.name}`, class: 'num' }, String(waiting)),
          ' ', t('queues.waiting')));
    });
    $('queues').replaceChildren(...items);
    $('queues-empty').hidden = items.length > 0;
  }

  function renderCalls(s) {
    const loc = locale();
    const rows = s.calls.map((r) =>
      el('tr', { 'data-testid': 'call-row', 'data-outcome': r.outcome, 'data-member': r.memberUuid || '' },
        cell(t('calls.time'), formatTime(r.at, loc), 'call-time'),
        cell(t('calls.number'), r.number, 'call-number'),
        cell(t('calls.name'), r.name, 'call-name'),
        cell(t('calls.queue'), r.queue, 'call-queue'),
        cell(t('calls.outcome'), outcomeText(t, r), 'call-outcome')));
    $('calls-body').replaceChildren(...rows);
    $('calls-empty').hidden = rows.length > 0;
    $('calls').hidden = rows.length === 0;
  }

  function renderError(s) {
    const region = $('error');
    setText(region, errorText(t, s.error));
    // The server's own (English, technical) message stays reachable as a tooltip.
    region.title = s.error && s.error.message ? s.error.message : '';
    const code = s.error && s.error.code;
    if (code) region.dataset.code = code;
    else delete region.dataset.code;
  }

  // --- the pop card -------------------------------------------------------------

  function renderPop(s, force) {
    const call = s.call;
    const region = $('pop-region');
    if (!call) {
      // Only touch the live region when a card actually goes, or it would re-announce "No call".
      if (!$('pop-empty') || force) {
        region.replaceChildren(el('p', { class: 'empty', id: 'pop-empty', 'data-testid': 'pop-empty' }, t('pop.empty')));
      }
    } else if (force || !shownCall || shownCall.memberUuid !== call.memberUuid || shownCall.phase !== call.phase ||
               !$('pop') || !sameCard(shownCall, call)) {
      region.replaceChildren(popCard(call));
    } else {
      const pop = $('pop');
      pop.dataset.held = String(call.held);
      pop.dataset.muted = String(call.muted);
      setText($('pop-flags'), flagsText(call));
    }
    shownCall = call;
    document.title = !call ? t('title.idle') : call.phase === 'ringing' ? t('title.ringing') : t('title.talking');
  }

  function flagsText(call) {
    return [call.held ? t('pop.held') : '', call.muted ? t('pop.muted') : '',
      call.transferred ? t('pop.transferred', { to: call.transferred.to }) : ''].filter(Boolean).join(' · ');
  }

  function popCard(call) {
    const talking = call.phase === 'talking';
    const card = el('article', {
      class: `pop ${call.phase}`,
      id: 'pop',
      'data-testid': 'pop',
      'data-phase': call.phase,
      'data-member': call.memberUuid,
      'data-held': String(call.held),
      'data-muted': String(call.muted),
      'aria-labelledby': 'pop-heading',
    });
    const head = el('div', { class: 'pop-head' },
      el('h3', { id: 'pop-heading' }, talking ? t('pop.onCall') : t('pop.incoming')),
      el('span', { class: 'phase', 'data-testid': 'pop-phase' }, talking ? t('pop.talking') : t('pop.ringing')),
      el('span', { class: 'flags', id: 'pop-flags', 'data-testid': 'pop-flags' }, flagsText(call)));
    const caller = el('p', { class: 'caller' },
      el('span', { class: 'number', 'data-testid': 'pop-number' }, call.callerNumber || t('pop.unknownNumber')),
      el('span', { class: 'name', 'data-testid': 'pop-name' }, call.callerName || ''));
    const facts = el('dl', { class: 'facts' },
      fact(t('pop.queue'), el('span', { 'data-testid': 'pop-queue' }, call.queue)),
      fact(t('pop.dialled'), el('span', { 'data-testid': 'pop-dnis' }, call.dnis || '—')),
      // role=timer is not announced on every tick, unlike the live region around it.
      fact(t('pop.queueTime'), el('span', { 'data-testid': 'pop-waiting', role: 'timer', 'aria-live': 'off', id: 'pop-waiting' }, '')));
    if (talking) {
      facts.append(fact(t('pop.talkingFor'), el('span', { 'data-testid': 'call-timer', role: 'timer', 'aria-live': 'off', id: 'call-timer', class: 'timer' }, '')));
    }
    card.append(head, caller, facts, el('h4', { class: 'record-title' }, t('pop.record')), record(call));
    return card;
  }

  // Every field the server sent is shown: the dialplan decides what the agent needs.
  function record(call) {
    if (!call.data || Object.keys(call.data).length === 0) {
      const text = !call.data && call.dataUnavailable ? t('pop.recordUnavailable') : t('pop.noRecord');
      return el('p', { class: `record-note${call.dataUnavailable ? ' warn' : ''}`, 'data-testid': 'pop-data-note' }, text);
    }
    const dl = el('dl', { class: 'record', 'data-testid': 'pop-data' });
    for (const [key, value] of Object.entries(call.data)) {
      dl.append(el('div', { class: 'record-row', 'data-testid': `pop-field-${key}` }, el('dt', {}, key), el('dd', {}, fieldText(value))));
    }
    return dl;
  }

  // --- timers (every second, in place) ----------------------------------------------

  function tick(s, now) {
    const call = s.call;
    if (call) {
      const secs = now / 1000;
      const waiting = $('pop-waiting');
      if (waiting && call.joinedAt) {
        const until = call.phase === 'talking' && call.answeredAt ? call.answeredAt : secs;
        const w = formatSeconds(t, until - call.joinedAt);
        setText(waiting, call.phase === 'talking' ? t('pop.waited', { time: w }) : t('pop.waitingFor', { time: w }));
      }
      const timer = $('call-timer');
      if (timer && call.answeredAt) setText(timer, formatClock(secs - call.answeredAt));
    }
    const shown = shownStatus(s);
    if (shown && shown.since) setText($('status-since'), formatClock((now - shown.since) / 1000));
    const w = s.wrapUp;
    if (w) setText($('wrapup-countdown'), w.ended ? t('wrapup.over') : formatClock(Math.max(0, w.endsAt - now / 1000)));
  }

  // --- whole page --------------------------------------------------------------

  function render(s, now, { force = false } = {}) {
    const p = force ? null : prev;
    const changed = (...keys) => !p || keys.some((k) => p[k] !== s[k]);
    if (changed('socketOpen', 'session', 'switchConnected')) renderConnection(s);
    if (changed('view', 'session', 'agent')) renderWho(s);
    if (changed('agent', 'live', 'switchConnected', 'session', 'call', 'statusSince')) renderStatus(s);
    if (changed('breakReasons')) renderBreakReasons(s);
    if (changed('pending', 'socketOpen', 'live', 'switchConnected', 'call', 'agent', 'outbound')) renderControls(s);
    if (changed('outbound')) renderOutbound(s);
    if (changed('call', 'nextStatus', 'pending', 'live', 'socketOpen', 'switchConnected')) renderNextStatus(s);
    if (changed('wrapUp', 'pending', 'live', 'socketOpen', 'switchConnected', 'calls')) renderWrapUp(s, force);
    if (changed('queues')) renderQueues(s);
    if (changed('calls')) renderCalls(s);
    if (changed('error')) renderError(s);
    if (changed('call')) renderPop(s, force);
    tick(s, now);
    prev = s;
  }

  return { render, tick, renderConnection };
}

function sameCard(a, b) {
  return JSON.stringify([a.data, a.dataUnavailable, a.callerNumber, a.callerName, a.queue, a.dnis]) ===
    JSON.stringify([b.data, b.dataUnavailable, b.callerNumber, b.callerName, b.queue, b.dnis]);
}

function fact(label, valueNode) {
  return el('div', { class: 'fact' }, el('dt', {}, label), el('dd', {}, valueNode));
}

function cell(label, text, testid) {
  return el('td', { 'data-label': label, 'data-testid': testid }, text || '');
}

function fieldText(v) {
  if (v == null) return '';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
