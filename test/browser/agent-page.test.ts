/**
 * The agent page (web/) in real headless Chromium against the gateway, the
 * FreeSWITCH double and a private redis-server: log in, status badge from the
 * switch, screen pop with every CRM field (screenshot in test-artifacts/),
 * bridged and ended call, status change from a supervisor, Break, Log out.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`;
 * .ci/run installs it). Without it this test fails: it is not optional.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, waitFor } from '../helpers/stack.js';
import { addAgent, passwordOf, QUEUE, switchStatus } from '../realtime/desk-helpers.js';

// The callbacks given to page.evaluate / waitForFunction run in the browser. The project
// compiles without the DOM lib, so the little they use is declared here (module scope).
interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): DomElement | null; readonly body: unknown };
declare const window: { __phases?: string[]; __xss?: number };
declare const MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const A = '1001@default';

const RECORD = {
  name: 'Alice Smith',
  tier: 'gold',
  account_number: 'crm-0042',
  last_order: '2024-11-03 #88121',
  // Untrusted text: must show literally, never as markup.
  note: '<img src=x onerror="window.__xss=1">VIP, prefers email',
};

/** Text of a data-testid element, waited for until it equals `text`. */
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

test('agent page in Chromium: login, status from the switch, screen pop, call, supervisor status change, Break, Log out', async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium is required for this test and was not found at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (.ci/run installs it in CI).`,
  );
  const s = await startStack();
  let browser: Browser | null = null;
  try {
    await addAgent(s, A);
    assert.equal((await s.api('PUT', '/api/callers/+1 (555) 123-4567', RECORD)).status, 200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => {
      pageErrors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(s.url + '/');
    await waitText(page, 'connection', 'connected');

    // Log in, Ready after login (ticked by default).
    assert.equal(await page.getByTestId('login-ready').isChecked(), true);
    await page.getByTestId('login-agent').fill(A);
    await page.getByTestId('login-password').fill(passwordOf(A));
    await page.getByTestId('login-submit').click();
    await waitText(page, 'status', 'Available');
    await switchStatus(s, A, 'Available');
    assert.equal(await page.getByTestId('status').textContent(), s.fs.agent(A)?.status, 'the badge says exactly what the switch says');
    assert.equal(await page.getByTestId('status').getAttribute('data-stale'), 'false');
    await waitText(page, 'state', 'Waiting');
    await waitText(page, `waiting-${QUEUE}`, '0');

    // Record every phase the pop card goes through, from the page itself.
    await page.evaluate(() => {
      const seen: string[] = [];
      window.__phases = seen;
      new MutationObserver(() => {
        const phase = document.querySelector('[data-testid="pop"]')?.getAttribute('data-phase');
        if (phase && seen[seen.length - 1] !== phase) seen.push(phase);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const ids = s.fs.injectCaller({ number: '15551234567', name: 'Alice', variables: { cc_export_vars: 'ivr_choice', ivr_choice: 'billing' } });

    const pop = page.getByTestId('pop');
    await pop.waitFor({ state: 'visible' });
    await waitText(page, 'pop-number', '15551234567');
    await waitText(page, 'pop-name', 'Alice');
    await waitText(page, 'pop-queue', QUEUE);
    await waitText(page, 'pop-dnis', '7000');
    const fields = { ...RECORD, ivr_choice: 'billing' };
    for (const [key, value] of Object.entries(fields)) {
      const row = page.getByTestId(`pop-field-${key}`);
      assert.equal(await row.locator('dt').textContent(), key);
      assert.equal(await row.locator('dd').textContent(), value, `field ${key}`);
    }
    assert.equal(await page.getByTestId('pop').locator('[data-testid^="pop-field-"]').count(), Object.keys(fields).length);
    assert.equal(await page.getByTestId('pop-data-note').count(), 0);
    assert.equal(await page.locator('img').count(), 0, 'CRM text is not markup');

    // Bridged: the card turns to talking with a running timer.
    await page.waitForSelector('[data-testid="pop"][data-phase="talking"]');
    const timer = page.getByTestId('call-timer');
    await timer.waitFor({ state: 'visible' });
    assert.match((await timer.textContent()) ?? '', /^\d\d:\d\d$/);
    assert.deepEqual(await page.evaluate(() => window.__phases), ['ringing', 'talking']);
    await waitText(page, 'state', 'In a queue call');
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = `${ARTIFACTS}pop.png`;
    await pop.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 1000, 'screenshot written');

    // The caller hangs up: the card goes, the session list has the call, answered.
    assert.equal(s.fs.hangupCaller(ids.callerUuid), true);
    await page.getByTestId('pop-empty').waitFor({ state: 'visible' });
    const row = page.getByTestId('call-row');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(await row.first().getAttribute('data-outcome'), 'answered');
    assert.equal(await row.first().getByTestId('call-number').textContent(), '15551234567');
    await waitText(page, 'state', 'Waiting');

    // A supervisor changes the status over REST: the badge follows the switch.
    const put = await s.api('PUT', `/api/agents/${encodeURIComponent(A)}/status`, { status: 'On Break' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await waitText(page, 'status', 'On Break');
    assert.equal(await page.getByTestId('status').getAttribute('data-stale'), 'false');

    // While on break a caller waits: the queue count shows it, and goes back when the caller leaves.
    const waiting = s.fs.injectCaller({ number: '15550001234', name: 'Bob' });
    await waitText(page, `waiting-${QUEUE}`, '1');
    s.fs.hangupCaller(waiting.callerUuid);
    await waitText(page, `waiting-${QUEUE}`, '0');

    // Ready, then Break with a reason, with the buttons.
    await page.getByTestId('ready').click();
    await waitText(page, 'status', 'Available');
    await switchStatus(s, A, 'Available');
    await page.getByTestId('break-reason-select').selectOption('lunch');
    await page.getByTestId('break').click();
    await waitText(page, 'status', 'On Break');
    await waitText(page, 'break-reason', 'lunch');
    assert.equal(s.fs.agent(A)?.status, 'On Break');

    // Log out: the switch has the agent Logged Out, the page is back at the login form.
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor({ state: 'visible' });
    await switchStatus(s, A, 'Logged Out');
    await waitFor(async () => (await page.getByTestId('connection').textContent()) === 'connected', 'page reconnected after logout');
    assert.deepEqual(pageErrors, []);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
  } finally {
    await browser?.close();
    await s.stop();
  }
});
