// The supervisor console's state: a pure reducer over server messages and UI
// intents. No DOM, no socket, no clock: tests run it in Node.
//
// Server messages: /work/briefs/proto-supervisor.md (src/supervisor/protocol.ts).

export function initialState() {
  return {
    phase: 'login', // login | connecting | live
    who: null, // { name, role, queues }
    switchConnected: true,
    seq: 0,
    agents: new Map(),
    queues: new Map(),
    calls: new Map(),
    filter: null, // null = every queue in scope, else [queue]
    knownQueues: [], // every queue seen unfiltered: what the filter menu offers
    sort: { key: 'name', dir: 1 },
    error: null, // { code, message }
    pending: new Map(), // request id -> { kind, label }
    eavesdrop: null, // { leg, agent, mode }
    phone: '',
  };
}

function withMaps(state, patch) {
  return { ...state, ...patch };
}

function applyChanges(map, changes, keyOf) {
  if (!changes) return map;
  const next = new Map(map);
  for (const row of changes.upsert ?? []) next.set(keyOf(row), row);
  for (const key of changes.remove ?? []) next.delete(key);
  return next;
}

/** One server message. */
export function receive(state, m) {
  switch (m.type) {
    case 'hello':
      return withMaps(state, { phase: 'connecting', who: { name: m.name, role: m.role, queues: m.queues }, error: null });
    case 'snapshot':
      return withMaps(state, {
        phase: 'live',
        seq: m.seq,
        switchConnected: m.switchConnected,
        filter: m.filter,
        knownQueues: m.filter === null ? m.queues.map((q) => q.name).sort() : state.knownQueues,
        agents: new Map(m.agents.map((a) => [a.name, a])),
        queues: new Map(m.queues.map((q) => [q.name, q])),
        calls: new Map(m.calls.map((c) => [c.id, c])),
      });
    case 'diff':
      return withMaps(state, {
        seq: m.seq,
        ...(m.switchConnected !== undefined ? { switchConnected: m.switchConnected } : {}),
        agents: applyChanges(state.agents, m.agents, (a) => a.name),
        queues: applyChanges(state.queues, m.queues, (q) => q.name),
        calls: applyChanges(state.calls, m.calls, (c) => c.id),
      });
    case 'ack': {
      const p = state.pending.get(m.id);
      const pending = new Map(state.pending);
      pending.delete(m.id);
      let eavesdrop = state.eavesdrop;
      if (p?.kind === 'call.eavesdrop' && m.leg) eavesdrop = { leg: m.leg, agent: p.agent, mode: p.mode };
      if (p?.kind === 'eavesdrop.stop') eavesdrop = null;
      return withMaps(state, { pending, eavesdrop, error: null });
    }
    case 'error': {
      const pending = new Map(state.pending);
      pending.delete(m.id);
      const phase = m.code === 'AUTH_FAILED' ? 'login' : state.phase;
      return withMaps(state, { pending, phase, error: { code: m.code, message: m.message } });
    }
    default:
      return state;
  }
}

/** The page sent a request with this id (for the ack/error that answers it). */
export function sent(state, id, request) {
  const pending = new Map(state.pending);
  pending.set(id, request);
  return withMaps(state, { pending });
}

export function sortBy(state, key) {
  const dir = state.sort.key === key ? -state.sort.dir : 1;
  return withMaps(state, { sort: { key, dir } });
}

export function socketLost(state) {
  return withMaps(state, { phase: state.phase === 'login' ? 'login' : 'connecting', pending: new Map() });
}

export function clearError(state) {
  return withMaps(state, { error: null });
}

export function setPhone(state, phone) {
  return withMaps(state, { phone });
}

/** Agents in display order. `now` (epoch ms) is needed for the time-in-state sort. */
export function sortedAgents(state, now) {
  const { key, dir } = state.sort;
  const value = (a) => {
    switch (key) {
      case 'status':
        return a.status;
      case 'state':
        return a.state;
      case 'since':
        return a.stateSince ? now - a.stateSince : -1;
      case 'call':
        return a.call ? a.call.callerNumber : '';
      default:
        return a.name;
    }
  };
  return [...state.agents.values()].sort((x, y) => {
    const a = value(x);
    const b = value(y);
    const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
    return c !== 0 ? c * dir : x.name.localeCompare(y.name);
  });
}

/** Queues the filter menu offers: the token's scope, or every queue the switch has. */
export function filterChoices(state) {
  return state.who?.queues ?? state.knownQueues;
}

export function sortedCalls(state) {
  return [...state.calls.values()].sort((a, b) => a.since - b.since);
}

export function sortedQueues(state) {
  return [...state.queues.values()].sort((a, b) => a.name.localeCompare(b.name));
}
