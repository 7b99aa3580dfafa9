/**
 * The desk's translations: English and Simplified Chinese have the same keys with the
 * same {placeholders}, and every key the page uses (data-i18n markup in index.html,
 * literal t('…') calls and error keys in web/desk/*.js) exists, so no visible text falls
 * back to a bare key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const web = new URL('../../web/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, web), 'utf8');
const dict = (loc: string): Record<string, string> => ({
  ...(JSON.parse(read(`i18n/common.${loc}.json`)) as Record<string, string>),
  ...(JSON.parse(read(`i18n/desk.${loc}.json`)) as Record<string, string>),
});
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

test('en and zh-CN have the same keys and placeholders, and no empty text', () => {
  const en = dict('en');
  const zh = dict('zh-CN');
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(en)) {
    assert.ok(v.trim() && zh[k]?.trim(), `empty text for ${k}`);
    assert.deepEqual(placeholders(zh[k] ?? ''), placeholders(v), `placeholders of ${k}`);
  }
  assert.equal(en['status.onBreak'], 'On Break', "English shows the switch's own word");
  assert.equal(zh['status.onBreak'], '示忙');
  assert.equal(zh['wrapup.title'], '话后处理');
});

test('every key the page uses exists', () => {
  const en = dict('en');
  const html = read('index.html');
  const used = new Set<string>();
  for (const m of html.matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1] ?? '');
  for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of (m[1] ?? '').split(';')) used.add(pair.split(':')[1]?.trim() ?? '');
  for (const file of readdirSync(new URL('desk/', web)).filter((f) => f.endsWith('.js'))) {
    const src = read(`desk/${file}`);
    for (const m of src.matchAll(/\bt\('([^'`]+)'/g)) used.add(m[1] ?? '');
    for (const m of src.matchAll(/\b(?:key|error): '([a-z]+\.[A-Za-z.]+)'/g)) used.add(m[1] ?? '');
    for (const m of src.matchAll(/\b(?:label|pressedLabel): '([a-z]+\.[A-Za-z.]+)'/g)) used.add(m[1] ?? '');
  }
  assert.ok(used.size > 80, `found ${used.size} keys`);
  const missing = [...used].filter((k) => !(k in en));
  assert.deepEqual(missing, []);
  // Keys built at run time: every bar button, connection word, outbound state and status word.
  for (const k of ['conn.connected', 'conn.reconnecting', 'conn.offline', 'bar.consultComplete', 'bar.consultCancel',
    'consult.dialing', 'consult.talking', 'consult.conference', 'calls.outcome.answered', 'calls.outcome.ended', 'calls.outcome.missed',
    ...['new', 'sent', 'agent-ringing', 'agent-answered', 'customer-ringing', 'bridged', 'ended', 'failed'].map((s) => `outbound.${s}`),
    'status.available', 'status.onDemand', 'status.loggedOut', 'state.waiting', 'state.receiving', 'state.inQueueCall', 'state.idle', 'state.reserved']) {
    assert.ok(k in en, k);
  }
});

test('every error code of the desk protocol has words in both languages', () => {
  const protocol = readFileSync(new URL('../../src/realtime/protocol.ts', import.meta.url), 'utf8');
  const union = /export type ErrorCode =([^;]+);/.exec(protocol)?.[1] ?? '';
  const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1] ?? '');
  assert.ok(codes.length >= 15, `found ${codes.length} codes`);
  for (const loc of ['en', 'zh-CN']) {
    const d = dict(loc);
    assert.deepEqual(codes.filter((c) => !(`code.${c}` in d)), [], loc);
  }
});
