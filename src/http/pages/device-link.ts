/** What the QR code opens on a phone: the settings and the profile downloads, for a few minutes. */
import type { MailServer } from '../clients/mail-settings.js';
import { type Html, html } from '../html.js';
import { layout } from './layout.js';
import { settingsCards } from './settings-cards.js';

export function deviceLinkPage(email: string, servers: readonly MailServer[], base: string): Html {
  const has = (p: string) => servers.some((s) => s.protocol === p);
  return layout(
    { title: `Set up ${email}` },
    html`<h1>Set up ${email}</h1>
<p class="lead">On an iPhone or iPad, install the profile: Settings then shows it under “Profile Downloaded”.
Elsewhere, enter the settings below.</p>
<section class="card"><div class="actions">
  ${has('imap') ? html`<a class="button" href="${base}/imap.mobileconfig">Install profile (IMAP, recommended)</a>` : ''}
  ${has('pop3') ? html`<a class="button secondary" href="${base}/pop3.mobileconfig">Install profile (POP3)</a>` : ''}
</div>
<p class="small muted">On a phone next to a computer that uses POP3, choose IMAP: the phone then shows the recent mail and stays in step with your other devices.</p></section>
<section class="card"><h2>Settings</h2>${settingsCards(email, servers)}</section>`,
  );
}

export function expiredLinkPage(): Html {
  return layout(
    { title: 'Link expired' },
    html`<section class="card"><h1>This link has expired</h1><p>Sign in on your computer and scan the new code.</p>
    <p><a href="/login">Sign in</a></p></section>`,
  );
}

export function errorPage(title: string, text: string, status: number): Html {
  return layout(
    { title },
    html`<section class="card"><h1>${title}</h1><p>${text}</p><p class="muted small">HTTP ${status}</p><p><a href="/">Home</a></p></section>`,
  );
}
