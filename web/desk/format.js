// Pure formatting helpers for the desk. Words come from the translator passed in
// (web/lib/i18n.js's t), so these run under node with any `t`.

const STATUS_KEYS = {
  'Available': 'status.available',
  'Available (On Demand)': 'status.onDemand',
  'On Break': 'status.onBreak',
  'Logged Out': 'status.loggedOut',
};

const STATE_KEYS = {
  'Waiting': 'state.waiting',
  'Receiving': 'state.receiving',
  'In a queue call': 'state.inQueueCall',
  'Idle': 'state.idle',
  'Reserved': 'state.reserved',
};

/** t(key) if the key has a translation, else `raw` (the switch's own word). */
export function translated(t, key, raw) {
  if (!key) return raw;
  const s = t(key);
  return s === key ? raw : s;
}

/** The switch's status in the page's language; unknown statuses are shown as the switch says them. */
export function statusText(t, status) {
  return translated(t, STATUS_KEYS[status], status);
}

export function stateText(t, state) {
  return translated(t, STATE_KEYS[state], state);
}

/** A break reason is admin-configured: translated when we know it ("lunch"), else shown as is. */
export function reasonText(t, reason) {
  return /^[A-Za-z0-9 _-]{1,40}$/.test(reason) ? translated(t, `reason.${reason}`, reason) : reason;
}

/** "42s", "3m 05s", "1h 02m" (words from the locale). */
export function formatSeconds(t, s) {
  const n = Math.max(0, Math.floor(s));
  if (n < 60) return t('time.s', { s: n });
  const m = Math.floor(n / 60);
  if (m < 60) return t('time.ms', { m, s: String(n % 60).padStart(2, '0') });
  return t('time.hm', { h: Math.floor(m / 60), m: String(m % 60).padStart(2, '0') });
}

/** "04:05" or "1:04:05". */
export function formatClock(total) {
  const s = Math.max(0, Math.floor(total));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

export function formatTime(ms, locale) {
  return new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** The outcome column of a session row. */
export function outcomeText(t, row) {
  const word = t(`calls.outcome.${row.outcome}`);
  let detail;
  if (row.whileAway) detail = t('calls.detail.whileAway');
  else if (row.outcome === 'answered') {
    detail = t('calls.detail.talkTime', { time: formatClock(row.talkTimeS ?? 0) });
    if (row.transferred) detail = `${detail}, ${t('calls.detail.transferred', { to: row.transferred.to })}`;
  }
  else if (row.outcome === 'missed') {
    detail = [row.hangupCause, row.statusMovedTo ? t('calls.detail.statusMoved', { status: statusText(t, row.statusMovedTo) }) : '']
      .filter(Boolean).join(', ');
  } else detail = [row.cause, row.hangupCause].filter(Boolean).join(', ');
  return detail ? t('calls.outcomeWithDetail', { outcome: word, detail }) : word;
}

/** Text for the error line: a page message, or the server's code in the page's language. */
export function errorText(t, error) {
  if (!error) return '';
  if (error.key) {
    const reason = error.code ? translated(t, `code.${error.code}`, error.message || error.code) : '';
    return t(error.key, { ...(error.params || {}), reason });
  }
  return translated(t, `code.${error.code}`, error.message || error.code || t('error.generic'));
}
