// Wallboard page: wires the i18n, the reducer, the feed and the view.
// Read-only: it shows KPIs and sends nothing but its token.

import { initI18n, onLocaleChange, setLocale, currentLocale, LOCALES, t } from '../lib/i18n.js';
import { createCharts, renderCharts } from './charts.js';
import { startFeed } from './feed.js';
import { initialState, reduce, thresholdsFrom } from './state.js';
import { buildTiles, renderChrome, renderTiles } from './view.js';

const TOKEN_KEY = 'cc.wallboard.token';
const $ = (id) => document.getElementById(id);

function savedToken() {
  // A token handed over in the fragment (never sent to the server) is kept, then removed from the address bar.
  const m = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (m) {
    const token = decodeURIComponent(m[1]);
    history.replaceState(null, '', location.pathname + location.search);
    try {
      localStorage.setItem(TOKEN_KEY, token);
    } catch {
      // private mode: this page only
    }
    return token;
  }
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

const params = new URLSearchParams(location.search);
let state = initialState({ token: savedToken(), queue: params.get('queue') || null, thresholds: thresholdsFrom(location.search) });
let stopFeed = null;
let charts = null;

function dispatch(action) {
  state = reduce(state, action);
  render();
}

// Expose the state for tests and for a curious operator's console (read-only copy).
globalThis.__wallboardState = () => structuredClone(state);

let boardShown = false;

function render() {
  renderChrome(state);
  renderTiles($('tiles'), state, Date.now());
  const shown = !$('board').hidden;
  if (charts && shown) {
    // Charts measure their boxes: again when the board appears (it is hidden behind the login).
    if (!boardShown) for (const c of Object.values(charts)) c.resize();
    renderCharts(charts, state);
  }
  boardShown = shown;
}

function connect() {
  stopFeed?.();
  stopFeed = state.token ? startFeed({ token: state.token, queue: state.queue, dispatch }) : null;
}

function buildLanguageSwitch() {
  const sel = $('locale');
  sel.textContent = '';
  for (const loc of LOCALES) {
    const o = document.createElement('option');
    o.value = loc;
    o.textContent = t(`common.locale.${loc}`);
    sel.append(o);
  }
  sel.value = currentLocale();
}

await initI18n(['wallboard']);
buildLanguageSwitch();
$('locale').addEventListener('change', (e) => void setLocale(e.target.value));
onLocaleChange(() => {
  buildLanguageSwitch();
  document.title = t('wallboard.title');
  render();
});
document.title = t('wallboard.title');
buildTiles($('tiles'), state);

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  try {
    localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // private mode
  }
  $('token').value = '';
  dispatch({ type: 'token', token });
  connect();
});
$('logout').addEventListener('click', () => {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // private mode
  }
  stopFeed?.();
  stopFeed = null;
  dispatch({ type: 'logout' });
});

// The board is laid out before the charts measure their boxes.
renderChrome(state);
charts = createCharts({ intervals: $('chart-intervals'), waiting: $('chart-waiting'), gauge: $('chart-gauge') });
render();
connect();
// The longest wait and the clock tick between pushes.
setInterval(() => {
  renderTiles($('tiles'), state, Date.now());
  $('clock').textContent = new Intl.DateTimeFormat(currentLocale(), { hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date());
}, 1000);
document.body.dataset.ready = 'true';
