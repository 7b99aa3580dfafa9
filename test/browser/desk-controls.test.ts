/**
 * The desk's call bar driving real call controls (src/calls/controls, helper "controls") in
 * headless Chromium against the double: Hold → the switch's CHANNEL_HOLD makes the button
 * pressed (Resume), Mute likewise from call.muted, keypad digits acked one by one, a
 * transfer into another queue (typed as name@domain) ends the call on the page.
 *
 * The controls live on their own branch until merged: without src/calls/controls this file
 * is skipped (the reducer test covers the same states without a gateway).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, switchStatus } from '../realtime/desk-helpers.js';
import { ARTIFACTS, launchChromium, openDeskLoggedIn } from './chromium.js';

interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): DomElement | null };

const HAS_CONTROLS = existsSync(fileURLToPath(new URL('../../src/calls/controls/', import.meta.url)));
const SALES = 'sales@default';

async function waitAttr(page: Page, selector: string, attr: string, value: string): Promise<void> {
  try {
    await page.waitForFunction(([sel, a, v]) => document.querySelector(sel)?.getAttribute(a) === v, [selector, attr, value] as const, { timeout: 5000 });
  } catch {
    const now = await page.evaluate(([sel, a]) => document.querySelector(sel)?.getAttribute(a) ?? '(absent)', [selector, attr] as const);
    const error = await page.evaluate(() => document.querySelector('[data-testid="error"]')?.textContent ?? '');
    throw new Error(`${selector} ${attr} is ${JSON.stringify(now)}, expected ${JSON.stringify(value)} (page error: ${JSON.stringify(error)})`);
  }
}

async function waitText(page: Page, testid: string, text: string): Promise<void> {
  await page.waitForFunction(([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === t, [testid, text] as const, { timeout: 5000 });
}

test('call bar on real controls: hold/resume and mute/unmute from the switch, keypad, transfer to a queue', { skip: !HAS_CONTROLS && 'call controls not merged yet (src/calls/controls)' }, async () => {
  const s: Stack = await startStack({
    double: { queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }], dialplan: { '7000': { queue: 'support@default' }, '7100': { queue: SALES } } },
  });
  let browser: Browser | null = null;
  const A = '1001@default';
  try {
    // A SIP phone: its leg can be held and taken off hold again (a loopback/null leg cannot).
    await addAgent(s, A, { contact: 'user/1001' });
    browser = await launchChromium();
    const { page, pageErrors } = await openDeskLoggedIn(browser, s.url, A);
    await switchStatus(s, A, 'Available');
    s.fs.injectCaller({ number: '15551230100', name: 'Ctl', destination: '7000' });
    await page.waitForSelector('[data-testid="pop"][data-phase="talking"]');

    // Hold: pending until the switch's CHANNEL_HOLD, then pressed and labelled Resume.
    await page.getByTestId('bar-hold').click();
    await waitAttr(page, '[data-testid="pop"]', 'data-held', 'true');
    await waitAttr(page, '[data-testid="bar-hold"]', 'aria-pressed', 'true');
    await waitText(page, 'pop-flags', 'on hold');
    assert.equal(await page.getByTestId('bar-hold').locator('.label').textContent(), 'Resume');
    await page.getByTestId('bar-mute').click();
    await waitAttr(page, '[data-testid="bar-mute"]', 'aria-pressed', 'true');
    await waitText(page, 'pop-flags', 'on hold · muted');
    await page.screenshot({ path: `${ARTIFACTS}call-bar-held-muted.png`, fullPage: true });
    assert.ok(statSync(`${ARTIFACTS}call-bar-held-muted.png`).size > 1000);

    // Resume and unmute by shortcut.
    await page.keyboard.press('Alt+KeyO');
    await waitAttr(page, '[data-testid="bar-hold"]', 'aria-pressed', 'false');
    await page.keyboard.press('Alt+KeyM');
    await waitAttr(page, '[data-testid="bar-mute"]', 'aria-pressed', 'false');
    await waitAttr(page, '[data-testid="pop"]', 'data-held', 'false');

    // Keypad: each digit is acked by the switch before the next goes.
    await page.keyboard.press('Alt+KeyK');
    await page.getByTestId('keypad-dialog').waitFor({ state: 'visible' });
    for (const d of ['4', '2', '#']) await page.getByTestId(`keypad-${d}`).click();
    await waitText(page, 'keypad-sent', 'Sent: 42#');
    await page.keyboard.press('Escape');

    // Transfer into another queue: the switch confirms, the call leaves the page.
    await page.keyboard.press('Alt+KeyT');
    await page.getByTestId('transfer-dialog').waitFor({ state: 'visible' });
    await page.getByTestId('transfer-to').fill(SALES);
    await page.getByTestId('transfer-go').click();
    await page.getByTestId('pop-empty').waitFor({ state: 'visible', timeout: 10000 });
    await waitFor(async () => (await page.getByTestId('call-row').count()) === 1, 'one row for the transferred call');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await s.stop();
  }
});
