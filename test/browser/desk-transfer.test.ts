/**
 * The desk's transfer dialog in headless Chromium against the double: the agents
 * of the gateway's directory with their availability as the switch reports it
 * (available, unavailable, no phone to transfer to), the queues with their
 * waiting counts, in English and Simplified Chinese (screenshots kept in
 * test-artifacts/), and a transfer to a picked agent that the gateway resolves
 * to that agent's phone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { FIXTURE_QUEUE } from '../../src/fsdouble/switch-model.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, QUEUE, switchStatus } from '../realtime/desk-helpers.js';
import { ARTIFACTS, launchChromium, openDeskLoggedIn } from './chromium.js';

interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): DomElement | null };

const SALES = 'sales@default';
const A = '1001@default';
const B = '1002@default'; // sales only, Available: listed because A serves sales too
const C = '1003@default'; // support, On Break
const E = '1005@default'; // support, no directory phone

async function waitAttr(page: Page, selector: string, attr: string, value: string): Promise<void> {
  try {
    await page.waitForFunction(([sel, a, v]) => document.querySelector(sel)?.getAttribute(a) === v, [selector, attr, value] as const, { timeout: 10000 });
  } catch {
    const now = await page.evaluate(([sel, a]) => document.querySelector(sel)?.getAttribute(a) ?? '(absent)', [selector, attr] as const);
    throw new Error(`${selector} ${attr} is ${JSON.stringify(now)}, expected ${JSON.stringify(value)}`);
  }
}

async function waitText(page: Page, testid: string, text: string): Promise<void> {
  try {
    await page.waitForFunction(([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === t, [testid, text] as const, { timeout: 10000 });
  } catch {
    const now = await page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '(absent)', testid);
    throw new Error(`${testid} reads ${JSON.stringify(now)}, expected ${JSON.stringify(text)}`);
  }
}

async function openTransfer(page: Page): Promise<void> {
  await page.keyboard.press('Alt+KeyT');
  await page.getByTestId('transfer-dialog').waitFor({ state: 'visible' });
}

test('transfer dialog: agents with their availability and queues with their waiting counts, both languages; a picked agent is transferred to its phone', async () => {
  const s: Stack = await startStack({
    double: { queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }], dialplan: { '7000': { queue: QUEUE }, '7100': { queue: SALES } } },
  });
  let browser: Browser | null = null;
  try {
    await addAgent(s, A, { contact: 'user/1001' });
    assert.equal((await s.api('POST', '/api/tiers', { queue: SALES, agent: A })).status, 201);
    await addAgent(s, B, { contact: 'user/1002', queue: SALES, status: 'Available' });
    await addAgent(s, C, { contact: 'user/1003', status: 'On Break' });
    await addAgent(s, E, { contact: 'null/agent-1005', status: 'On Break' });

    browser = await launchChromium();
    const { page, pageErrors } = await openDeskLoggedIn(browser, s.url, A);
    await switchStatus(s, A, 'Available');

    // A talks to a support caller; a second one waits (C is on break, B serves sales only).
    s.fs.injectCaller({ number: '15551230100', name: 'First', destination: '7000' });
    await page.waitForSelector('[data-testid="pop"][data-phase="talking"]');
    s.fs.injectCaller({ number: '15551230101', name: 'Second', destination: '7000' });
    await waitFor(() => s.gw.view.waitingCount(QUEUE) === 1, 'one caller waiting in support', 10000);

    await openTransfer(page);
    await waitText(page, `transfer-waiting-${QUEUE}`, '1 waiting');
    await waitText(page, `transfer-waiting-${SALES}`, '0 waiting');
    await waitAttr(page, `[data-testid="transfer-agent-${B}"]`, 'data-availability', 'available');
    await waitAttr(page, `[data-testid="transfer-agent-${C}"]`, 'data-availability', 'unavailable');
    await waitAttr(page, `[data-testid="transfer-agent-${E}"]`, 'data-availability', 'unreachable');
    await waitText(page, `transfer-availability-${B}`, 'Available');
    await waitText(page, `transfer-availability-${C}`, 'Unavailable');
    await waitText(page, `transfer-availability-${E}`, 'No phone to transfer to');
    assert.equal(await page.getByTestId(`transfer-agent-${A}`).count(), 0, 'not the agent itself');
    assert.equal(await page.getByTestId(`transfer-agent-${E}`).locator('button').getAttribute('aria-disabled'), 'true', 'no phone: cannot be picked');
    assert.equal(await page.getByTestId('transfer-agents-note').isHidden(), true);

    // The switch changes C while the dialog is open: the dialog follows (the directory, at most once a second).
    await s.api('PUT', `/api/agents/${encodeURIComponent(C)}/status`, { status: 'Available' });
    // C Available now takes the waiting caller: on a call, and support has nobody waiting.
    await waitAttr(page, `[data-testid="transfer-agent-${C}"]`, 'data-availability', 'oncall');
    await waitText(page, `transfer-waiting-${QUEUE}`, '0 waiting');
    await page.screenshot({ path: `${ARTIFACTS}desk-transfer-en.png`, fullPage: true });
    assert.ok(statSync(`${ARTIFACTS}desk-transfer-en.png`).size > 1000);

    // Simplified Chinese: the dialog closed, the language switched, opened again.
    await page.keyboard.press('Escape');
    await page.getByTestId('lang-select').selectOption('zh-CN');
    await openTransfer(page);
    await waitText(page, `transfer-availability-${B}`, '空闲');
    await waitText(page, `transfer-availability-${C}`, '通话中');
    await waitText(page, `transfer-availability-${E}`, '无可转接的话机');
    await waitText(page, `transfer-waiting-${SALES}`, '0 人排队');
    await page.screenshot({ path: `${ARTIFACTS}desk-transfer-zh-CN.png`, fullPage: true });
    assert.ok(statSync(`${ARTIFACTS}desk-transfer-zh-CN.png`).size > 1000);

    // Pick B and transfer: the gateway resolves B to its phone's extension; the call leaves the page.
    const from = s.fs.received.length;
    await page.getByTestId(`transfer-agent-${B}`).locator('button').click();
    assert.equal(await page.getByTestId('transfer-to').inputValue(), B);
    await page.getByTestId('transfer-go').click();
    await page.getByTestId('pop-empty').waitFor({ state: 'visible', timeout: 10000 });
    assert.ok(s.fs.received.slice(from).some((c) => / uuid_transfer [0-9a-f-]{36} 1002 XML default$/.test(c)), JSON.stringify(s.fs.received.slice(from)));
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await s.stop();
  }
});
