/**
 * The callcenter domain's boundary: commands are built and sent, and the view
 * written, only inside src/callcenter. The type-level checks below are compiled
 * by `npm test` (tsc): each `@ts-expect-error` fails the build if the thing it
 * forbids becomes possible again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallCenter } from '../src/callcenter/service.js';
import type { ViewReader } from '../src/callcenter/state.js';
import type { Gateway } from '../src/gateway.js';
import { newAgent } from '../src/callcenter/state.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

export function forbidden(cc: CallCenter, gw: Gateway, view: ViewReader): void {
  // @ts-expect-error raw commands are private to the domain
  void cc.run('callcenter_config queue list', { source: 'rest', id: 'x' });
  // @ts-expect-error the ESL client is the domain's own
  void cc.client;
  // @ts-expect-error so is the writable view
  void cc.view;
  // @ts-expect-error outside the domain the view's maps are read-only
  gw.view.agents.set('1001@default', newAgent('1001@default'));
  // @ts-expect-error and the view has no writers there
  view.replaceMembers('support@default', []);
  // @ts-expect-error nor may a row be changed in place
  view.agents.get('1001@default')!.status = 'Available';
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

test('only the callcenter domain builds callcenter_config commands or parses their replies', () => {
  const outside = sources(SRC).filter((f) => !f.includes('/callcenter/') && !f.includes('/fsdouble/'));
  assert.ok(outside.length > 10);
  for (const f of outside) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /callcenter\/commands\.js/, `${f} builds commands`);
    assert.doesNotMatch(text, /\bparse(List|Table|Value)\b/, `${f} parses switch replies`);
  }
});
