// The desk's state and its reducer: (state, message, now) → new state.
//
// Pure: no DOM, no timers, no storage, no clock (the caller passes `now`, epoch
// ms). Runs unchanged under node (test/web/desk-reducer.test.ts) and in the page.
//
// Rules it keeps (they were the page's rules before the split):
// - What is shown is what the server said. A command never changes the status or
//   the call; it only marks itself `pending` until the ack/error, which the server
//   sends after the switch confirmed or refused.
// - Every push carries a per-agent seq; a push at or below the last seq seen is a
//   replay duplicate and is dropped, so each event is applied exactly once.
// - Things the shell must do (store the session, restart the socket, move focus)
//   are put in `effects`, a list the shell drains after each step; the reducer
//   never does them itself.
//
// Messages are the server's (src/realtime/protocol.ts) plus the page's own, whose
// type starts with "local/" (socket opened/closed, command sent/timed out, …).

export const MAX_CALL_ROWS = 200;

// Resume errors after which retrying cannot help: the session is gone.
export const SESSION_GONE_CODES = new Set(['BAD_TOKEN', 'AUTH_FAILED', 'AGENT_NOT_FOUND', 'NOT_LOGGED_IN', 'BAD_MESSAGE']);

/** The state of a page that has not talked to anyone yet. */
export function initialState() {
  return {
    view: 'login', // 'login' | 'desk'
    session: null, // { agent, token } once logged in
    lastSeq: 0,
    socketOpen: false,
    live: false, // this socket carries our session (login or resume acked, or pushes arrived)
    switchConnected: true,
    agent: null, // AgentInfo: { name, status, state, contact, breakReason }
    statusSince: null, // epoch ms the current status began (server's figure when it sends one)
    queues: [], // QueueInfo[], in the server's order
    breakReasons: [],
    call: null, // the call on screen (see callFrom)
    calls: [], // this session's finished calls, newest first
    wrapUp: null, // after-call work (proto-aftercall acw.*): see wrapUpFrom
    nextStatus: null, // { status: 'On Break'|'Logged Out', reason } applied when the current call ends
    outbound: null, // the agent's click-to-dial action, as last pushed
    directory: null, // { agents, queues, truncated }: the transfer dialog's list (not numbered; null until the gateway sends one)
    pending: null, // { id, kind, … }: the one command awaiting ack/error
    error: null, // { key, params } (page text) or { code, message } (from the server)
    loginAgent: '', // prefill for the login form after a session ended
    // Command kinds this gateway answered UNKNOWN_TYPE to (an older gateway, or a
    // feature not built yet): their buttons stay disabled until the next connection.
    unsupported: {},
    effects: [],
  };
}

/** Applies one message. Returns a new state (the old one is not modified). */
export function reduce(state, msg, now) {
  const s = { ...state, effects: [] };
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return s;
  if (msg.type.startsWith('local/')) return reduceLocal(s, msg, now);
  if (msg.type === 'ack' || msg.type === 'error') return reduceReply(s, msg, now);
  // Not numbered (presence, not history): the latest one is the truth, whatever came before.
  if (msg.type === 'directory') return s.session ? { ...s, directory: directoryFrom(msg) } : s;
  if (typeof msg.seq === 'number') {
    // A snapshot is a whole state, so one at the current seq is applied again
    // (harmless); any other push at or below lastSeq was already applied.
    if (msg.type === 'snapshot' ? msg.seq < s.lastSeq : msg.seq <= s.lastSeq) return s;
    s.lastSeq = msg.seq;
  }
  // Pushes after a resume mean the session is back, even if the ack comes later.
  if (s.session && s.pending?.kind !== 'login') {
    if (!s.live) s.effects = [...s.effects, 'resetBackoff'];
    s.live = true;
  }
  return reducePush(s, msg, now);
}

// ---------------------------------------------------------------------------
// The page's own events

function reduceLocal(s, msg, now) {
  switch (msg.type) {
    case 'local/restore': // page load inside a login session: show the desk (status unknown) while resuming
      if (!msg.session) return s;
      return { ...s, session: msg.session, view: 'desk', calls: Array.isArray(msg.calls) ? msg.calls : [] };
    case 'local/socket-open':
      // A new connection may be a newer gateway: try every command again.
      return { ...s, socketOpen: true, unsupported: {} };
    case 'local/socket-closed': {
      const out = { ...s, socketOpen: false, live: false, pending: null };
      const p = s.pending;
      if (p?.kind === 'login') out.error = { key: 'error.lostDuringLogin' };
      else if (p && p.kind !== 'resume') out.error = { key: 'error.lostBeforeAnswer' };
      return out;
    }
    case 'local/login-start':
      // A new login starts a new seq stream, a new status and no call.
      return {
        ...s,
        lastSeq: 0,
        agent: null,
        statusSince: null,
        queues: [],
        call: null,
        wrapUp: null,
        nextStatus: null,
        outbound: null,
        directory: null,
        error: null,
        pending: { id: msg.id, kind: 'login', agent: msg.agent },
      };
    case 'local/command':
      return {
        ...s,
        // A resume is the page's own doing: it keeps whatever error is on screen.
        error: msg.kind === 'resume' ? s.error : null,
        pending: { id: msg.id, kind: msg.kind, ...(msg.target ? { target: msg.target } : {}) },
      };
    case 'local/command-unsent':
      if (s.pending?.id !== msg.id) return s;
      return { ...s, pending: null, error: { key: 'error.notConnected' } };
    case 'local/command-timeout': {
      if (s.pending?.id !== msg.id) return s;
      const kind = s.pending.kind;
      // An unanswered resume leaves the desk without a session: start over on a new socket.
      if (kind === 'resume') return { ...s, pending: null, effects: ['closeSocket'] };
      return { ...s, pending: null, error: { key: 'error.noAnswer' } };
    }
    case 'local/wrapup-dismiss':
      // The agent closes the panel of an after-call time that already ended without filing.
      return s.wrapUp && s.wrapUp.ended ? { ...s, wrapUp: null } : s;
    case 'local/error':
      return { ...s, error: msg.key ? { key: msg.key, params: msg.params } : null };
    default:
      void now;
      return s;
  }
}

// ---------------------------------------------------------------------------
// ack / error

function reduceReply(s, msg, now) {
  const p = s.pending;
  if (!p || msg.id == null || msg.id !== p.id) {
    // A reply to nothing we wait for: still worth showing if it is an error.
    if (msg.type === 'error') s.error = serverError(msg);
    return s;
  }
  s.pending = null;
  return msg.type === 'ack' ? onAck(s, p, msg, now) : onError(s, p, msg);
}

function serverError(msg) {
  return { code: typeof msg.code === 'string' ? msg.code : '', message: typeof msg.message === 'string' ? msg.message : '' };
}

function onAck(s, p, msg) {
  switch (p.kind) {
    case 'login': {
      if (typeof msg.token !== 'string') return { ...s, error: { key: 'error.noSession' } };
      return {
        ...s,
        session: { agent: typeof msg.agent === 'string' ? msg.agent : p.agent, token: msg.token },
        live: true,
        calls: [],
        view: 'desk',
        error: null,
        effects: ['saveSession', 'saveCalls', 'resetBackoff', 'clearPassword', 'focus:status-title'],
      };
    }
    case 'resume':
      return { ...s, live: true, view: 'desk', error: null, effects: ['resetBackoff'] };
    case 'logout': {
      const out = endSession(s);
      out.effects = [...out.effects, 'restartSocket', 'focus:login-agent'];
      return out;
    }
    case 'dial':
      // The ack carries the stored action; its later states arrive as outbound.state pushes.
      return msg.action ? applyOutbound(s, msg.action) : s;
    default:
      // Every other command's result arrives as a push (agent.status, call.held, …).
      return s;
  }
}

function onError(s, p, msg) {
  const err = serverError(msg);
  if (p.kind === 'resume') {
    if (SESSION_GONE_CODES.has(err.code)) {
      const agent = s.session ? s.session.agent : '';
      const out = endSession(s);
      out.loginAgent = agent;
      out.error = { key: 'error.sessionEnded', code: err.code, message: err.message };
      out.effects = [...out.effects, 'focus:login-password'];
      return out;
    }
    // Transient (switch down, rate limited…): try again on a fresh socket with backoff.
    return { ...s, error: err, effects: ['closeSocket'] };
  }
  if (err.code === 'UNKNOWN_TYPE' && p.kind !== 'login') return { ...s, error: err, unsupported: { ...s.unsupported, [p.kind]: true } };
  return { ...s, error: err };
}

/** Forgets the login session and everything that belonged to it. */
function endSession(s) {
  return {
    ...s,
    session: null,
    live: false,
    lastSeq: 0,
    agent: null,
    statusSince: null,
    queues: [],
    breakReasons: [],
    call: null,
    calls: [],
    wrapUp: null,
    nextStatus: null,
    outbound: null,
    directory: null,
    switchConnected: true,
    view: 'login',
    effects: ['saveSession', 'saveCalls'],
  };
}

// ---------------------------------------------------------------------------
// Pushes

function reducePush(s, msg, now) {
  switch (msg.type) {
    case 'snapshot':
      return applySnapshot(s, msg, now);
    case 'agent.status': {
      const agent = { ...(s.agent || emptyAgent(s)), status: String(msg.status ?? ''), breakReason: msg.reason ?? null };
      return { ...s, agent, statusSince: sinceFor(s, agent.status, msg, now) };
    }
    case 'agent.state':
      return { ...s, agent: { ...(s.agent || emptyAgent(s)), state: String(msg.state ?? '') } };
    case 'agent.contact':
      return { ...s, agent: { ...(s.agent || emptyAgent(s)), contact: String(msg.contact ?? '') } };
    case 'call.offered':
      return { ...s, call: callFrom(msg) };
    case 'call.bridged':
      return onBridged(s, msg, now);
    case 'call.held': {
      if (!s.call || s.call.memberUuid !== msg.memberUuid) return s;
      return { ...s, call: { ...s.call, held: msg.held === true, agentLegUuid: msg.agentLegUuid ?? s.call.agentLegUuid } };
    }
    case 'call.muted': {
      if (!s.call || s.call.memberUuid !== msg.memberUuid) return s;
      return { ...s, call: { ...s.call, muted: msg.muted === true } };
    }
    case 'call.transferred': {
      // The switch moved the call away. mod_callcenter's call.ended comes before or after
      // this push: before, the call's row says where it went; after, no control applies meanwhile.
      const transferred = { kind: str(msg.kind), to: str(msg.to) };
      if (!s.call || s.call.memberUuid !== msg.memberUuid) {
        const i = s.calls.findIndex((r) => r.memberUuid === msg.memberUuid);
        if (i < 0) return s;
        const calls = [...s.calls];
        calls[i] = { ...calls[i], transferred };
        return { ...s, calls, effects: [...s.effects, 'saveCalls'] };
      }
      return { ...s, call: { ...s.call, transferred } };
    }
    case 'call.consult': {
      // proto-controls: talking (the target answered) | conference | completed | cancelled.
      // While the target rings there is no push: the call.consult command is pending.
      if (!s.call || s.call.memberUuid !== msg.memberUuid) return s;
      const open = msg.state === 'talking' || msg.state === 'conference';
      const consult = open ? { state: str(msg.state), kind: str(msg.kind), to: str(msg.to) } : null;
      const transferred = msg.state === 'completed' ? { kind: str(msg.kind), to: str(msg.to) } : s.call.transferred;
      return { ...s, call: { ...s.call, consult, transferred } };
    }
    case 'outbound.state':
      return applyOutbound(s, msg.action);
    case 'acw.started':
      return { ...s, wrapUp: wrapUpFrom(msg) };
    case 'acw.disposition': {
      if (!s.wrapUp || s.wrapUp.memberUuid !== msg.memberUuid) return s;
      const disposition = { code: str(msg.code), notes: str(msg.notes) };
      // Filed after the after-call time ended: nothing more to do on this call.
      if (s.wrapUp.ended) return { ...s, wrapUp: null };
      return { ...s, wrapUp: { ...s.wrapUp, disposition } };
    }
    case 'acw.ended': {
      if (!s.wrapUp || s.wrapUp.memberUuid !== msg.memberUuid) return s;
      // The agent is routable again. A disposition not filed yet can still be filed
      // (proto-aftercall: up to 15 minutes after the call), unless a new call came.
      const keep = !s.wrapUp.disposition && msg.reason !== 'next-call' && s.wrapUp.dispositions.length > 0;
      return { ...s, wrapUp: keep ? { ...s.wrapUp, ended: str(msg.reason) || 'timeout' } : null };
    }
    case 'agent.next-status':
      return { ...s, nextStatus: nextStatusFrom(msg) };
    case 'call.ended':
      return onEnded(s, msg, now);
    case 'call.missed':
      return onMissed(s, msg, now);
    case 'queue.waiting': {
      const count = Number(msg.count) || 0;
      const i = s.queues.findIndex((q) => q.name === msg.queue);
      const queues = [...s.queues];
      if (i >= 0) queues[i] = { ...queues[i], waiting: count };
      else queues.push({ name: String(msg.queue), level: 0, position: 0, tierState: '', waiting: count });
      return { ...s, queues };
    }
    case 'link':
      return { ...s, switchConnected: msg.switchConnected !== false };
    default:
      return s; // newer server, older page: ignore what we do not know
  }
}

function emptyAgent(s) {
  return { name: s.session ? s.session.agent : '', status: '', state: '', contact: '', breakReason: null };
}

// The time the current status began: the server's figure when it sends one
// (epoch seconds), else when this page first saw the status (kept while it stays).
function sinceFor(s, status, src, now) {
  // proto-aftercall: statusChangedAt in the snapshot's agent, changedAt on agent.status (0 = unknown).
  const server = Number(src?.statusChangedAt ?? src?.changedAt ?? src?.statusSince);
  if (Number.isFinite(server) && server > 0) return server * 1000;
  if (s.agent && s.agent.status === status && s.statusSince != null) return s.statusSince;
  return now;
}

function applySnapshot(s, msg, now) {
  const agent = msg.agent && typeof msg.agent === 'object'
    ? { ...emptyAgent(s), ...msg.agent, breakReason: msg.agent.breakReason ?? null }
    : null;
  const out = {
    ...s,
    agent,
    statusSince: agent ? sinceFor(s, agent.status, msg.agent, now) : null,
    queues: Array.isArray(msg.queues) ? msg.queues.map((q) => ({ ...q })) : [],
    breakReasons: Array.isArray(msg.breakReasons) ? msg.breakReasons.filter((r) => typeof r === 'string') : [],
    switchConnected: msg.switchConnected !== false,
    wrapUp: msg.acw && typeof msg.acw === 'object' ? wrapUpFrom(msg.acw) : null,
    nextStatus: nextStatusFrom(msg.nextStatus),
  };
  if ('outbound' in msg) {
    // The dial in progress as the gateway follows it (a reloaded page shows it). None: a
    // finished action on screen stays (its outcome), one the page thought running is gone.
    if (msg.outbound && typeof msg.outbound === 'object') Object.assign(out, applyOutbound(out, msg.outbound));
    else if (out.outbound && !OUTBOUND_FINAL.has(out.outbound.state)) out.outbound = null;
  }
  const had = s.call;
  const call = msg.call ? callFrom(msg.call) : null;
  if (had && (!call || call.memberUuid !== had.memberUuid)) {
    // The call on screen finished while we were away and the server could not replay how.
    out.calls = addRow(out.calls, { seq: msg.seq, at: now, call: had, outcome: 'ended', whileAway: true });
    out.effects = [...out.effects, 'saveCalls'];
  }
  // Keep what the page learned about the same call (the record) if the snapshot's is older.
  out.call = call && had && had.memberUuid === call.memberUuid ? { ...had, ...call } : call;
  return out;
}

/** The transfer dialog's directory (src/realtime/directory.ts), with only what the page uses. */
export function directoryFrom(d) {
  const agents = Array.isArray(d.agents) ? d.agents.filter((a) => a && typeof a.name === 'string') : [];
  const queues = Array.isArray(d.queues) ? d.queues.filter((q) => q && typeof q.name === 'string') : [];
  return {
    agents: agents.map((a) => ({
      name: a.name,
      status: str(a.status),
      state: str(a.state),
      onCall: a.onCall === true,
      available: a.available === true,
      reachable: a.reachable === true,
    })),
    queues: queues.map((q) => ({ name: q.name, waiting: Number(q.waiting) || 0 })),
    truncated: d.truncated === true,
  };
}

/** After-call work from acw.started or the snapshot's acw. */
export function wrapUpFrom(a) {
  const d = a.disposition && typeof a.disposition === 'object' ? { code: str(a.disposition.code), notes: str(a.disposition.notes) } : null;
  return {
    memberUuid: str(a.memberUuid),
    queue: str(a.queue),
    startedAt: Number(a.startedAt) || 0,
    endsAt: Number(a.endsAt) || 0,
    dispositions: Array.isArray(a.dispositions)
      ? a.dispositions.filter((x) => x && typeof x.code === 'string').map((x) => ({ code: x.code, label: str(x.label ?? x.code) }))
      : [],
    required: a.required === true,
    disposition: d,
    ended: null, // why it ended ('timeout'|'agent'), while a disposition may still be filed
  };
}

function nextStatusFrom(n) {
  if (!n || typeof n !== 'object' || (n.status !== 'On Break' && n.status !== 'Logged Out')) return null;
  return { status: n.status, reason: n.reason == null ? null : str(n.reason) };
}

export const OUTBOUND_FINAL = new Set(['ended', 'failed']);

// Outbound actions are pushed whole on every change; an older state of the same
// action (a replayed ack after its pushes) must not win over a newer one.
const OUTBOUND_ORDER = ['new', 'sent', 'agent-ringing', 'agent-answered', 'customer-ringing', 'bridged', 'ended', 'failed'];

function applyOutbound(s, action) {
  if (!action || typeof action !== 'object' || typeof action.id !== 'string') return s;
  const a = {
    id: action.id,
    number: str(action.number),
    callerId: str(action.callerId),
    state: str(action.state),
    cause: action.cause == null ? null : str(action.cause),
    bridgedAt: action.bridgedAt ?? null,
  };
  const had = s.outbound;
  if (had && had.id === a.id && OUTBOUND_ORDER.indexOf(a.state) < OUTBOUND_ORDER.indexOf(had.state)) return s;
  return { ...s, outbound: a };
}

/** The call on screen, from an offered/bridged push or the snapshot's `call`. */
export function callFrom(c) {
  return {
    queue: str(c.queue),
    memberUuid: str(c.memberUuid),
    callerNumber: str(c.callerNumber),
    callerName: str(c.callerName),
    dnis: str(c.dnis),
    joinedAt: Number(c.joinedAt) || 0,
    data: c.data && typeof c.data === 'object' ? c.data : null,
    dataUnavailable: !!c.dataUnavailable,
    phase: c.phase === 'talking' ? 'talking' : 'ringing',
    answeredAt: c.answeredAt != null ? Number(c.answeredAt) : null,
    held: c.held === true,
    muted: c.muted === true,
    agentLegUuid: typeof c.agentLegUuid === 'string' ? c.agentLegUuid : null,
    transferred: null, // { kind, to } once the switch confirmed a transfer
    consult: null, // { state: 'dialing'|'talking'|'conference', kind, to } while a consult leg exists
  };
}

function str(v) {
  return v == null ? '' : String(v);
}

function onBridged(s, msg, now) {
  const c = s.call && s.call.memberUuid === msg.memberUuid ? s.call : callFrom({ ...msg, data: null });
  return {
    ...s,
    call: {
      ...c,
      phase: 'talking',
      answeredAt: Number(msg.answeredAt) || now / 1000,
      callerNumber: msg.callerNumber || c.callerNumber,
      callerName: msg.callerName || c.callerName,
      held: msg.held === true,
      agentLegUuid: typeof msg.agentLegUuid === 'string' ? msg.agentLegUuid : c.agentLegUuid,
    },
  };
}

function onEnded(s, msg, now) {
  const current = s.call && s.call.memberUuid === msg.memberUuid ? s.call : null;
  // Without a card for it, a member that already has a row (say missed, then the
  // caller hung up) would be a second row for one call.
  if (!current && s.calls.some((r) => r.memberUuid === msg.memberUuid)) return s;
  const call = current || callFrom(msg);
  const answered = (current && current.phase === 'talking') || msg.talkTimeS > 0;
  const talk = typeof msg.talkTimeS === 'number'
    ? msg.talkTimeS
    : current && current.answeredAt ? now / 1000 - current.answeredAt : 0;
  const row = answered
    ? { outcome: 'answered', talkTimeS: Math.max(0, Math.floor(talk)), transferred: call.transferred ?? null }
    : { outcome: 'ended', cause: str(msg.cause), hangupCause: str(msg.hangupCause) };
  return {
    ...s,
    calls: addRow(s.calls, { seq: msg.seq, at: now, call, ...row }),
    call: current ? null : s.call,
    effects: [...s.effects, 'saveCalls'],
  };
}

function onMissed(s, msg, now) {
  const current = s.call && s.call.memberUuid === msg.memberUuid ? s.call : null;
  if (!current && s.calls.some((r) => r.memberUuid === msg.memberUuid)) return s;
  const call = current || callFrom(msg);
  return {
    ...s,
    calls: addRow(s.calls, { seq: msg.seq, at: now, call, outcome: 'missed', hangupCause: str(msg.hangupCause), statusMovedTo: msg.status ?? null }),
    call: current ? null : s.call,
    effects: [...s.effects, 'saveCalls'],
  };
}

function addRow(rows, { seq, at, call, ...rest }) {
  if (seq != null && rows.some((r) => r.seq === seq)) return rows;
  const row = {
    seq: seq ?? null,
    at,
    memberUuid: call.memberUuid,
    number: call.callerNumber,
    name: call.callerName,
    queue: call.queue,
    talkTimeS: null,
    cause: '',
    hangupCause: '',
    statusMovedTo: null,
    whileAway: false,
    transferred: null,
    ...rest,
  };
  return [row, ...rows].slice(0, MAX_CALL_ROWS);
}

// ---------------------------------------------------------------------------
// Selectors: what the view and the shortcuts may offer, from the state alone.

/** The session can send commands now. */
export function canCommand(s) {
  return s.socketOpen && s.live && s.switchConnected;
}

/** The status the badge may vouch for, or null when it cannot (no session on this socket, switch lost). */
export function shownStatus(s) {
  const a = s.agent;
  if (!a || !a.status || !s.live || !s.switchConnected) return null;
  return { status: a.status, state: a.state || null, breakReason: a.status === 'On Break' ? a.breakReason : null, since: s.statusSince };
}

/** Tone of the status badge. */
export function statusTone(s) {
  const shown = shownStatus(s);
  if (!shown) return 'unknown';
  if (shown.state === 'In a queue call' || (s.call && s.call.phase === 'talking')) return 'incall';
  switch (shown.status) {
    case 'Available': return 'available';
    case 'Available (On Demand)': return 'ondemand';
    case 'On Break': return 'break';
    case 'Logged Out': return 'loggedout';
    default: return 'other';
  }
}

/** Ready / Break / Log out: each { enabled, pending }. Ready does not apply to an agent already Available. */
export function statusControls(s) {
  const usable = canCommand(s) && !s.pending;
  const one = (kind, applies = true) => ({ enabled: usable && applies, pending: s.pending?.kind === kind });
  return { ready: one('ready', shownStatus(s)?.status !== 'Available'), busy: one('busy'), logout: one('logout'), reasonSelect: canCommand(s) };
}

/** An outbound action that is still going (not ended or failed). */
export function outboundActive(s) {
  return !!s.outbound && !OUTBOUND_FINAL.has(s.outbound.state);
}

/**
 * The call control bar: for each button { enabled, pending, pressed }.
 * A control is enabled only when the switch reported a state it applies to
 * (proto-controls: after call.bridged of the shown call, until call.ended or
 * call.transferred) and no other command is waiting for its answer.
 */
export function callBar(s) {
  const free = canCommand(s) && !s.pending;
  const call = s.call;
  const bridged = !!call && call.phase === 'talking' && !call.transferred;
  const consult = bridged ? call.consult : null;
  // proto-controls: while a consult talks, hang-up, hold, DTMF and transfer are NOT_ALLOWED
  // (complete or cancel first); in a conference the agent may leave with hang-up.
  const alone = bridged && !consult;
  const p = s.pending?.kind;
  const b = (enabled, kind, pressed = false) => ({ enabled: free && enabled && !s.unsupported[kind], pending: p === kind, pressed });
  const status = s.agent?.status;
  return {
    hangup: b(alone || consult?.state === 'conference', 'hangup'),
    hold: b(alone, 'hold', !!call?.held),
    mute: b(bridged, 'mute', !!call?.muted),
    keypad: b(alone, 'dtmf'),
    transfer: b(alone, 'transfer'),
    consult: b(alone, 'consult', !!consult || p === 'consult'),
    consultComplete: b(!!consult && consult.state === 'talking', 'consultComplete'),
    consultCancel: b(!!consult && consult.state === 'talking', 'consultCancel'),
    conference: b(!!consult && consult.state === 'talking', 'conference', consult?.state === 'conference'),
    dial: b(!call && !outboundActive(s) && !!status && status !== 'Logged Out', 'dial'),
  };
}

/** The after-call panel's buttons. */
export function wrapUpControls(s) {
  const w = s.wrapUp;
  const free = canCommand(s) && !s.pending;
  const p = s.pending?.kind;
  return {
    // Filing is allowed during ACW and after it (until the server says no: UNKNOWN_CALL).
    save: { enabled: free && !!w && w.dispositions.length > 0 && !s.unsupported.disposition, pending: p === 'disposition' },
    end: { enabled: free && !!w && !w.ended && !s.unsupported.acwEnd, pending: p === 'acwEnd' },
  };
}

/** "After this call" (next status): offered only while there is a call to end. */
export function nextStatusControls(s) {
  const free = canCommand(s) && !s.pending;
  const onCall = !!s.call;
  // pending: the button (status) whose request waits for its answer.
  return { enabled: free && onCall && !s.unsupported.nextStatus, pending: s.pending?.kind === 'nextStatus' ? s.pending.target ?? null : null, current: s.nextStatus };
}
