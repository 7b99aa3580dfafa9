/**
 * The agent desk (web/desk/) in real headless Chromium against the gateway, the
 * FreeSWITCH double and a private redis-server:
 * - languages: the browser's language picks Simplified Chinese, the switch on
 *   the page changes every word at once and is remembered; screenshots of the
 *   desk in both languages go to test-artifacts/;
 * - the call control bar as the model says: nothing applies while the call
 *   rings, the controls apply once the switch bridged it, Dial only when idle;
 *   shortcuts open the transfer dialog (the queues with their waiting counts) and
 *   the keypad only when the button applies.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (see agent-page.test.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { addAgent, passwordOf, QUEUE, switchStatus } from '../realtime/desk-helpers.js';

// page.evaluate callbacks run in the browser; the project compiles without the DOM lib.
interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): DomElement | null; readonly documentElement: DomElement; readonly title: string };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const BAR = ['hangup', 'hold', 'mute', 'keypad', 'transfer', 'consult', 'conference', 'dial'] as const;

let s: Stack;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is required for this test and was not found at ${CHROMIUM} (apt-get install -y chromium).`);
  mkdirSync(ARTIFACTS, { recursive: true });
  s = await startStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

async function waitText(page: Page, testid: string, text: string, timeout = 5000): Promise<void> {
  try {
    await page.waitForFunction(
      ([id, t]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === t,
      [testid, text] as const,
      { timeout },
    );
  } catch {
    const now = await page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '(absent)', testid);
    const error = await page.evaluate(() => document.querySelector('[data-testid="error"]')?.textContent ?? '');
    throw new Error(`[data-testid=${testid}] is ${JSON.stringify(now)}, expected ${JSON.stringify(text)} (page error: ${JSON.stringify(error)})`);
  }
}

/** The bar buttons that are enabled (not aria-disabled), in bar order. */
async function enabledBar(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const kind of BAR) {
    if ((await page.getByTestId(`bar-${kind}`).getAttribute('aria-disabled')) !== 'true') out.push(kind);
  }
  return out;
}

/** Waits until exactly `kinds` are enabled in the bar. */
async function waitBar(page: Page, kinds: string[]): Promise<void> {
  let last: string[] = [];
  await waitFor(async () => {
    last = await enabledBar(page);
    return JSON.stringify(last) === JSON.stringify(kinds);
  }, `call bar enabled ${JSON.stringify(kinds)} (is ${JSON.stringify(last)})`);
}

async function logIn(page: Page, agent: string): Promise<void> {
  await waitConnected(page);
  await page.getByTestId('login-agent').fill(agent);
  await page.getByTestId('login-password').fill(passwordOf(agent));
  await page.getByTestId('login-submit').click();
  await page.waitForSelector('[data-testid="status"][data-status="Available"]');
}

async function waitConnected(page: Page): Promise<string> {
  await page.waitForSelector('[data-testid="connection"][data-conn="connected"]');
  return (await page.getByTestId('connection').textContent()) ?? '';
}

async function shot(page: Page, name: string): Promise<void> {
  const path = `${ARTIFACTS}${name}`;
  await page.screenshot({ path, fullPage: true });
  assert.ok(statSync(path).size > 1000, `${name} written`);
}

test('languages: the browser language picks Chinese, the switch changes every word at once and is remembered', async () => {
  const A = '1011@default';
  await addAgent(s, A);
  // A browser set to Chinese opens the page in Chinese.
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await page.goto(s.url + '/');
    await waitConnected(page);
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('lang')), 'zh-CN');
    await waitText(page, 'connection', '已连接');
    assert.equal(await page.getByTestId('login-submit').locator('.label').textContent(), '签入');
    assert.equal(await page.getByTestId('lang-select').inputValue(), 'zh-CN');
    await shot(page, 'desk-login-zh-CN.png');

    // The switch: English at once, without a reload.
    await page.getByTestId('lang-select').selectOption('en');
    await page.waitForFunction(() => document.querySelector('[data-testid="login-submit"] .label')?.textContent === 'Log in');
    await waitText(page, 'connection', 'connected');
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('lang')), 'en');

    await logIn(page, A);
    await switchStatus(s, A, 'Available');
    await waitText(page, 'status', 'Available');
    await waitText(page, 'state', 'Waiting');
    assert.equal(await page.getByTestId('bar-hangup').locator('.label').textContent(), 'Hang up');
    assert.equal(await page.getByTestId('bar-hold').locator('.label').textContent(), 'Hold');
    await page.getByTestId('status-since').waitFor({ state: 'visible' });
    assert.match((await page.getByTestId('status-since').textContent()) ?? '', /^\d\d:\d\d$/);
    await shot(page, 'desk-en.png');

    // Chinese: the switch's words are translated, data-status keeps the switch's own.
    await page.getByTestId('lang-select').selectOption('zh-CN');
    await waitText(page, 'status', '示闲');
    await waitText(page, 'state', '等待来电');
    assert.equal(await page.getByTestId('status').getAttribute('data-status'), 'Available');
    assert.equal(await page.getByTestId('bar-hangup').locator('.label').textContent(), '挂断');
    assert.equal(await page.getByTestId('bar-transfer').locator('.label').textContent(), '转接');
    assert.equal(await page.getByTestId('break').locator('.label').textContent(), '示忙');
    assert.equal(await page.getByTestId('pop-empty').textContent(), '当前没有通话。');
    await shot(page, 'desk-zh-CN.png');

    // Break with a reason: the reason is translated too.
    await page.getByTestId('break-reason-select').selectOption('lunch');
    await page.getByTestId('break').click();
    await waitText(page, 'status', '示忙');
    await waitText(page, 'break-reason', '午餐');

    // The choice is remembered over a reload (same login session: resumed).
    await page.reload();
    await waitText(page, 'status', '示忙');
    assert.equal(await page.getByTestId('lang-select').inputValue(), 'zh-CN');

    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor({ state: 'visible' });
    await switchStatus(s, A, 'Logged Out');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});

test('call bar: nothing applies while the call rings; the controls apply once bridged; dialogs open only when they apply', async () => {
  const A = '1012@default';
  await addAgent(s, A);
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    await page.goto(s.url + '/');
    await waitConnected(page);
    await logIn(page, A);
    await switchStatus(s, A, 'Available');
    await waitBar(page, ['dial']);

    // Ringing: the phone does not answer. No control applies (the gateway says NO_CALL until bridged).
    s.fs.setAgentAnswer(A, { mode: 'no-answer', afterMs: 120_000 });
    const ringing = s.fs.injectCaller({ number: '15557654321', name: 'Bob' });
    await page.waitForSelector('[data-testid="pop"][data-phase="ringing"]');
    await waitBar(page, []);
    // A shortcut of a disabled control does nothing.
    await page.keyboard.press('Alt+KeyT');
    assert.equal(await page.getByTestId('transfer-dialog').isVisible(), false);
    await shot(page, 'call-bar-ringing.png');
    assert.equal(s.fs.hangupCaller(ringing.callerUuid), true);
    await page.getByTestId('pop-empty').waitFor({ state: 'visible' });
    await waitBar(page, ['dial']);
    await switchStatus(s, A, 'Available');

    // Bridged: hang up, hold, mute, keypad, transfer, consult; no conference without a consult; no dial during a call.
    s.fs.setAgentAnswer(A, null);
    const ids = s.fs.injectCaller({ number: '15551234567', name: 'Alice' });
    await page.waitForSelector('[data-testid="pop"][data-phase="talking"]');
    await waitBar(page, ['hangup', 'hold', 'mute', 'keypad', 'transfer', 'consult']);
    assert.equal(await page.getByTestId('bar-hold').getAttribute('aria-pressed'), 'false', 'not held: the switch did not report a hold');
    assert.equal(await page.getByTestId('bar-mute').getAttribute('aria-pressed'), 'false');
    assert.equal(await page.getByTestId('next-status').isVisible(), true, 'next status is offered during a call');
    await shot(page, 'call-bar-bridged-en.png');

    // Alt+T: the transfer dialog lists the agent's queues with their waiting counts.
    await page.keyboard.press('Alt+KeyT');
    await page.getByTestId('transfer-dialog').waitFor({ state: 'visible' });
    await waitText(page, `transfer-waiting-${QUEUE}`, '0 waiting');
    assert.equal(await page.getByTestId('transfer-go').textContent(), 'Transfer');
    // A target the gateway's grammar refuses is caught on the page and nothing is sent.
    await page.getByTestId('transfer-to').fill('1002|user/1003');
    await page.getByTestId('transfer-go').click();
    await waitText(page, 'transfer-error', 'Enter an extension or a phone number (digits, optional + in front).');
    assert.equal(await page.getByTestId('transfer-dialog').isVisible(), true);
    await shot(page, 'transfer-dialog-en.png');
    await page.getByTestId('transfer-cancel').click();
    await page.getByTestId('transfer-dialog').waitFor({ state: 'hidden' });

    // Alt+K: the keypad.
    await page.keyboard.press('Alt+KeyK');
    await page.getByTestId('keypad-dialog').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.getByTestId('keypad-dialog').waitFor({ state: 'hidden' });

    // The same bar in Chinese.
    await page.getByTestId('lang-select').selectOption('zh-CN');
    await waitText(page, 'pop-phase', '通话');
    assert.equal(await page.getByTestId('bar-hold').locator('.label').textContent(), '保持');
    assert.equal(await page.getByTestId('bar-mute').locator('.label').textContent(), '静音');
    await shot(page, 'call-bar-bridged-zh-CN.png');
    await page.getByTestId('lang-select').selectOption('en');

    // The caller hangs up: nothing applies but Dial.
    assert.equal(s.fs.hangupCaller(ids.callerUuid), true);
    await page.getByTestId('pop-empty').waitFor({ state: 'visible' });
    await waitBar(page, ['dial']);
    assert.equal(await page.getByTestId('call-row').first().getAttribute('data-outcome'), 'answered');

    // The dial pad types into the number field; a number the grammar refuses is caught on the page.
    for (const d of ['1', '2', '#']) await page.getByTestId(`dial-key-${d}`).click();
    assert.equal(await page.getByTestId('dial-number').inputValue(), '12#');
    await page.getByTestId('dial').click();
    await waitText(page, 'error', 'Enter a phone number: digits, with an optional + in front.');
    assert.deepEqual(pageErrors, []);
  } finally {
    await context.close();
  }
});
