/** Admin pages: accounts with quota usage, live sessions per protocol, delivered and refused mail. */
import { quotaBars } from '../charts.js';
import { formatBytes, formatCount, formatTime, plural, timeAgo } from '../format.js';
import { type Html, html } from '../html.js';
import type { AccountRow, MailEventRow, Overview, SessionRow } from '../views/admin-view.js';
import { layout } from './layout.js';

type Me = { email: string; admin: boolean; csrf: string };

export function adminAccountsPage(me: Me, summary: Overview, accounts: readonly AccountRow[]): Html {
  const body = html`<h1>Accounts</h1>
<p class="lead">Storage, quotas and who is connected. The same data: <code>GET /api/admin/accounts</code>.</p>
<div class="grid stats">
  <div class="stat"><div class="label">Accounts</div><div class="value">${formatCount(summary.accounts)}</div><div class="note">${formatCount(accounts.filter((a) => a.admin).length)} admin</div></div>
  <div class="stat"><div class="label">Storage used</div><div class="value">${formatBytes(summary.bytes)}</div><div class="note">${plural(summary.messages, 'message')}</div></div>
  <div class="stat"><div class="label">Live sessions</div><div class="value">${formatCount(Object.values(summary.sessions).reduce((a, b) => a + b, 0))}</div><div class="note">IMAP ${summary.sessions.imap ?? 0} · POP3 ${summary.sessions.pop3 ?? 0}</div></div>
  <div class="stat"><div class="label">Last 24 hours</div><div class="value">${formatCount(summary.delivered)} in</div><div class="note">${plural(summary.refused, 'refusal')}</div></div>
</div>
<section class="card" aria-labelledby="quota-h"><h2 id="quota-h">Quota usage</h2>
${accounts.length === 0 ? html`<p class="muted">No accounts yet.</p>` : quotaBars(accounts.map((a) => ({ label: a.email, value: a.bytes, limit: a.quotaBytes })))}
</section>
<section class="card" aria-labelledby="accounts-h"><h2 id="accounts-h">All accounts</h2>
<div class="table-scroll"><table data-testid="accounts">
<thead><tr><th>Account</th><th>Used</th><th>Quota</th><th>Messages</th><th>Inbox kept</th><th>POP3 delete</th><th>Sessions</th><th>Created</th></tr></thead>
<tbody>${accounts.map(
    (a) => html`<tr><td>${a.email} ${a.admin ? html`<span class="pill">admin</span>` : ''}</td>
  <td>${formatBytes(a.bytes)}</td>
  <td>${a.quotaBytes === null ? 'unlimited' : html`${formatBytes(a.quotaBytes)} <span class="pill ${level(a.percent)}">${a.percent}%</span>`}</td>
  <td>${formatCount(a.messages)}${a.quotaMessages === null ? '' : ` / ${formatCount(a.quotaMessages)}`}</td>
  <td>${a.retentionDays === null ? 'forever' : plural(a.retentionDays, 'day')}</td>
  <td>${a.popDeletePolicy}</td><td>${a.liveSessions}</td><td>${a.createdAt.slice(0, 10)}</td></tr>`,
  )}</tbody></table></div></section>`;
  return layout({ title: 'Accounts', user: me, current: 'admin' }, body);
}

function level(percent: number | null): string {
  if (percent === null) return '';
  return percent >= 90 ? 'bad' : percent >= 70 ? 'warn' : 'ok';
}

export function adminSessionsPage(
  me: Me,
  sessions: readonly SessionRow[],
  counts: Record<string, number>,
  now: Date,
): Html {
  const body = html`<h1>Live sessions</h1>
<p class="lead">Mail apps connected right now, per protocol. <code>GET /api/admin/sessions</code></p>
<div class="grid stats">${Object.entries(counts).map(
    ([protocol, n]) =>
      html`<div class="stat"><div class="label">${protocol.toUpperCase()}</div><div class="value" data-testid="sessions-${protocol}">${n}</div><div class="note">${n === 1 ? 'session' : 'sessions'}</div></div>`,
  )}</div>
<section class="card">${
    sessions.length === 0
      ? html`<p class="muted">Nobody is connected.</p>`
      : html`<div class="table-scroll"><table data-testid="sessions"><thead><tr><th>Protocol</th><th>Account</th><th>From</th><th>TLS</th><th>Since</th></tr></thead>
<tbody>${sessions.map(
          (
            s,
          ) => html`<tr><td><span class="pill">${s.protocol.toUpperCase()}</span></td><td>${s.email}</td><td>${s.remoteAddress}</td>
<td>${s.secure ? html`<span class="pill ok">yes</span>` : html`<span class="pill warn">no</span>`}</td><td title="${formatTime(s.since)}">${timeAgo(s.since, now)}</td></tr>`,
        )}</tbody></table></div>`
  }</section>`;
  return layout({ title: 'Sessions', user: me, current: 'sessions' }, body);
}

export function adminMailPage(me: Me, events: readonly MailEventRow[]): Html {
  const delivered = events.filter((e) => e.outcome === 'delivered').length;
  const body = html`<h1>Mail log</h1>
<p class="lead">The latest deliveries and refusals, one line per recipient. <code>GET /api/admin/mail</code></p>
<p>${plural(delivered, 'delivery')}, ${plural(events.length - delivered, 'refusal')} in the last ${plural(events.length, 'event')}.</p>
<section class="card">${
    events.length === 0
      ? html`<p class="muted">No mail yet.</p>`
      : html`<div class="table-scroll"><table data-testid="mail-events"><thead><tr><th>Time</th><th>Result</th><th>From</th><th>To</th><th>Size</th><th>Via</th><th>Reason</th></tr></thead>
<tbody>${events.map(
          (
            e,
          ) => html`<tr><td>${formatTime(e.at)}</td><td>${e.outcome === 'delivered' ? html`<span class="pill ok">delivered</span>` : html`<span class="pill bad">refused</span>`}</td>
<td>${e.sender || '<>'}</td><td>${e.recipient}</td><td>${e.size === null ? '' : formatBytes(e.size)}</td><td>${e.protocol}${e.remoteAddress ? html`<br><span class="small muted">${e.remoteAddress}</span>` : ''}</td><td class="small">${e.reason ?? ''}</td></tr>`,
        )}</tbody></table></div>`
  }</section>`;
  return layout({ title: 'Mail log', user: me, current: 'mail' }, body);
}
