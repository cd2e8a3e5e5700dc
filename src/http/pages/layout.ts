/** The page shell: head, top bar with navigation, footer. */
import { type Html, html } from '../html.js';

export interface LayoutOptions {
  title: string;
  /** The logged-in user's address and whether they may see the admin pages. */
  user?: { email: string; admin: boolean; csrf: string } | null;
  current?: 'setup' | 'admin' | 'sessions' | 'mail';
}

export function layout(options: LayoutOptions, body: Html): Html {
  const { user, current } = options;
  const link = (href: string, key: LayoutOptions['current'], text: string) =>
    html`<a href="${href}" ${current === key ? html`aria-current="page"` : ''}>${text}</a>`;
  const nav = user
    ? html`<nav class="main" aria-label="Main">
        ${link('/account', 'setup', 'My setup')}
        ${user.admin ? [link('/admin', 'admin', 'Accounts'), link('/admin/sessions', 'sessions', 'Sessions'), link('/admin/mail', 'mail', 'Mail log')] : ''}
        <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${user.csrf}"><button class="link" type="submit">Sign out</button></form>
      </nav>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title} · Postyard</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header class="top"><div class="wrap">
  <a class="brand" href="/"><span class="logo" aria-hidden="true">✉</span>Postyard</a>
  ${nav}
</div></header>
<main class="wrap" id="content">
${body}
</main>
<footer class="bottom wrap">Postyard mail server${user ? html` · signed in as ${user.email}` : ''}</footer>
<script src="/assets/app.js" defer></script>
</body>
</html>`;
}

export function flash(kind: 'ok' | 'bad' | 'warn', text: string): Html {
  return html`<div class="callout ${kind} flash" role="${kind === 'ok' ? 'status' : 'alert'}"><p>${text}</p></div>`;
}
