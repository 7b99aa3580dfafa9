/**
 * The wallboard (/wallboard) in real headless Chromium against the gateway,
 * the FreeSWITCH double and real PostgreSQL: sign in with a read-only
 * wallboard token, tiles from live KPIs with threshold colours, the three
 * ECharts charts drawn, the longest wait ticking, English and Simplified
 * Chinese (screenshots at 1920×1080 in test-artifacts/), a laptop-sized
 * window without horizontal scrolling, and a refused token.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (`apt-get install -y chromium`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitFor } from '../helpers/stack.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { SUPERVISOR, recordOf } from '../records/helpers.js';
import { kpiGateway, startDouble, SUPPORT, WALLBOARD } from '../kpis/helpers.js';

// Callbacks given to page.evaluate / waitForFunction run in the browser; the project compiles without the DOM lib.
interface DomElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  readonly clientWidth: number;
  readonly clientHeight: number;
  readonly scrollWidth: number;
}
declare const document: { querySelector(selector: string): DomElement | null; readonly documentElement: DomElement };
declare const location: { readonly hash: string };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const A = '1001@default';
const B = '1002@default';
const actor = { source: 'demo' as const, id: 'test' };

const text = (page: Page, testid: string) => page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testid);
const attr = (page: Page, testid: string, name: string) => page.evaluate(([id, n]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute(n) ?? null, [testid, name] as const);

async function waitUntil(page: Page, what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  try {
    await waitFor(check, what, timeoutMs);
  } catch (err) {
    const error = await text(page, 'error');
    throw new Error(`${(err as Error).message} (page error line: ${JSON.stringify(error)}; conn ${await attr(page, 'conn', 'data-conn')})`, { cause: err });
  }
}

/** Every chart has drawn a canvas of real size. */
async function chartsDrawn(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    ['chart-intervals', 'chart-waiting', 'chart-gauge'].every((id) => {
      const c = document.querySelector(`[data-testid="${id}"]`)?.querySelector('canvas');
      return !!c && c.clientWidth > 100 && c.clientHeight > 100;
    }),
  );
}

test('wallboard in Chromium: token sign-in, live tiles with threshold colours, charts, both languages, laptop size, refused token', async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is required for this test and was not found at ${CHROMIUM} (apt-get install -y chromium).`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase();
  const fs = await startDouble();
  const g = await kpiGateway(fs, db.url);
  let browser: Browser | null = null;
  try {
    // Some history for today: one answered call, one short abandon, one abandon after waiting.
    await g.gw.callCenter.createAgent({ name: A, contact: 'null/agent-1001', status: 'Available' }, actor);
    await g.gw.callCenter.createAgent({ name: B, contact: 'null/agent-1002', status: 'On Break' }, actor);
    for (const agent of [A, B]) await g.gw.callCenter.addTier(SUPPORT, agent, 1, 1, actor);
    const c1 = fs.injectCaller({ number: '15550000001', name: 'One' });
    await waitFor(() => g.gw.records!.live().some((c) => c.memberUuid === c1.memberUuid && c.state === 'answered'), 'call 1 answered');
    fs.hangupCaller(c1.callerUuid);
    await recordOf(g, c1.memberUuid);
    await g.gw.callCenter.setAgentStatus(A, 'On Break', actor);
    const c2 = fs.injectCaller({ number: '15550000002', name: 'Two' });
    await waitFor(() => g.gw.view.members.has(c2.memberUuid), 'call 2 waiting');
    fs.hangupCaller(c2.callerUuid);
    const c3 = fs.injectCaller({ number: '15550000003', name: 'Three' });
    await waitFor(() => g.gw.view.members.has(c3.memberUuid), 'call 3 waiting');
    await sleep(2100);
    fs.hangupCaller(c3.callerUuid);
    await recordOf(g, c3.memberUuid);
    // And one caller waiting now, with nobody available.
    const c4 = fs.injectCaller({ number: '15550000004', name: 'Four' });
    await waitFor(() => g.gw.view.members.has(c4.memberUuid), 'call 4 waiting');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-US' });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });

    // Sign in with the read-only token.
    await page.goto(`${g.gw.url}/wallboard?queue=${SUPPORT}`);
    await page.waitForSelector('[data-testid="token"]', { state: 'visible' });
    assert.equal(await attr(page, 'conn', 'data-conn'), 'login');
    await page.fill('[data-testid="token"]', WALLBOARD);
    await page.click('[data-testid="login"]');
    await waitUntil(page, 'live', async () => (await attr(page, 'conn', 'data-conn')) === 'live');
    assert.equal(await text(page, 'queue-name'), SUPPORT);

    // Tiles from the live KPIs, coloured by the thresholds.
    await waitUntil(page, 'one caller waiting', async () => (await text(page, 'tile-waiting-value')) === '1');
    assert.equal(await text(page, 'tile-available-value'), '0');
    assert.equal(await attr(page, 'tile-available', 'data-level'), 'bad', 'nobody available while a caller waits');
    assert.equal(await text(page, 'tile-on-break-value'), '2');
    assert.equal(await text(page, 'tile-on-call-value'), '0');
    // T = 1 s: the one answered call was answered within it; 3 offered less 1 short abandon: 50 %.
    assert.equal(await text(page, 'tile-service-level-value'), '50%');
    assert.equal(await attr(page, 'tile-service-level', 'data-level'), 'bad');
    assert.equal(await text(page, 'tile-abandon-rate-value'), '50%');
    assert.equal(await attr(page, 'tile-abandon-rate', 'data-level'), 'bad');
    assert.match((await text(page, 'tile-abandon-rate'))!, /1 abandoned, 1 short/);
    // The longest wait ticks on the page between pushes.
    const firstWait = await text(page, 'tile-longest-wait-value');
    assert.match(firstWait!, /^\d+:\d\d$/);
    await waitUntil(page, 'the longest wait ticks', async () => (await text(page, 'tile-longest-wait-value')) !== firstWait);
    await waitUntil(page, 'charts drawn', () => chartsDrawn(page));
    const shotEn = `${ARTIFACTS}wallboard-en-1920x1080.png`;
    await page.screenshot({ path: shotEn });
    assert.ok(statSync(shotEn).size > 10_000, 'screenshot written');

    // A pushed change: the waiting caller is answered by an agent who comes back.
    await g.gw.callCenter.setAgentStatus(A, 'Available', actor);
    await waitUntil(page, 'nobody waiting', async () => (await text(page, 'tile-waiting-value')) === '0');
    await waitUntil(page, 'agent on call', async () => (await text(page, 'tile-on-call-value')) === '1');
    assert.equal(await text(page, 'tile-longest-wait-value'), '0:00');

    // Simplified Chinese, switched on the page.
    await page.selectOption('[data-testid="locale"]', 'zh-CN');
    await waitUntil(page, 'Chinese labels', async () => (await page.evaluate(() => document.querySelector('[data-testid="tile-waiting"]')?.querySelector('h2')?.textContent ?? '')) === '当前排队');
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('lang')), 'zh-CN');
    assert.equal(await attr(page, 'conn', 'data-conn'), 'live');
    assert.equal(await text(page, 'conn'), '实时');
    const shotZh = `${ARTIFACTS}wallboard-zh-CN-1920x1080.png`;
    await page.screenshot({ path: shotZh });
    assert.ok(statSync(shotZh).size > 10_000);

    // A laptop: everything fits the width, charts still drawn.
    await page.setViewportSize({ width: 1366, height: 768 });
    await waitUntil(page, 'charts drawn at laptop size', () => chartsDrawn(page));
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'no horizontal scrolling at 1366×768');
    await page.screenshot({ path: `${ARTIFACTS}wallboard-zh-CN-1366x768.png`, fullPage: true });

    // A token in the fragment (never sent to the server) signs in and leaves the address bar; a supervisor token may read too.
    const kiosk = await (await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' })).newPage();
    await kiosk.goto(`${g.gw.url}/wallboard#token=${SUPERVISOR}`);
    await waitUntil(kiosk, 'kiosk live', async () => (await attr(kiosk, 'conn', 'data-conn')) === 'live');
    assert.equal(await kiosk.evaluate(() => location.hash), '');
    assert.equal(await text(kiosk, 'queue-name'), '全部队列');

    // A token that is not one: refused, and the page says so.
    const wrong = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US' })).newPage();
    await wrong.goto(`${g.gw.url}/wallboard`);
    await wrong.fill('[data-testid="token"]', 'not-a-real-token-123');
    await wrong.click('[data-testid="login"]');
    await waitUntil(wrong, 'refused', async () => (await attr(wrong, 'conn', 'data-conn')) === 'denied');
    assert.equal(await text(wrong, 'error'), 'This token is not valid.');

    assert.deepEqual(pageErrors, []);
  } finally {
    await browser?.close();
    await g.stop();
    await fs.stop();
    await db.drop();
  }
});
