// Small pure formatters for the supervisor console (no DOM).

/** 75 → "1:15", 3700 → "1:01:40"; negative or unknown → "–". */
export function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds since an epoch-ms moment, as a duration. */
export function since(epochMs, now) {
  return epochMs ? duration((now - epochMs) / 1000) : '–';
}

/** i18n key of a mod_callcenter status or state (the switch's own words stay the fallback). */
export function statusKey(status) {
  return `supervisor.status.${status.replace(/[^A-Za-z]/g, '')}`;
}

export function stateKey(state) {
  return `supervisor.state.${state.replace(/[^A-Za-z]/g, '')}`;
}
