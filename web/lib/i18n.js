// Translations for every page (agent desk, supervisor console, wallboard).
//
// Strings live in /i18n/<namespace>.<locale>.json, one namespace per page plus
// "common"; page code never hard-codes user-visible text. The locale comes from
// the user's explicit choice (localStorage) or else the browser's languages.
// Missing keys fall back to English, then to the key itself (visible in tests).

export const LOCALES = ['en', 'zh-CN'];
const STORAGE_KEY = 'cc.locale';

let locale = 'en';
let namespaces = [];
let dict = new Map(); // key -> string for the current locale
let fallback = new Map(); // English
const listeners = new Set();

/** The locale to use: the saved choice, else the first browser language we support. */
export function pickLocale(saved = readSaved(), languages = globalThis.navigator?.languages ?? []) {
  if (LOCALES.includes(saved)) return saved;
  for (const lang of languages) {
    const l = String(lang).toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

function readSaved() {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

async function load(ns, loc) {
  const res = await fetch(`/i18n/${ns}.${loc}.json`, { cache: 'no-cache' });
  if (!res.ok) return {};
  return res.json();
}

async function loadAll(loc) {
  const maps = await Promise.all(namespaces.map((ns) => load(ns, loc).catch(() => ({}))));
  const m = new Map();
  for (const obj of maps) for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') m.set(k, v);
  return m;
}

/** Loads "common" and the given namespaces in the chosen locale; call once before rendering. */
export async function initI18n(pageNamespaces) {
  namespaces = ['common', ...pageNamespaces.filter((n) => n !== 'common')];
  locale = pickLocale();
  fallback = await loadAll('en');
  dict = locale === 'en' ? fallback : await loadAll(locale);
  document.documentElement.lang = locale;
  applyI18n(document);
}

export function currentLocale() {
  return locale;
}

/** `t('call.waiting', { n: 3 })` with "{n} waiting" gives "3 waiting". */
export function t(key, params) {
  const s = dict.get(key) ?? fallback.get(key) ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (all, name) => (Object.hasOwn(params, name) ? String(params[name]) : all));
}

/** Switches language at once (saved for next time) and re-renders through the listeners. */
export async function setLocale(next) {
  if (!LOCALES.includes(next)) return;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  locale = next;
  dict = next === 'en' ? fallback : await loadAll(next);
  document.documentElement.lang = next;
  applyI18n(document);
  for (const fn of listeners) fn(next);
}

export function onLocaleChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Static markup: `data-i18n="key"` sets textContent; `data-i18n-attr="placeholder:key;aria-label:key2"`
 * sets attributes. Dynamic text is set by page code with t().
 */
export function applyI18n(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n'));
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.getAttribute('data-i18n-attr').split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}
