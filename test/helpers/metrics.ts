/**
 * The value of one Prometheus series in a `/metrics` text: `series` is the name,
 * with its labels when it has any (`cc_esl_commands_total{outcome="ok"}`).
 * `missing` when the series is absent (a counter with labels appears only once counted).
 */
export function sample(text: string, series: string, missing = Number.NaN): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : missing;
}
