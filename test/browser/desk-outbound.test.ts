/**
 * The desk's dial pad on real click-to-dial (src/outbound, helper "outbound") in headless
 * Chromium against the double: a number outside the admin's allowed ranges is refused with
 * its code in the page's words and nothing is dialled; an allowed one (typed with spaces)
 * becomes an action whose state the page follows from the ack and `outbound.state`.
 *
 * Outbound calls live on their own branch until merged: without src/outbound this file is
 * skipped (test/web/desk-reducer.test.ts covers the same states).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, switchStatus } from '../realtime/desk-helpers.js';
import { launchChromium, openDeskLoggedIn } from './chromium.js';

interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): DomElement | null };

const HAS_OUTBOUND = existsSync(fileURLToPath(new URL('../../src/outbound/', import.meta.url)));
const STATES = ['new', 'sent', 'agent-ringing', 'agent-answered', 'customer-ringing', 'bridged', 'ended', 'failed'];

test('dial pad on real click-to-dial: a number outside the allowed ranges is refused; an allowed one is followed', { skip: !HAS_OUTBOUND && 'outbound calls not merged yet (src/outbound)' }, async () => {
  // Outbound actions are stored with the call records (embedded PGlite here).
  const s: Stack = await startStack({ env: { CALL_RECORDS: 'on', OUTBOUND_ALLOW: '+1555:11', OUTBOUND_CALLER_ID: '+15550001000' } });
  let browser: Browser | null = null;
  const A = '1001@default';
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    browser = await launchChromium();
    const { page, pageErrors } = await openDeskLoggedIn(browser, s.url, A);
    await switchStatus(s, A, 'Available');

    const before = s.fs.received.length;
    await page.getByTestId('dial-number').fill('+44 20 7946 0000');
    await page.getByTestId('dial').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="error"]')?.getAttribute('data-code') === 'NUMBER_NOT_ALLOWED');
    assert.equal(await page.getByTestId('error').textContent(), 'You may not call that number.');
    assert.equal(s.fs.received.slice(before).some((c) => c.includes('originate')), false, 'nothing dialled');
    assert.equal(await page.getByTestId('outbound').isVisible(), false);

    await page.getByTestId('dial-number').fill('+1 555 123 0800');
    await page.getByTestId('dial').click();
    await page.getByTestId('outbound').waitFor({ state: 'visible' });
    const state = await page.getByTestId('outbound').getAttribute('data-state');
    assert.ok(STATES.includes(state ?? ''), `outbound state ${state}`);
    assert.match((await page.getByTestId('outbound').textContent()) ?? '', /\+15551230800/);
    assert.equal(await page.getByTestId('dial-number').inputValue(), '', 'the field is cleared once the gateway took the action');
    await waitFor(() => s.fs.received.slice(before).some((c) => c.includes('originate')), 'the gateway originated the call');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await s.stop();
  }
});
