// The three live charts, drawn with Apache ECharts (served from our own origin
// at /vendor/echarts/, loaded by wallboard.html as window.echarts).

import { t, currentLocale } from '../lib/i18n.js';
import { formatClock } from './format.js';
import { gaugeOf, intervalSeries, waitingSeries } from './state.js';

const COLORS = { answered: '#38a169', abandoned: '#e53e3e', other: '#a0aec0', waiting: '#63b3ed', ok: '#38a169', warn: '#d69e2e', bad: '#e53e3e', text: '#e2e8f0', grid: '#2d3748' };

export function createCharts(els) {
  const echarts = globalThis.echarts;
  if (!echarts) return null; // the library did not load: tiles still work
  const charts = {
    intervals: echarts.init(els.intervals, null, { renderer: 'canvas' }),
    waiting: echarts.init(els.waiting, null, { renderer: 'canvas' }),
    gauge: echarts.init(els.gauge, null, { renderer: 'canvas' }),
  };
  addEventListener('resize', () => {
    for (const c of Object.values(charts)) c.resize();
  });
  return charts;
}

const HOUR_MS = 3_600_000;
const axisText = { color: COLORS.text, fontSize: 14 };
const legend = { top: 0, textStyle: { color: COLORS.text, fontSize: 14 } };
const grid = { left: 48, right: 16, top: 36, bottom: 28 };

export function renderCharts(charts, state) {
  if (!charts) return;
  const locale = currentLocale();
  const iv = intervalSeries(state);
  const now = state.data?.at ?? Date.now();
  charts.intervals.setOption({
    animation: false,
    legend,
    grid,
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: iv.from.map((ms) => formatClock(ms, locale)), axisLabel: axisText },
    yAxis: { type: 'value', minInterval: 1, axisLabel: axisText, splitLine: { lineStyle: { color: COLORS.grid } } },
    series: [
      { name: t('wallboard.series.answered'), type: 'bar', stack: 'calls', data: iv.answered, itemStyle: { color: COLORS.answered } },
      { name: t('wallboard.series.abandoned'), type: 'bar', stack: 'calls', data: iv.abandoned, itemStyle: { color: COLORS.abandoned } },
      { name: t('wallboard.series.other'), type: 'bar', stack: 'calls', data: iv.other, itemStyle: { color: COLORS.other } },
    ],
  });
  charts.waiting.setOption({
    animation: false,
    legend,
    grid,
    tooltip: { trigger: 'axis' },
    // Always the whole last hour, however few samples there are yet.
    xAxis: { type: 'time', min: now - HOUR_MS, max: now, axisLabel: { ...axisText, formatter: (ms) => formatClock(ms, locale) }, splitLine: { show: false } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: axisText, splitLine: { lineStyle: { color: COLORS.grid } } },
    series: [{ name: t('wallboard.series.waiting'), type: 'line', step: 'end', showSymbol: false, areaStyle: { opacity: 0.25 }, data: waitingSeries(state), itemStyle: { color: COLORS.waiting } }],
  });
  const g = gaugeOf(state);
  charts.gauge.setOption({
    animation: false,
    series: [
      {
        type: 'gauge',
        min: 0,
        max: 100,
        radius: '95%',
        center: ['50%', '60%'],
        startAngle: 200,
        endAngle: -20,
        axisLine: { lineStyle: { width: 18, color: [[g.bad, COLORS.bad], [g.warn, COLORS.warn], [1, COLORS.ok]] } },
        axisTick: { show: false },
        splitLine: { length: 10, lineStyle: { color: COLORS.text } },
        axisLabel: { color: COLORS.text, fontSize: 12, distance: 24 },
        pointer: { width: 6, itemStyle: { color: COLORS.text } },
        title: { show: false },
        detail: { valueAnimation: false, color: COLORS.text, fontSize: 32, offsetCenter: [0, '35%'], formatter: (v) => (g.value === null ? '—' : `${Math.round(v)}%`) },
        data: [{ value: g.value === null ? 0 : g.value * 100 }],
      },
    ],
  });
}
