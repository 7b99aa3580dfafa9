// Wallboard state: a pure reducer and pure selectors (no DOM, no fetch), so
// they can be tested in Node. The view (view.js) renders what these return.

/**
 * Tile colours. `higher` means a higher value is better. A value at or past
 * `warn` is amber, at or past `bad` red. Overridable from the page URL, e.g.
 * ?sl=0.8,0.7&abandon=0.05,0.1&waiting=3,8&wait=30,90.
 */
export const DEFAULT_THRESHOLDS = {
  serviceLevel: { warn: 0.8, bad: 0.7, higher: true },
  abandonRate: { warn: 0.05, bad: 0.1, higher: false },
  waiting: { warn: 3, bad: 8, higher: false },
  longestWait: { warn: 30, bad: 90, higher: false },
};

const URL_KEYS = { sl: 'serviceLevel', abandon: 'abandonRate', waiting: 'waiting', wait: 'longestWait' };

/** Thresholds from URL search parameters; malformed values keep the defaults. */
export function thresholdsFrom(search) {
  const params = new URLSearchParams(search);
  const out = structuredClone(DEFAULT_THRESHOLDS);
  for (const [param, key] of Object.entries(URL_KEYS)) {
    const raw = params.get(param);
    if (!raw) continue;
    const [warn, bad] = raw.split(',').map(Number);
    if (Number.isFinite(warn) && Number.isFinite(bad)) out[key] = { ...out[key], warn, bad };
  }
  return out;
}

/** 'ok' | 'warn' | 'bad' | 'none' (no value yet). */
export function levelOf(value, t) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'none';
  if (t.higher) return value < t.bad ? 'bad' : value < t.warn ? 'warn' : 'ok';
  return value >= t.bad ? 'bad' : value >= t.warn ? 'warn' : 'ok';
}

export function initialState({ token = null, queue = null, thresholds = DEFAULT_THRESHOLDS } = {}) {
  return {
    token,
    queue, // null: every queue
    thresholds,
    // login: no token; connecting; live: a stream is open; reconnecting: it dropped; denied: the token was refused
    conn: token ? 'connecting' : 'login',
    data: null, // the last wallboard body
    clockSkewMs: 0, // server time minus ours when the body arrived
    error: null, // i18n key
  };
}

export function reduce(state, action) {
  switch (action.type) {
    case 'token':
      return { ...state, token: action.token, conn: 'connecting', error: null };
    case 'logout':
      return { ...state, token: null, conn: 'login', data: null, error: null };
    case 'open':
      return { ...state, conn: 'live', error: null };
    case 'snapshot':
      return { ...state, conn: 'live', data: action.body, clockSkewMs: action.body.at - action.receivedAt, error: null };
    case 'dropped':
      return state.conn === 'login' || state.conn === 'denied' ? state : { ...state, conn: 'reconnecting', error: action.error ?? 'wallboard.error.network' };
    case 'denied':
      return { ...state, conn: 'denied', data: null, error: action.status === 403 ? 'wallboard.error.forbidden' : 'wallboard.error.unauthorized' };
    default:
      return state;
  }
}

/** Longest current wait in seconds at `nowMs` (our clock), ticking between pushes. */
export function longestWaitAt(state, nowMs) {
  const tiles = state.data?.tiles;
  if (!tiles || tiles.oldestJoinedAt === null) return 0;
  return Math.max(0, Math.floor((nowMs + state.clockSkewMs - tiles.oldestJoinedAt) / 1000));
}

/**
 * The tiles: id, i18n label key, raw value, kind (how to format it), level
 * (colour) and an optional sub-line (i18n key and parameters).
 */
export function tilesOf(state, nowMs) {
  const d = state.data;
  const th = state.thresholds;
  const k = d?.tiles;
  const wait = longestWaitAt(state, nowMs);
  const sl = k ? k.today.serviceLevel : null;
  const ab = k ? k.today.abandonRate : null;
  return [
    { id: 'waiting', label: 'wallboard.tile.waiting', value: k ? k.waitingNow : null, kind: 'count', level: k ? levelOf(k.waitingNow, th.waiting) : 'none' },
    { id: 'longest-wait', label: 'wallboard.tile.longestWait', value: k ? wait : null, kind: 'duration', level: k ? levelOf(wait, th.longestWait) : 'none' },
    {
      id: 'service-level',
      label: 'wallboard.tile.serviceLevel',
      value: sl,
      kind: 'percent',
      level: levelOf(sl, th.serviceLevel),
      sub: k ? { key: 'wallboard.tile.slSub', params: { t: k.slThresholdS } } : null,
    },
    {
      id: 'abandon-rate',
      label: 'wallboard.tile.abandonRate',
      value: ab,
      kind: 'percent',
      level: levelOf(ab, th.abandonRate),
      sub: k ? { key: 'wallboard.tile.abandonSub', params: { n: k.today.abandoned, short: k.today.shortAbandoned } } : null,
    },
    // Nobody available while callers wait is the one agent figure worth a red tile.
    { id: 'available', label: 'wallboard.tile.available', value: k ? k.agents.available : null, kind: 'count', level: k ? (k.agents.available === 0 && k.waitingNow > 0 ? 'bad' : 'ok') : 'none' },
    { id: 'on-call', label: 'wallboard.tile.onCall', value: k ? k.agents.onCall : null, kind: 'count', level: 'neutral' },
    { id: 'on-break', label: 'wallboard.tile.onBreak', value: k ? k.agents.onBreak : null, kind: 'count', level: 'neutral' },
  ];
}

/** Calls per 15-minute interval today: labels (interval starts, ms) and series. */
export function intervalSeries(state) {
  const rows = state.data?.intervals ?? [];
  return {
    from: rows.map((r) => r.from),
    answered: rows.map((r) => r.answered),
    abandoned: rows.map((r) => r.abandoned + r.shortAbandoned),
    other: rows.map((r) => r.offered - r.answered - r.abandoned - r.shortAbandoned),
  };
}

/** Callers waiting over the last hour: [at ms, count] pairs. */
export function waitingSeries(state) {
  return (state.data?.waiting ?? []).map((s) => [s.at, s.waiting]);
}

/** The gauge: today's service level (0–1) or null, and the target band. */
export function gaugeOf(state) {
  const k = state.data?.tiles;
  return { value: k ? k.today.serviceLevel : null, warn: state.thresholds.serviceLevel.warn, bad: state.thresholds.serviceLevel.bad };
}
