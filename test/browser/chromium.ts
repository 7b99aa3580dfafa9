/**
 * What the desk's browser tests share: headless Chromium (/usr/bin/chromium, as
 * scripts/setup-test.sh installs it), the screenshot folder, and a desk page
 * opened and logged in. Each test still closes its browser in its `finally`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { passwordOf } from '../realtime/desk-helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots kept as artifacts (created by launchChromium). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Headless Chromium; fails the test (not skips it) when the browser is missing. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `Chromium is required at ${CHROMIUM} (apt-get install -y chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}

export interface DeskPage {
  readonly page: Page;
  /** Uncaught errors of the page's scripts: a test ends asserting there were none. */
  readonly pageErrors: string[];
}

/** A new page on the desk at `url`, connected, with `agent` logged in through the form (the switch's status is the caller's to wait for). */
export async function openDeskLoggedIn(browser: Browser, url: string, agent: string, viewport = { width: 1280, height: 900 }): Promise<DeskPage> {
  const page = await browser.newPage({ viewport, locale: 'en-US' });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url + '/');
  await page.waitForSelector('[data-testid="connection"][data-conn="connected"]');
  await page.getByTestId('login-agent').fill(agent);
  await page.getByTestId('login-password').fill(passwordOf(agent));
  await page.getByTestId('login-submit').click();
  return { page, pageErrors };
}
