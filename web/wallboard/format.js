// Number formats for the wallboard, in the page's locale (Intl), so that no
// formatted string is hard-coded.

export function formatValue(value, kind, locale) {
  if (value === null || value === undefined) return '—';
  switch (kind) {
    case 'percent':
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value);
    case 'duration': {
      const s = Math.max(0, Math.floor(value));
      const h = Math.floor(s / 3600);
      const m = Math.floor((s % 3600) / 60);
      const ss = String(s % 60).padStart(2, '0');
      return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
    }
    default:
      return new Intl.NumberFormat(locale).format(value);
  }
}

export function formatClock(ms, locale) {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(ms));
}

export function formatClockSeconds(ms, locale) {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(ms));
}
