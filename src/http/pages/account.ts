/**
 * The setup page of one account: IMAP or POP3 explained with this account's own numbers, the
 * recommended setup, the exact settings, the phone QR code and profiles, storage over time, and the
 * password form. Data comes from views/account-view.ts (the same as GET /api/account).
 */
import { usageChart } from '../charts.js';
import { formatBytes, formatCount, formatTime, percentOf, plural, timeAgo } from '../format.js';
import { type Html, html } from '../html.js';
import type { AccountView } from '../views/account-view.js';
import { flash, layout } from './layout.js';
import { settingsCards } from './settings-cards.js';

export interface AccountPageOptions {
  view: AccountView;
  csrf: string;
  now: Date;
  /** Inline SVG of the QR code, and the link it encodes. */
  qr: { svg: Html; url: string; reachable: boolean } | null;
  message?: { kind: 'ok' | 'bad'; text: string };
}

export function accountPage(options: AccountPageOptions): Html {
  const { view } = options;
  const body = html`
<h1>Set up ${view.email}</h1>
<p class="lead">Use this address and your password on every device. Below: which way to connect each one,
and the exact settings.</p>
${options.message ? flash(options.message.kind, options.message.text) : ''}
${stats(view, options.now)}
<nav class="subnav" aria-label="On this page">
  <a href="#compare">IMAP or POP3?</a><a href="#recommended">Recommended setup</a><a href="#settings">Settings</a>
  <a href="#phone">Phone &amp; profiles</a><a href="#storage">Storage</a><a href="#password">Password</a>
</nav>
${compare(view)}
${recommended(view, options.now)}
<section class="card" id="settings" aria-labelledby="settings-h">
  <h2 id="settings-h">Settings for your mail app</h2>
  <p class="muted">If your app does not find them by itself, enter these. Choose either IMAP or POP3 for
  incoming mail, and SMTP for sending.</p>
  ${settingsCards(view.email, view.servers)}
</section>
${phone(options)}
<section class="card" id="storage" aria-labelledby="storage-h">
  <h2 id="storage-h">Storage over time</h2>
  <p class="muted">${formatBytes(view.usage.bytes)} in ${plural(view.usage.messages, 'message')} now${
    view.usage.quotaBytes !== null ? html`, of ${formatBytes(view.usage.quotaBytes)}` : ''
  }. One point per day.</p>
  ${usageChart(view.usageHistory, view.usage.quotaBytes)}
</section>
${passwordForm(options.csrf)}`;
  return layout(
    {
      title: 'My setup',
      user: { email: view.email, admin: view.admin, csrf: options.csrf },
      current: 'setup',
    },
    body,
  );
}

function stats(view: AccountView, now: Date): Html {
  const percent = percentOf(view.usage.bytes, view.usage.quotaBytes);
  const use = (p: string) => view.protocols.find((x) => x.protocol === p)!;
  const imap = use('imap');
  const pop3 = use('pop3');
  return html`<div class="grid stats">
  <div class="stat"><div class="label">Storage</div><div class="value">${formatBytes(view.usage.bytes)}</div>
    ${percent !== null ? html`<meter min="0" max="100" low="70" high="90" optimum="0" value="${percent}" aria-label="Storage used">${percent}%</meter>` : ''}
    <div class="note">${view.usage.quotaBytes === null ? 'no quota' : `${percent}% of ${formatBytes(view.usage.quotaBytes)}`}</div></div>
  <div class="stat"><div class="label">Messages</div><div class="value">${formatCount(view.usage.messages)}</div>
    <div class="note">${view.usage.quotaMessages === null ? 'no limit' : `limit ${formatCount(view.usage.quotaMessages)}`}</div></div>
  <div class="stat"><div class="label">Inbox mail kept</div><div class="value">${view.retentionDays === null ? 'Until deleted' : plural(view.retentionDays, 'day')}</div>
    <div class="note">${view.retentionDays === null ? 'nothing expires on the server' : 'after it arrives, then removed'}</div></div>
  <div class="stat"><div class="label">Used in the last ${view.recentDays} days</div>
    <div class="value compact" data-testid="protocol-summary">IMAP ${imap.devices} · POP3 ${pop3.devices}</div>
    <div class="note">devices${imap.lastSeen || pop3.lastSeen ? html`, last ${timeAgo(latest(imap.lastSeen, pop3.lastSeen)!, now)}` : ': none yet'}</div></div>
</div>`;
}

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

function compare(view: AccountView): Html {
  const quota =
    view.usage.quotaBytes === null ? 'no quota' : `of your ${formatBytes(view.usage.quotaBytes)} quota`;
  const leave = view.pop3.leaveDays;
  const retention =
    view.retentionDays === null
      ? ''
      : ` The server removes Inbox mail ${plural(view.retentionDays, 'day')} after it arrived, whatever the app does.`;
  const rows: Array<[string, string | Html, string | Html]> = [
    [
      'How it works',
      'Two-way: the app shows the mail on the server, and everything you do (read, move, delete) goes back to it.',
      'One-way: the app downloads new mail to the device. What you do with it afterwards stays on that device.',
    ],
    [
      'Speed',
      'Quick to start: headers first, a message when you open it. Older mail needs the network to open.',
      'Each message is downloaded whole, once. After that everything opens instantly from the device.',
    ],
    [
      'Storage on the server',
      `Everything stays on the server and counts against your quota: ${formatBytes(view.usage.bytes)} used, ${quota}.${retention}`,
      `Only what the app leaves there. With “leave a copy for ${leave} days”, about the last ${leave} days of mail.${retention}`,
    ],
    [
      'Several devices',
      'Every device sees the same folders, read marks and deletions.',
      'Each device downloads its own copy. Read marks, folders and deletions are not shared.',
    ],
    [
      'Offline',
      'What the app has kept (most keep recent mail) is readable offline.',
      'Everything downloaded is on the device, with or without network.',
    ],
    [
      'Folders and Sent mail',
      'Sent, Drafts, Archive and your own folders live on the server, on every device.',
      'Only the Inbox is downloaded; folders exist on that device alone.',
    ],
    [
      'Read or unread',
      'Read on one device means read on all of them.',
      view.pop3.marksSeen
        ? 'Downloading a message also marks it read for your IMAP devices.'
        : 'Downloading does not mark a message read: your IMAP devices still show it as new.',
    ],
    ['What deleting does', 'Deleting on one device deletes it everywhere.', deleting(view)],
  ];
  return html`<section class="card" id="compare" aria-labelledby="compare-h">
  <h2 id="compare-h">IMAP or POP3?</h2>
  <p class="muted">Both fetch the same mail; they differ in where it lives afterwards. In short: IMAP keeps
  everything on the server and every device in step; POP3 moves mail onto one device.</p>
  <div class="table-scroll"><table class="compare">
    <thead><tr><th scope="col"><span class="muted">For ${view.email}</span></th><th scope="col">IMAP</th><th scope="col">POP3</th></tr></thead>
    <tbody>${rows.map(
      ([topic, imap, pop3]) =>
        html`<tr><th scope="row">${topic}</th><td data-label="IMAP">${imap}</td><td data-label="POP3">${pop3}</td></tr>`,
    )}</tbody>
  </table></div>
</section>`;
}

function deleting(view: AccountView): string {
  const leave = view.pop3.leaveDays;
  return view.pop3.deletePolicy === 'expunge'
    ? `When the POP3 app removes its copy from the server (after ${leave} days, or when you delete it there), the message is gone from the server, so IMAP devices see about the last ${leave} days.`
    : 'A POP3 app’s deletions only hide the message from POP3: IMAP devices keep seeing everything until you delete it there or the quota is full.';
}

function recommended(view: AccountView, now: Date): Html {
  const leave = view.pop3.leaveDays;
  const pop3 = view.protocols.find((p) => p.protocol === 'pop3')!;
  const imap = view.protocols.find((p) => p.protocol === 'imap')!;
  const notes: Html[] = [];
  if (pop3.devices > 1)
    notes.push(
      html`<div class="callout warn"><p>${plural(pop3.devices, 'device')} used POP3 in the last ${view.recentDays} days. Each downloads its
      own copy and none sees what the others did: keep POP3 on your main computer only, and switch the others to IMAP.</p></div>`,
    );
  const percent = percentOf(view.usage.bytes, view.usage.quotaBytes);
  if (percent !== null && percent >= 80 && pop3.devices === 0)
    notes.push(
      html`<div class="callout warn"><p>Your storage is ${percent}% full. A computer on POP3 that leaves a copy for ${leave} days keeps
      your whole archive on the computer and only the recent mail on the server.</p></div>`,
    );
  return html`<section class="card" id="recommended" aria-labelledby="recommended-h">
  <h2 id="recommended-h">Recommended setup</h2>
  <ol class="steps">
    <li><strong>Your main computer: POP3</strong>, with <em>leave a copy of messages on the server</em> for ${leave} days
      (any value from 14 to 30 works). The computer keeps your whole archive, fast and offline; the server only holds recent mail.</li>
    <li><strong>Phone, tablet and every other device: IMAP.</strong> They show the last ${leave} days of mail from the server
      and stay in step with each other: read on the phone is read on the tablet.</li>
    <li>Only one device, or want every device to see everything? Use <strong>IMAP everywhere</strong>.</li>
  </ol>
  <div class="callout"><p><strong>On this server:</strong> ${
    view.pop3.deletePolicy === 'expunge'
      ? 'when your POP3 computer removes its server copy, that message leaves the server for every device.'
      : 'your POP3 computer’s deletions only hide mail from POP3; IMAP devices keep everything until the quota is full.'
  } ${
    view.pop3.marksSeen
      ? 'A POP3 download marks the message read everywhere.'
      : 'A POP3 download does not mark mail read, so your phone on IMAP still shows it as new.'
  }</p></div>
  ${notes}
  <h3>Your devices lately</h3>
  ${
    view.devices.length === 0
      ? html`<p class="muted">No device has signed in over IMAP or POP3 in the last ${view.recentDays} days.</p>`
      : html`<p>In the last ${view.recentDays} days: IMAP from ${plural(imap.devices, 'device')}, POP3 from ${plural(pop3.devices, 'device')}
        (devices are counted by their network address).</p>
      <div class="table-scroll"><table data-testid="devices">
        <thead><tr><th>Protocol</th><th>Device address</th><th>Last seen</th><th>Logins</th></tr></thead>
        <tbody>${view.devices.map(
          (d) =>
            html`<tr><td><span class="pill">${d.protocol.toUpperCase()}</span></td><td>${d.device}</td><td title="${formatTime(d.lastSeen)}">${timeAgo(d.lastSeen, now)}</td><td>${formatCount(d.logins)}</td></tr>`,
        )}</tbody></table></div>`
  }
</section>`;
}

function phone(options: AccountPageOptions): Html {
  const { view, qr } = options;
  const imap = view.servers.some((s) => s.protocol === 'imap');
  const pop3 = view.servers.some((s) => s.protocol === 'pop3');
  return html`<section class="card" id="phone" aria-labelledby="phone-h">
  <h2 id="phone-h">Phone, tablet and Mac</h2>
  <div class="qr">
    ${qr ? qr.svg : ''}
    <div>
      <p>Scan this code with your phone’s camera: it opens a page with your settings and the iPhone/iPad
      profile, valid for 15 minutes, without typing a password there.</p>
      ${qr && !qr.reachable ? html`<p class="callout warn small">This address (${qr.url.replace(/\/d\/.*$/, '')}) only works on this computer. Set <code>http.publicUrl</code> so phones can reach the pages.</p>` : ''}
      ${qr ? html`<p class="small">No camera at hand? Send yourself <a data-testid="device-link" href="${qr.url}">this link</a> (valid 15 minutes).</p>` : ''}
      <p class="small muted">Android: K-9 Mail, FairEmail and Thunderbird set themselves up from your address alone.</p>
      <div class="actions">
        ${imap ? html`<a class="button" href="/account/profile/imap.mobileconfig" download>iPhone, iPad, Mac profile (IMAP)</a>` : ''}
        ${pop3 ? html`<a class="button secondary" href="/account/profile/pop3.mobileconfig" download>Profile with POP3</a>` : ''}
      </div>
      <p class="small muted">The profile holds no password: the device asks for it when you install the profile.</p>
    </div>
  </div>
</section>`;
}

function passwordForm(csrf: string): Html {
  return html`<section class="card" id="password" aria-labelledby="password-h">
  <h2 id="password-h">Change your password</h2>
  <p class="muted">It changes for every device: each mail app asks for the new one at its next connection.
  Other browsers signed in to these pages are signed out.</p>
  <form class="stack" method="post" action="/account/password">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label>Current password <input type="password" name="current" autocomplete="current-password" required></label>
    <label>New password <input type="password" name="password" autocomplete="new-password" minlength="10" required></label>
    <label>New password again <input type="password" name="repeat" autocomplete="new-password" minlength="10" required></label>
    <div class="actions"><button type="submit">Change password</button></div>
  </form>
</section>`;
}
