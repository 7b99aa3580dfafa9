/**
 * The desk's after-call panel and "after this call" on the real after-call work
 * (src/aftercall, helper "aftercall") in headless Chromium against the double:
 * the panel opens with the countdown and the configured dispositions when the call
 * ends; End wrap-up files the picked disposition first, then ends after-call work,
 * and the waiting caller is offered at once; Break after this call is applied when
 * the call ends. Screenshots of the panel in both languages.
 *
 * After-call work lives on its own branch until merged: without src/aftercall this
 * file is skipped (test/web/desk-reducer.test.ts covers the same states).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../helpers/stack.js';
import { addAgent, QUEUE, switchStatus } from '../realtime/desk-helpers.js';
import { ARTIFACTS, launchChromium, openDeskLoggedIn } from './chromium.js';

interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): DomElement | null };

const HAS_AFTERCALL = existsSync(fileURLToPath(new URL('../../src/aftercall/', import.meta.url)));
const A = '1001@default';

async function waitText(page: Page, testid: string, text: string): Promise<void> {
  try {
    await page.waitForFunction(([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === t, [testid, text] as const, { timeout: 5000 });
  } catch {
    const now = await page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '(absent)', testid);
    const error = await page.evaluate(() => document.querySelector('[data-testid="error"]')?.textContent ?? '');
    throw new Error(`[data-testid=${testid}] is ${JSON.stringify(now)}, expected ${JSON.stringify(text)} (page error: ${JSON.stringify(error)})`);
  }
}

test('after-call panel on real after-call work: countdown, disposition, End wrap-up routes the next caller; Break after this call', { skip: !HAS_AFTERCALL && 'after-call work not merged yet (src/aftercall)' }, async () => {
  const s: Stack = await startStack({ env: { DISPOSITIONS: 'sale:Sale made,info:Information given', DISPOSITION_REQUIRED_QUEUES: QUEUE } });
  let browser: Browser | null = null;
  try {
    await addAgent(s, A);
    assert.equal((await s.api('PATCH', `/api/agents/${A}`, { wrapUpTime: 60 })).status, 200);
    browser = await launchChromium();
    const { page, pageErrors } = await openDeskLoggedIn(browser, s.url, A, { width: 1280, height: 1000 });
    await switchStatus(s, A, 'Available');

    const first = s.fs.injectCaller({ number: '15550001111', name: 'First', destination: '7000' });
    await page.waitForSelector('[data-testid="pop"][data-phase="talking"]');
    s.fs.hangupCaller(first.callerUuid);
    const panel = page.getByTestId('wrapup');
    await panel.waitFor({ state: 'visible' });
    assert.equal(await panel.getAttribute('data-member'), first.memberUuid);
    assert.match((await page.getByTestId('wrapup-countdown').textContent()) ?? '', /^0[01]:\d\d$/);
    const options = await page.getByTestId('wrapup-disposition').locator('option').allTextContents();
    assert.deepEqual(options.slice(1), ['Sale made', 'Information given'], 'admin labels, as configured');
    await page.screenshot({ path: `${ARTIFACTS}wrapup-en.png`, fullPage: true });

    // A caller waits: the switch keeps it away while the agent is in wrap-up.
    const second = s.fs.injectCaller({ number: '15550002222', name: 'Second', destination: '7000' });
    // End wrap-up without the required disposition: caught on the page, nothing sent.
    await page.getByTestId('wrapup-end').click();
    await waitText(page, 'error', 'Choose a disposition first.');
    assert.equal(await panel.isVisible(), true);

    await page.getByTestId('lang-select').selectOption('zh-CN');
    await waitText(page, 'wrapup-title', '话后处理');
    assert.equal(await page.getByTestId('wrapup-end').locator('.label').textContent(), '结束话后处理');
    await page.screenshot({ path: `${ARTIFACTS}wrapup-zh-CN.png`, fullPage: true });
    assert.ok(statSync(`${ARTIFACTS}wrapup-zh-CN.png`).size > 1000);
    await page.getByTestId('lang-select').selectOption('en');

    // Pick, write notes, End wrap-up (Alt+E): the disposition is filed, then the agent is routable and the caller comes.
    await page.getByTestId('wrapup-disposition').selectOption('sale');
    await page.getByTestId('wrapup-notes').fill('two licences; 请回电');
    await page.keyboard.press('Alt+KeyE');
    await page.waitForSelector(`[data-testid="pop"][data-member="${second.memberUuid}"]`);
    await panel.waitFor({ state: 'hidden' });

    // During this call: Break after this call; applied when it ends.
    await page.waitForSelector('[data-testid="pop"][data-phase="talking"]');
    await page.getByTestId('break-reason-select').selectOption('lunch');
    await page.getByTestId('next-break').click();
    await page.waitForSelector('[data-testid="next-break"][aria-pressed="true"]');
    await waitText(page, 'next-note', 'You go on break (lunch) when this call ends.');
    s.fs.hangupCaller(second.callerUuid);
    await page.waitForSelector('[data-testid="status"][data-status="On Break"]');
    await switchStatus(s, A, 'On Break');
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await s.stop();
  }
});
