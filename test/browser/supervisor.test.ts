/**
 * The supervisor console (/supervisor) in real headless Chromium against the
 * gateway, the FreeSWITCH double and a private redis-server: token login (a
 * wrong one refused), live agents / queues with a waiting caller and its pop
 * data / live calls, sorting, the queue filter, English and Simplified Chinese
 * (screenshots in test-artifacts/), actions behind a confirmation with their
 * errors shown, and a scoped token that sees only its queue.
 *
 * Needs Debian's Chromium at /usr/bin/chromium, like agent-page.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN, SUPERVISOR, startStack, waitFor } from '../helpers/stack.js';
import { FIXTURE_QUEUE } from '../../src/fsdouble/index.js';
import { addAgent } from '../realtime/desk-helpers.js';

interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): DomElement | null; querySelectorAll(selector: string): ArrayLike<DomElement>; readonly documentElement: DomElement };
declare const window: { __xss?: number };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SUPPORT = 'support@default';
const SALES = 'sales@default';
const SCOPED = 'sales-only-token-0123456789';
const AGENTS = ['6001@default', '6002@default', '6003@default', '6004@default'];

async function text(page: Page, selector: string): Promise<string> {
  return page.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector);
}

async function waitFn(page: Page, what: string, fn: () => boolean, timeout = 8000): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout });
  } catch {
    throw new Error(`timed out waiting for ${what}; page error: ${await text(page, '[data-testid="error"]')}`);
  }
}

test('supervisor console in Chromium: login, live tables, filter, both languages, actions with confirmation and errors, scoped token', async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is required at ${CHROMIUM} (apt-get install -y chromium)`);
  const s = await startStack({
    double: { queues: [FIXTURE_QUEUE, { ...FIXTURE_QUEUE, name: SALES }], dialplan: { '7000': { queue: SUPPORT }, '7100': { queue: SALES } } },
    env: { API_TOKENS: `boss:admin:${ADMIN},watcher:supervisor:${SUPERVISOR},salesboss:supervisor:${SCOPED}`, TOKEN_QUEUES: `salesboss=${SALES}` },
  });
  let browser: Browser | null = null;
  try {
    for (const [i, a] of AGENTS.entries()) await addAgent(s, a, { queue: i < 3 ? SUPPORT : SALES });
    assert.equal((await s.api('PUT', `/api/agents/${AGENTS[0]}/status`, { status: 'Available' })).status, 200);
    assert.equal((await s.api('PUT', `/api/agents/${AGENTS[1]}/status`, { status: 'Logged Out' })).status, 200);
    // A talking call in support, a waiting caller with a CRM record in sales (nobody available there).
    const talking = s.fs.injectCaller({ number: '15557001000', name: 'Talia Talking', destination: '7000' });
    await waitFor(() => s.gw.calls.ofAgent(AGENTS[0]!)?.phase === 'bridged', 'call bridged');
    assert.equal((await s.api('PUT', '/api/callers/15557002000', { name: 'Wu Wei', tier: 'gold', note: '<img src=x onerror="window.__xss=1">' })).status, 200);
    s.fs.injectCaller({ number: '15557002000', name: 'Wu Wei', destination: '7100' });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(s.url + '/supervisor');

    // A wrong token: refused with a clear error, still on the login form.
    await page.getByTestId('token').fill('wrong-token-123456');
    await page.getByTestId('login-submit').click();
    await waitFn(page, 'auth error', () => (document.querySelector('[data-testid="error"]')?.textContent ?? '').includes('not accepted'));
    assert.equal(await page.getByTestId('login-form').isVisible(), true);

    await page.getByTestId('token').fill(SUPERVISOR);
    await page.getByTestId('login-submit').click();
    await waitFn(page, 'four agents', () => document.querySelectorAll('tr[data-agent]').length === 4);
    await waitFn(page, 'the live call', () => document.querySelectorAll('tr[data-call]').length === 2);
    await waitFn(page, 'pop data', () => (document.querySelector('[data-queue="sales@default"] .sv-pop')?.textContent ?? '').includes('gold'));
    assert.equal(await text(page, '[data-testid="connection"]'), 'live');
    assert.match(await text(page, `tr[data-agent="${AGENTS[0]}"]`), /Talia Talking/);
    assert.match(await text(page, `tr[data-agent="${AGENTS[1]}"] [data-testid="agent-status"]`), /Logged out/);
    assert.match(await text(page, '[data-queue="sales@default"] [data-testid="queue-waiting"]'), /1 waiting/);
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'pop data is text, not markup');

    // Sorting by status, twice: the order flips.
    await page.locator('button.sort[data-sort="status"]').click();
    const asc = await page.evaluate(() => Array.from(document.querySelectorAll('tr[data-agent]')).map((r) => r.getAttribute('data-agent')));
    await page.locator('button.sort[data-sort="status"]').click();
    // The page draws on the next animation frame: wait for it rather than read the old order.
    await page.waitForFunction((first) => document.querySelector('tr[data-agent]')?.getAttribute('data-agent') !== first, asc[0], { timeout: 8000 });
    const desc = await page.evaluate(() => Array.from(document.querySelectorAll('tr[data-agent]')).map((r) => r.getAttribute('data-agent')));
    assert.notDeepEqual(asc, desc);
    assert.equal(asc[0], AGENTS[0], 'Available sorts first');

    mkdirSync(ARTIFACTS, { recursive: true });
    const en = `${ARTIFACTS}supervisor-console-en.png`;
    await page.screenshot({ path: en, fullPage: true });
    assert.ok(statSync(en).size > 5000);

    // Simplified Chinese, at once, then back.
    await page.getByTestId('lang').selectOption('zh-CN');
    await waitFn(page, 'Chinese title', () => document.querySelector('h1')?.textContent === '班长控制台');
    await waitFn(page, 'Chinese status', () => (document.querySelector('tr[data-agent="6002@default"] [data-testid="agent-status"]')?.textContent ?? '') === '已签出');
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('lang')), 'zh-CN');
    const zh = `${ARTIFACTS}supervisor-console-zh-CN.png`;
    await page.screenshot({ path: zh, fullPage: true });
    assert.ok(statSync(zh).size > 5000);
    await page.getByTestId('lang').selectOption('en');
    await waitFn(page, 'English title', () => document.querySelector('h1')?.textContent === 'Supervisor console');

    // Filter: only sales.
    await page.getByTestId('filter').selectOption(SALES);
    await waitFn(page, 'sales only', () => document.querySelectorAll('tr[data-agent]').length === 1);
    await page.getByTestId('filter').selectOption('');
    await waitFn(page, 'all again', () => document.querySelectorAll('tr[data-agent]').length === 4);

    // Force a status: confirm dialog, cancel changes nothing; confirm does it.
    const row = page.locator(`tr[data-agent="${AGENTS[2]}"]`);
    const before = s.fs.agent(AGENTS[2]!)?.status;
    assert.notEqual(before, 'On Break');
    await row.locator('select[data-action="status"]').selectOption('On Break');
    await page.getByTestId('confirm').waitFor({ state: 'visible' });
    assert.match(await text(page, '[data-testid="confirm-text"]'), /6003@default/);
    await page.getByTestId('confirm-cancel').click();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.fs.agent(AGENTS[2]!)?.status, before);
    await row.locator('select[data-action="status"]').selectOption('On Break');
    await page.getByTestId('confirm-ok').click();
    await waitFor(() => s.fs.agent(AGENTS[2]!)?.status === 'On Break', 'status forced on the switch');
    await waitFn(page, 'row shows it', () => (document.querySelector('tr[data-agent="6003@default"] [data-testid="agent-status"]')?.textContent ?? '') === 'On break');

    // Listen without a phone: a clear error, nothing sent. With a bad phone: the gateway's refusal shown.
    const agentRow = page.locator(`tr[data-agent="${AGENTS[0]}"]`);
    await agentRow.locator('button[data-mode="listen"]').click();
    await waitFn(page, 'no phone error', () => (document.querySelector('[data-testid="error"]')?.textContent ?? '').includes('phone'));
    await page.getByTestId('phone').fill('sofia/gateway/x/1');
    await agentRow.locator('button[data-mode="whisper"]').click();
    await page.getByTestId('confirm-ok').click();
    await waitFn(page, 'refusal shown', () => (document.querySelector('[data-testid="error"]')?.textContent ?? '').startsWith('Not accepted'));
    await page.getByTestId('phone').fill('user/1009');
    await agentRow.locator('button[data-mode="whisper"]').click();
    await page.getByTestId('confirm-ok').click();
    await waitFn(page, 'whispering line', () => (document.querySelector('[data-testid="eavesdrop-line"]')?.textContent ?? '').includes('Whispering to 6001@default'));
    assert.equal(s.fs.eavesdropping().length, 1);
    await page.getByTestId('eavesdrop-stop').click();
    await waitFor(() => s.fs.eavesdropping().length === 0, 'eavesdrop stopped');

    // Hang up the talking call.
    const memberSession = s.gw.calls.ofAgent(AGENTS[0]!)!.memberSessionUuid;
    await page.locator(`tr[data-call="${memberSession}"] button[data-action="hangup"]`).click();
    assert.match(await text(page, '[data-testid="confirm-text"]'), /15557001000/);
    await page.getByTestId('confirm-ok').click();
    await waitFn(page, 'call gone', () => document.querySelectorAll('tr[data-call]').length === 1);
    assert.equal(s.fs.channels().some((c) => c.uuid === talking.callerUuid), false);

    // A scoped token sees only sales.
    await page.getByTestId('logout').click();
    await page.getByTestId('token').fill(SCOPED);
    await page.getByTestId('login-submit').click();
    await waitFn(page, 'scoped agents', () => document.querySelectorAll('tr[data-agent]').length === 1 && !!document.querySelector('tr[data-agent="6004@default"]'));
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-queue="support@default"]').length), 0);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await s.stop();
  }
});
