/**
 * Every page and flow in a real browser (Debian's chromium through playwright-core): sign in, read the
 * IMAP/POP3 comparison with the account's own numbers, download the Apple profile, change the password
 * and then log in over IMAP with it; the admin pages. Screenshots of failed steps land in
 * test-results/screenshots; POSTYARD_SCREENSHOTS=1 keeps one of every page.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, requireChromium, screenshot, step, type TestBrowser } from '../helpers/browser.js';
import { connect } from '../helpers/net.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN, ALICE, startWebServer, webUrl } from './helpers.js';
import { parsePlist } from './plist.js';

const KEEP = process.env.POSTYARD_SCREENSHOTS === '1';

async function imapLogin(srv: TestServer, email: string, password: string): Promise<string> {
  const c = await connect(srv.ports.imap!);
  try {
    await c.readLine();
    c.send(`a1 LOGIN "${email}" "${password}"`);
    const lines = await c.readUntil(/^a1 /);
    c.send('a2 LOGOUT');
    return lines[lines.length - 1]!;
  } finally {
    await c.close();
  }
}

async function pop3Login(srv: TestServer, email: string, password: string): Promise<void> {
  const c = await connect(srv.ports.pop3!);
  try {
    await c.readLine();
    c.send(`USER ${email}`);
    await c.readLine();
    c.send(`PASS ${password}`);
    assert.match(await c.readLine(), /^\+OK/);
    c.send('QUIT');
    await c.readLine();
  } finally {
    await c.close();
  }
}

async function deliver(srv: TestServer, to: string, subject: string): Promise<void> {
  const c = await connect(srv.ports.lmtp!);
  try {
    await c.readLine();
    c.send('LHLO test');
    await c.readUntil(/^250 /);
    c.send('MAIL FROM:<sender@example.net>');
    await c.readLine();
    c.send(`RCPT TO:<${to}>`);
    if ((await c.readLine()).startsWith('250')) {
      c.send('DATA');
      await c.readUntil(/^354/);
      c.send(`Subject: ${subject}\r\n\r\n${'hello '.repeat(2000)}\r\n.`);
      assert.match(await c.readLine(), /^250/);
    }
    c.send('QUIT');
  } finally {
    await c.close();
  }
}

describe('setup and admin pages in a browser', () => {
  let srv: TestServer;
  let chromium: TestBrowser | null = null;

  before(async () => {
    // The default the lead is moving to: a POP3 download leaves mail unread for IMAP devices.
    srv = await startWebServer({ pop3: { markSeenOnRetr: false } });
    await deliver(srv, ALICE.email, 'first');
    await deliver(srv, 'nobody@example.com', 'refused');
    assert.match(await imapLogin(srv, ALICE.email, ALICE.password), /^a1 OK/);
    await pop3Login(srv, ALICE.email, ALICE.password);
  });
  after(async () => {
    await chromium?.close();
    await srv?.close();
  });

  async function newPage(t: import('node:test').TestContext): Promise<Page | null> {
    if (!requireChromium(t)) return null;
    chromium ??= await launchChromium();
    const context = await chromium.browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1200, height: 900 },
    });
    t.after(() => context.close());
    return context.newPage();
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(webUrl(srv, '/'));
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('a user signs in, reads the comparison, downloads the profile, changes the password and uses it over IMAP', async (t) => {
    const page = await newPage(t);
    if (!page) return;
    await step(page, 'sign-in', async () => {
      await signIn(page, ALICE.email, ALICE.password);
      await page.waitForURL('**/account');
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), `Set up ${ALICE.email}`);
    });
    if (KEEP) await screenshot(page, 'account-desktop');

    await step(page, 'comparison', async () => {
      const compare = page.locator('#compare');
      assert.match((await compare.textContent()) ?? '', /Two-way/);
      // The account's own numbers: its quota, retention and the protocols it used.
      assert.match((await compare.textContent()) ?? '', /of your 50 MB quota/);
      assert.match((await compare.textContent()) ?? '', /90 days after it arrived/);
      assert.equal(await page.getByTestId('protocol-summary').textContent(), 'IMAP 1 · POP3 1');
      assert.match((await page.locator('#recommended').textContent()) ?? '', /Your main computer: POP3/);
      assert.match((await page.locator('#recommended').textContent()) ?? '', /does not mark mail read/);
      const imapCard = page.locator('[data-protocol="imap"]');
      assert.match((await imapCard.textContent()) ?? '', new RegExp(`${srv.ports.imaps}`));
    });

    await step(page, 'profile', async () => {
      const download = page.waitForEvent('download');
      await page.getByRole('link', { name: /profile \(IMAP\)/ }).click();
      const file = await (await download).path();
      const profile = parsePlist(await readFile(file, 'utf8'));
      const account = (profile.PayloadContent as Array<Record<string, unknown>>)[0]!;
      assert.equal(account.EmailAccountType, 'EmailTypeIMAP');
      assert.equal(account.IncomingMailServerPortNumber, srv.ports.imaps);
      assert.equal(account.EmailAddress, ALICE.email);
    });

    const newPassword = 'a-brand-new-password-7';
    await step(page, 'password', async () => {
      await page.getByLabel('Current password').fill(ALICE.password);
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('New password again').fill(newPassword);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Password changed.').waitFor();
    });
    if (KEEP) await screenshot(page, 'account-password-changed');
    assert.match(await imapLogin(srv, ALICE.email, newPassword), /^a1 OK/);
    assert.match(await imapLogin(srv, ALICE.email, ALICE.password), /^a1 NO/);

    await step(page, 'sign-out', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/login');
      await page.goto(webUrl(srv, '/account'));
      await page.waitForURL('**/login?next=*');
    });
  });

  test('the setup page reads well on a phone', async (t) => {
    const page = await newPage(t);
    if (!page) return;
    await page.setViewportSize({ width: 390, height: 844 });
    await step(page, 'phone', async () => {
      await signIn(page, ADMIN.email, ADMIN.password);
      await page.waitForURL('**/account');
      // Nothing wider than the screen: no sideways scrolling on a phone.
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `page is ${width}px wide`);
    });
    if (KEEP) await screenshot(page, 'account-phone');
  });

  test('an admin sees accounts with quota usage, live sessions and the mail log', async (t) => {
    const page = await newPage(t);
    if (!page) return;
    await step(page, 'admin', async () => {
      await signIn(page, ADMIN.email, ADMIN.password);
      await page.waitForURL('**/account');
      await page.getByRole('link', { name: 'Accounts' }).click();
      const accounts = page.getByTestId('accounts');
      assert.match((await accounts.textContent()) ?? '', /alice@example\.com/);
      assert.match((await accounts.textContent()) ?? '', /50 MB/);
      if (KEEP) await screenshot(page, 'admin-accounts');
    });
    const imap = await connect(srv.ports.imap!);
    t.after(() => imap.close());
    await imap.readLine();
    imap.send(`a1 LOGIN "${ADMIN.email}" "${ADMIN.password}"`);
    await imap.readUntil(/^a1 OK/);
    await step(page, 'sessions', async () => {
      await page.getByRole('link', { name: 'Sessions' }).click();
      assert.equal(await page.getByTestId('sessions-imap').textContent(), '1');
      assert.match((await page.getByTestId('sessions').textContent()) ?? '', /admin@example\.com/);
      if (KEEP) await screenshot(page, 'admin-sessions');
    });
    await step(page, 'mail log', async () => {
      await page.getByRole('link', { name: 'Mail log' }).click();
      const log = (await page.getByTestId('mail-events').textContent()) ?? '';
      assert.match(log, /delivered/);
      assert.match(log, /nobody@example\.com/);
      assert.match(log, /550/);
      if (KEEP) await screenshot(page, 'admin-mail');
    });
  });

  test('a user who is not an admin is refused the admin pages', async (t) => {
    const page = await newPage(t);
    if (!page) return;
    await step(page, 'not admin', async () => {
      await signIn(page, 'bob@example.com', 'bob-password-12');
      await page.waitForURL('**/account');
      assert.equal(await page.getByRole('link', { name: 'Accounts' }).count(), 0);
      const response = await page.goto(webUrl(srv, '/admin'));
      assert.equal(response?.status(), 403);
    });
  });
});
