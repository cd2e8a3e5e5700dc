/** The exact settings per protocol, as most mail apps label their fields. */
import { type MailServer, securityLabel } from '../clients/mail-settings.js';
import { type Html, html } from '../html.js';

const TITLES = { imap: 'IMAP (incoming)', pop3: 'POP3 (incoming)', smtp: 'SMTP (outgoing)' } as const;

export function settingsCards(email: string, servers: readonly MailServer[]): Html {
  const cards = (['imap', 'pop3', 'smtp'] as const).map((protocol) => {
    const options = servers.filter((s) => s.protocol === protocol);
    const [best, ...others] = options;
    if (!best) {
      return html`<div class="setting-card" data-protocol="${protocol}"><h3>${TITLES[protocol]}</h3>
        <p class="muted">Not offered by this server.</p></div>`;
    }
    return html`<div class="setting-card" data-protocol="${protocol}">
      <h3>${TITLES[protocol]} <span class="pill ok">${securityLabel(best.security)}</span></h3>
      <dl class="settings">
        <dt>Server</dt><dd><span data-copy="server name">${best.hostname}</span></dd>
        <dt>Port</dt><dd><span data-copy="port">${best.port}</span></dd>
        <dt>Security</dt><dd>${securityLabel(best.security)}</dd>
        <dt>Username</dt><dd><span data-copy="username">${email}</span></dd>
        <dt>Password</dt><dd>your mail password</dd>
        <dt>Authentication</dt><dd>normal password</dd>
      </dl>
      ${others.map((o) => html`<p class="small muted">Also: port ${o.port} with ${securityLabel(o.security)}.</p>`)}
    </div>`;
  });
  return html`<div class="grid three">${cards}</div>`;
}
