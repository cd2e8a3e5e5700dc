/**
 * The pages' security with real HTTP requests: the sign-in throttle (shared with IMAP/POP3, answered as
 * throttled, never as a wrong password), CSRF, one user never reaching another's data, the admin API
 * refusing everyone but admins, and passwords never accepted over plain http from another machine.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { hashSecret, newApiToken } from '../../src/http/web-auth.js';
import { connect } from '../helpers/net.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN, ALICE, BOB, csrfOf, startWebServer, WebClient, webUrl } from './helpers.js';

/** The account the throttle test attacks (its block lasts past that test). */
const VICTIM = { email: 'victim@example.com', password: 'victim-password-1' };

describe('web security', () => {
  let srv: TestServer;
  const tokens: Record<string, string> = {};
  before(async () => {
    srv = await startWebServer({ limits: { maxAuthFailures: 3 } });
    await srv.addUser(VICTIM.email, VICTIM.password);
    for (const who of [ALICE, BOB, ADMIN]) {
      const account = (await srv.ctx.store.getAccount(who.email))!;
      tokens[who.email] = newApiToken();
      await srv.ctx.store.createApiToken(account.id, 'test', hashSecret(tokens[who.email]!));
    }
  });
  after(() => srv.close());

  const client = () => new WebClient(webUrl(srv, ''));

  test('wrong passwords are throttled like IMAP, and then even the right one is told "too many", not "wrong"', async () => {
    const web = client();
    const page = await (await web.request('/login')).text();
    const attempt = (password: string) =>
      web.request('/login', {
        method: 'POST',
        form: { _csrf: csrfOf(page), email: VICTIM.email, password },
      });
    for (let i = 0; i < 3; i++) {
      const response = await attempt('wrong-password');
      if (i < 2) {
        assert.equal(response.status, 401);
        assert.match(await response.text(), /Wrong email address or password/);
      }
    }
    const blocked = await attempt(VICTIM.password);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    const text = await blocked.text();
    assert.match(text, /Too many failed sign-ins/);
    assert.doesNotMatch(text, /Wrong email address/);
    // The same block answers IMAP from this address: one throttle for every protocol.
    const imap = await connect(srv.ports.imap!);
    await imap.readLine();
    imap.send(`a1 LOGIN "${VICTIM.email}" "${VICTIM.password}"`);
    assert.match((await imap.readUntil(/^a1 /)).at(-1)!, /^a1 NO \[UNAVAILABLE\]/);
    await imap.close();
    // Other accounts from the same address are not blocked.
    assert.equal((await client().signIn(ALICE.email, ALICE.password)).status, 303);
  });

  test('forms without the right CSRF token are refused and change nothing', async () => {
    const web = client();
    assert.equal((await web.signIn(ALICE.email, ALICE.password)).status, 303);
    const page = await (await web.request('/account')).text();
    const token = csrfOf(page);
    const change = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      web.request('/account/password', {
        method: 'POST',
        form: {
          current: ALICE.password,
          password: 'another-password-9',
          repeat: 'another-password-9',
          ...form,
        },
        headers,
      });
    assert.equal((await change({})).status, 403, 'no token');
    assert.equal((await change({ _csrf: 'x'.repeat(token.length) })).status, 403, 'wrong token');
    assert.equal(
      (await change({ _csrf: token }, { origin: 'https://evil.example' })).status,
      403,
      'foreign origin',
    );
    const login = client();
    const loginPage = await (await login.request('/login')).text();
    const forged = await login.request('/login', {
      method: 'POST',
      form: { _csrf: `${csrfOf(loginPage)}x`, email: ALICE.email, password: ALICE.password },
    });
    assert.equal(forged.status, 403, 'the login form is protected too');
    const logout = await web.request('/logout', { method: 'POST', form: {} });
    assert.equal(logout.status, 403, 'sign-out needs the token as well');
    // Nothing changed: the old password still works.
    assert.equal((await client().signIn(ALICE.email, ALICE.password)).status, 303);
  });

  test('a user sees only their own page, profile and data; a device link is not a session', async () => {
    const bob = client();
    assert.equal((await bob.signIn(BOB.email, BOB.password)).status, 303);
    const page = await (await bob.request('/account')).text();
    assert.match(page, /Set up bob@example\.com/);
    assert.doesNotMatch(page, /alice@example\.com/);
    const profile = await (await bob.request('/account/profile/imap.mobileconfig')).text();
    assert.match(profile, /bob@example\.com/);
    assert.doesNotMatch(profile, /alice/);
    const api = await bob.request('/api/account');
    assert.equal(((await api.json()) as { email: string }).email, BOB.email);
    const byToken = await client().request('/api/account', {
      headers: { authorization: `Bearer ${tokens[ALICE.email]}` },
    });
    assert.equal(((await byToken.json()) as { email: string }).email, ALICE.email);

    // Alice's QR link shows Alice's downloads to whoever has it, but it opens no session.
    const alice = client();
    await alice.signIn(ALICE.email, ALICE.password);
    const link = /\/d\/([\w-]+)/.exec(await (await alice.request('/account')).text());
    assert.ok(link, 'the setup page links a device page');
    const stranger = client();
    assert.equal((await stranger.request(`/d/${link[1]}`)).status, 200);
    stranger.cookies.set('__Host-postyard-session', link[1]!);
    assert.equal((await stranger.request('/account')).status, 303, 'sent to the sign-in page');
    assert.equal((await stranger.request('/d/not-a-link')).status, 404);
  });

  test('the admin API answers admins only: 401 without a token, 403 for a user, data for an admin', async () => {
    const paths = ['/api/admin/overview', '/api/admin/accounts', '/api/admin/sessions', '/api/admin/mail'];
    for (const path of paths) {
      assert.equal((await client().request(path)).status, 401, path);
      const bad = await client().request(path, { headers: { authorization: 'Bearer pyt_nonsense' } });
      assert.equal(bad.status, 401, path);
      const user = await client().request(path, {
        headers: { authorization: `Bearer ${tokens[ALICE.email]}` },
      });
      assert.equal(user.status, 403, path);
      const admin = await client().request(path, {
        headers: { authorization: `Bearer ${tokens[ADMIN.email]}` },
      });
      assert.equal(admin.status, 200, path);
    }
    const accounts = await client().request('/api/admin/accounts', {
      headers: { authorization: `Bearer ${tokens[ADMIN.email]}` },
    });
    const body = (await accounts.json()) as { accounts: Array<{ email: string; quotaBytes: number | null }> };
    assert.deepEqual(
      body.accounts.map((a) => a.email),
      [ADMIN.email, ALICE.email, BOB.email, VICTIM.email],
    );
    // A user's browser session does not open the admin pages either.
    const alice = client();
    await alice.signIn(ALICE.email, ALICE.password);
    assert.equal((await alice.request('/admin')).status, 403);
    assert.equal((await alice.request('/api/admin/accounts')).status, 403);
  });

  test('cookies are HttpOnly, Secure, SameSite; pages send a strict security policy', async () => {
    const web = client();
    const response = await web.request('/login');
    const cookie = response.headers.getSetCookie().join('\n');
    assert.match(cookie, /__Host-postyard-login=[^;]+;.*HttpOnly/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const signIn = await web.signIn(ALICE.email, ALICE.password);
    const session = signIn.headers.getSetCookie().find((c) => c.startsWith('__Host-postyard-session='))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /Secure/);
    assert.match(session, /SameSite=Lax/);
    assert.match(session, /Path=\//);
  });

  test('over plain http under a public name the page refuses passwords and points to https', async () => {
    const ask = (method: string, body?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: srv.ports.http,
            method,
            path: '/login',
            headers: { host: 'mail.example.com', 'content-type': 'application/x-www-form-urlencoded' },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const page = await ask('GET');
    assert.match(page.text, /not encrypted/);
    assert.match(page.text, new RegExp(`https://mail\\.example\\.com:${srv.ports.https}/login`));
    assert.doesNotMatch(page.text, /type="password"/);
    const post = await ask('POST', `email=${encodeURIComponent(ALICE.email)}&password=${ALICE.password}`);
    assert.equal(post.status, 403);
  });
});
