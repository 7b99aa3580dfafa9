/**
 * The queue KPIs a console row shows, read from the KPI engine (helper `kpis`, src/kpis/:
 * `KpiReader.snapshot({ queues })`, see /work/briefs/proto-kpis.md). Typed structurally here, so
 * the console does not depend on that module: the composition root passes the reader in
 * (`new SupervisorHub({ …, kpis: kpisOf(reader) })` and `reader.on('change', () => hub.kpisChanged())`).
 */

interface FiguresLike {
  readonly offered: number;
  readonly answered: number;
  readonly abandoned: number;
  readonly serviceLevel: number | null;
  readonly abandonRate: number | null;
  readonly asaS: number | null;
  readonly ahtS: number | null;
}

export interface KpiReaderLike {
  snapshot(opts: { queues: readonly string[] }): { readonly queues: ReadonlyArray<{ readonly queue: string; readonly today: FiguresLike; readonly longestWaitS: number }> };
}

/** Today's figures of one queue, flat (the page labels each key: supervisor.kpi.<key>). */
export function kpisOf(reader: KpiReaderLike): (queue: string) => Record<string, number | null> | null {
  return (queue) => {
    const q = reader.snapshot({ queues: [queue] }).queues.find((x) => x.queue === queue);
    if (!q) return null;
    const t = q.today;
    return { offered: t.offered, answered: t.answered, abandoned: t.abandoned, serviceLevel: t.serviceLevel, abandonRate: t.abandonRate, asaS: t.asaS, ahtS: t.ahtS, longestWaitS: q.longestWaitS };
  };
}
