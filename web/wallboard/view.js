// The wallboard's DOM: renders what the state's selectors return. Server data
// reaches the DOM through textContent and attributes only.

import { t, currentLocale } from '../lib/i18n.js';
import { formatClockSeconds, formatValue } from './format.js';
import { tilesOf } from './state.js';

const $ = (id) => document.getElementById(id);

/** Builds the tile elements once (their order and ids never change). */
export function buildTiles(container, state) {
  container.textContent = '';
  for (const tile of tilesOf(state, Date.now())) {
    const el = document.createElement('section');
    el.className = 'tile';
    el.setAttribute('data-testid', `tile-${tile.id}`);
    const label = document.createElement('h2');
    label.className = 'tile-label';
    const value = document.createElement('p');
    value.className = 'tile-value';
    value.setAttribute('data-testid', `tile-${tile.id}-value`);
    const sub = document.createElement('p');
    sub.className = 'tile-sub';
    el.append(label, value, sub);
    container.append(el);
  }
}

export function renderTiles(container, state, nowMs) {
  const locale = currentLocale();
  const tiles = tilesOf(state, nowMs);
  tiles.forEach((tile, i) => {
    const el = container.children[i];
    if (!el) return;
    el.dataset.level = tile.level;
    el.children[0].textContent = t(tile.label);
    el.children[1].textContent = formatValue(tile.value, tile.kind, locale);
    el.children[2].textContent = tile.sub ? t(tile.sub.key, tile.sub.params) : '';
  });
}

export function renderChrome(state) {
  const conn = $('conn');
  conn.dataset.conn = state.conn;
  conn.textContent = t(`wallboard.conn.${state.conn}`);
  $('login').hidden = state.conn !== 'login' && state.conn !== 'denied';
  $('board').hidden = state.conn === 'login' || state.conn === 'denied';
  $('logout').hidden = state.token === null;
  $('queue-name').textContent = state.queue ?? t('wallboard.allQueues');
  $('error').textContent = state.error ? t(state.error) : '';
  $('seeding').hidden = !state.data || state.data.seeded;
  $('updated').textContent = state.data ? t('wallboard.updated', { time: formatClockSeconds(state.data.at, currentLocale()) }) : '';
}
