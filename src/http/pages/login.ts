/** The sign-in page (the account's own mail password). */
import { type Html, html } from '../html.js';
import { flash, layout } from './layout.js';

export interface LoginPageOptions {
  token: string;
  email?: string;
  error?: string;
  /** Set when this connection must not carry a password: where to go instead. */
  insecure?: { httpsUrl: string | null };
  next?: string;
}

export function loginPage(options: LoginPageOptions): Html {
  const { insecure } = options;
  const body = html`<div class="login-box">
  <section class="card">
    <h1>Sign in</h1>
    <p class="muted">Use your mail address and the password of your mail account. You will see how to set up
    every device, with your own settings.</p>
    ${options.error ? flash('bad', options.error) : ''}
    ${
      insecure
        ? html`<div class="callout bad" role="alert"><p><strong>This connection is not encrypted.</strong> Your password
          would travel in clear text, so signing in is switched off here.</p>
          ${insecure.httpsUrl ? html`<p><a href="${insecure.httpsUrl}">Open the secure page</a></p>` : ''}</div>`
        : html`<form class="stack" method="post" action="/login">
      <input type="hidden" name="_csrf" value="${options.token}">
      ${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
      <label>Email address <input type="email" name="email" autocomplete="username" required value="${options.email ?? ''}" autofocus></label>
      <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
      <div class="actions"><button type="submit">Sign in</button></div>
    </form>`
    }
  </section>
  <p class="small muted">Setting up a mail app? Most apps (Thunderbird, Outlook, K-9 Mail, FairEmail) find the
  settings on their own from your address alone. Sign in for the details and for iPhone profiles.</p>
</div>`;
  return layout({ title: 'Sign in' }, body);
}
