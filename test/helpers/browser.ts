/**
 * Headless Chromium for page tests: Debian's `chromium` driven by playwright-core (never a browser
 * download). In CI a missing browser fails the test; locally the test is skipped. Screenshots go to
 * test-results/screenshots (a failed step always leaves one there).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve('test-results', 'screenshots');

/** Chromium as root in a container, kept off the network (it would otherwise phone home constantly). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** True when the browser is there; skips (locally) or throws (CI) otherwise. */
export function requireChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI)
    throw new Error(`${CHROMIUM} is not installed; .ci/run must install the chromium package`);
  t.skip(`${CHROMIUM} not installed`);
  return false;
}

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** playwright-core gives every launch a fresh temporary --user-data-dir of its own and removes it. */
export async function launchChromium(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Runs one browser step; on failure saves a screenshot of the page named after the step (and says
 * where) before rethrowing.
 */
export async function step<T>(page: Page, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const file = await screenshot(page, `FAILED-${name}`).catch(() => 'none');
    (err as Error).message += `\n(screenshot: ${file})`;
    throw err;
  }
}
