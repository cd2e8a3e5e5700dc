/**
 * Helpers for the web tests: a test server with an admin and a user, HTTP requests that keep cookies
 * like a browser (node's fetch, real sockets), and reading the CSRF token out of a form.
 */
import { startTestServer, type TestServer } from '../helpers/server.js';

export const ALICE = { email: 'alice@example.com', password: 'alice-password-1' };
export const BOB = { email: 'bob@example.com', password: 'bob-password-12' };
export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

export async function startWebServer(
  overrides: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  const srv = await startTestServer(overrides);
  try {
    await srv.addUser(ALICE.email, ALICE.password, { quotaBytes: 50 * 1024 * 1024, retentionDays: 90 });
    await srv.addUser(BOB.email, BOB.password);
    await srv.addUser(ADMIN.email, ADMIN.password, { admin: true });
  } catch (err) {
    await srv.close();
    throw err;
  }
  return srv;
}

export function webUrl(srv: TestServer, path = '/'): string {
  return `http://127.0.0.1:${srv.ports.http}${path}`;
}

/** A cookie jar over fetch: what a browser keeps between requests (no redirects followed). */
export class WebClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async request(path: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    let body = init.body;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(this.base + path, { ...init, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Signs in through the form; returns the final response of the POST. */
  async signIn(email: string, password: string): Promise<Response> {
    const page = await (await this.request('/login')).text();
    return this.request('/login', { method: 'POST', form: { _csrf: csrfOf(page), email, password } });
  }
}

/** The `_csrf` value of the first form on a page. */
export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error(`no CSRF token in the page: ${page.slice(0, 300)}`);
  return match[1]!;
}
