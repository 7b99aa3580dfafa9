// The login session and this session's calls survive a reload of the tab
// (sessionStorage: per tab, gone when the tab closes).

const SESSION_KEY = 'ccdesk.session';
const CALLS_KEY = 'ccdesk.calls';

export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return s && typeof s.agent === 'string' && typeof s.token === 'string' ? { agent: s.agent, token: s.token } : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

// Rows carry the seq of the push that made them so a replay after reload cannot add a row twice.
export function loadCalls(agent) {
  try {
    const s = JSON.parse(sessionStorage.getItem(CALLS_KEY) || 'null');
    return s && s.agent === agent && Array.isArray(s.rows) ? s.rows.filter((r) => r && typeof r === 'object') : [];
  } catch {
    return [];
  }
}

export function saveCalls(session, rows) {
  if (session) sessionStorage.setItem(CALLS_KEY, JSON.stringify({ agent: session.agent, rows }));
  else sessionStorage.removeItem(CALLS_KEY);
}
