// The transfer/consult dialog and the keypad dialog. They keep only what the
// agent is typing; the call, the queues and the agents (the gateway's directory) come from the state.

import { $, el, setText, setDisabled } from './dom.js';
import { callBar } from './state.js';
import { guessTargetKind, parseTarget } from './commands.js';
import { statusText, stateText } from './format.js';

export function createDialogs({ t, on }) {
  const transfer = $('transfer-dialog');
  const keypad = $('keypad-dialog');
  let mode = null; // 'transfer' | 'consult' while the dialog is open
  let picked = null; // { kind: 'queue'|'agent', to } picked from a list
  let sent = '';

  $('transfer-cancel').addEventListener('click', () => transfer.close());
  transfer.addEventListener('close', () => {
    mode = null;
    picked = null;
    on.closed();
  });
  $('transfer-to').addEventListener('input', () => {
    picked = null;
    setText($('transfer-error'), '');
    for (const b of transfer.querySelectorAll('[aria-pressed="true"]')) b.setAttribute('aria-pressed', 'false');
  });
  $('transfer-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!mode) return;
    const typed = $('transfer-to').value;
    const target = picked ?? typedTarget(typed);
    if (target.error) {
      setText($('transfer-error'), t(target.error));
      $('transfer-to').focus();
      return;
    }
    if (mode === 'consult' && target.kind === 'queue') {
      setText($('transfer-error'), t('transfer.noConsultToQueue'));
      return;
    }
    const m = mode;
    transfer.close();
    on.submit(m, target);
  });
  keypad.addEventListener('close', () => {
    sent = '';
    setText($('keypad-sent'), '');
    on.closed();
  });
  keypad.addEventListener('keydown', (e) => {
    if (/^[0-9*#]$/.test(e.key) && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      on.dtmf(e.key);
    }
  });

  function pickButton(target, { disabled = false } = {}, ...children) {
    // A redraw (a directory or a waiting count arrived) keeps what the agent picked.
    const pressed = !!picked && picked.kind === target.kind && picked.to === target.to;
    const b = el('button', { type: 'button', class: 'pick', 'aria-pressed': pressed ? 'true' : 'false', 'aria-disabled': disabled ? 'true' : null }, ...children);
    b.addEventListener('click', () => {
      if (b.getAttribute('aria-disabled') === 'true') return;
      for (const other of transfer.querySelectorAll('[aria-pressed="true"]')) other.setAttribute('aria-pressed', 'false');
      b.setAttribute('aria-pressed', 'true');
      picked = target;
      $('transfer-to').value = target.to;
      setText($('transfer-error'), '');
    });
    return b;
  }

  // How an agent of the directory is shown: free to take a call, on a call, or otherwise
  // unavailable (the switch's status and state beside it); not reachable = no phone to transfer to.
  function availability(a) {
    if (!a.reachable) return { key: 'transfer.unreachable', tone: 'unreachable' };
    if (a.available) return { key: 'transfer.available', tone: 'available' };
    if (a.onCall) return { key: 'transfer.onCall', tone: 'oncall' };
    return { key: 'transfer.unavailable', tone: 'unavailable' };
  }

  let last = null;
  function render(s) {
    last = s;
    if (!mode) return;
    setText($('transfer-title'), t(mode === 'consult' ? 'transfer.consultTitle' : 'transfer.title'));
    setText($('transfer-go'), t(mode === 'consult' ? 'transfer.consultGo' : 'transfer.go'));
    const bar = callBar(s);
    setDisabled($('transfer-go'), !bar[mode].enabled);
    const dir = s.directory;
    // Queues: a consult calls a person, so queues are listed for a transfer only. The directory's
    // waiting counts when the gateway sends one (it lists the same queues), else the snapshot's.
    const queues = mode === 'consult' ? [] : dir ? dir.queues : s.queues;
    $('transfer-queues').replaceChildren(...queues.map((q) => el('li', { 'data-testid': `transfer-queue-${q.name}` },
      pickButton({ kind: 'queue', to: q.name }, {},
        el('span', { class: 'pick-name' }, q.name),
        el('span', { class: 'pick-meta', 'data-testid': `transfer-waiting-${q.name}` }, t('transfer.waiting', { n: Number(q.waiting) || 0 }))))));
    // Other agents of the agent's queues, as the switch reports them (gateway's directory feed).
    const agents = dir ? dir.agents : null;
    $('transfer-agents').replaceChildren(...(agents ?? []).map((a) => {
      const av = availability(a);
      return el('li', { 'data-testid': `transfer-agent-${a.name}`, 'data-availability': av.tone },
        pickButton({ kind: 'agent', to: a.name }, { disabled: !a.reachable },
          el('span', { class: 'pick-name' }, a.name),
          el('span', { class: 'pick-meta' },
            el('span', { class: 'availability', 'data-availability': av.tone, 'data-testid': `transfer-availability-${a.name}` }, t(av.key)),
            ' ',
            el('span', { 'data-status': a.status }, [statusText(t, a.status), a.state ? stateText(t, a.state) : ''].filter(Boolean).join(' · ')))));
    }));
    const note = agents ? (agents.length ? (dir.truncated ? t('transfer.truncated', { n: agents.length }) : '') : t('transfer.noAgents')) : t('transfer.agentsUnavailable');
    setText($('transfer-agents-note'), note);
    $('transfer-agents-note').hidden = !note;
  }

  /** A typed name that is an agent of the directory is that agent (name@domain would otherwise read as a queue). */
  function typedTarget(typed) {
    const name = String(typed ?? '').trim();
    const agent = last && last.directory ? last.directory.agents.find((a) => a.name === name) : null;
    if (agent) return { kind: 'agent', to: agent.name };
    return parseTarget(guessTargetKind(typed), typed);
  }

  return {
    open(m, s) {
      mode = m;
      picked = null;
      $('transfer-to').value = '';
      setText($('transfer-error'), '');
      render(s);
      transfer.showModal();
      $('transfer-to').focus();
    },
    openKeypad() {
      sent = '';
      setText($('keypad-sent'), '');
      keypad.showModal();
    },
    /** A digit the gateway acknowledged (the switch sent it). */
    digitSent(d) {
      sent += d;
      setText($('keypad-sent'), t('keypad.sent', { digits: sent }));
    },
    isOpen() {
      return transfer.open || keypad.open;
    },
    closeAll() {
      if (transfer.open) transfer.close();
      if (keypad.open) keypad.close();
    },
    render,
    /** Keypad keys follow the bar; both dialogs close when the call they were for is no longer talking. */
    follow(s) {
      const enabled = callBar(s).keypad.enabled;
      for (const b of $('keypad-pad').children) setDisabled(b, !enabled);
      if (keypad.open && !(s.call && s.call.phase === 'talking')) keypad.close();
      if (transfer.open && !(s.call && s.call.phase === 'talking')) transfer.close();
    },
  };
}
