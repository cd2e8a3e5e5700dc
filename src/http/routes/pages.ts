/**
 * Sign-in, sign-out, the setup page, password change, profile downloads and the QR device links.
 * Every form post checks its CSRF token; passwords go through the one auth service, with the same
 * throttle as IMAP and POP3 (a blocked attempt is told so, never "wrong password").
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { WebSession } from '../../store/activity.js';
import type { Account } from '../../store/store.js';
import { domainOf, mailServers, preferred } from '../clients/mail-settings.js';
import { MOBILECONFIG_TYPE, mobileconfigXml, profileFileName } from '../clients/mobileconfig.js';
import { raw } from '../html.js';
import { accountPage } from '../pages/account.js';
import { deviceLinkPage, errorPage, expiredLinkPage } from '../pages/device-link.js';
import { loginPage } from '../pages/login.js';
import { DEVICE_LINK_TTL_MS, type HttpServices, MIN_PASSWORD_LENGTH, SESSION_TTL_MS } from '../services.js';
import { accountView } from '../views/account-view.js';
import {
  clearSessionCookie,
  csrfValid,
  hashSecret,
  loginFormToken,
  loginTokenValid,
  newSecret,
  originMatches,
  passwordsAllowed,
  sessionUser,
  startSession,
  type WebUser,
} from '../web-auth.js';
import { publicBase, reachableFromElsewhere, safeNext } from './urls.js';

type Form = Record<string, string | undefined>;

export function pageRoutes(app: FastifyInstance, services: HttpServices): void {
  const { ctx } = services;

  app.get('/', async (req, reply) =>
    reply.redirect((await sessionUser(services, req)) ? '/account' : '/login', 303),
  );

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => {
    if (await sessionUser(services, req)) return reply.redirect(safeNext(req.query.next), 303);
    return sendLogin(req, reply, {});
  });

  app.post<{ Body: Form }>('/login', async (req, reply) => {
    const form = req.body ?? {};
    if (!passwordsAllowed(req)) return sendLogin(req, reply.code(403), {});
    if (!loginTokenValid(req, form._csrf) || !originMatches(req)) {
      return sendLogin(req, reply.code(403), { error: 'The form had expired. Please sign in again.' });
    }
    const email = (form.email ?? '').trim().toLowerCase();
    const result = await ctx.auth.authenticate({
      login: email,
      password: form.password ?? '',
      remoteAddress: req.ip,
      protocol: 'web',
    });
    if (!result.ok) {
      const [status, error] =
        result.reason === 'blocked'
          ? [429, `Too many failed sign-ins from your address. Try again in ${minutes(result.retryAfterMs)}.`]
          : result.reason === 'temporary'
            ? [503, 'Signing in is not possible right now. Please try again in a moment.']
            : [401, 'Wrong email address or password.'];
      if (result.reason === 'blocked')
        reply.header('retry-after', Math.ceil((result.retryAfterMs ?? 60_000) / 1000));
      return sendLogin(req, reply.code(status), { email, error });
    }
    await startSession(services, reply, result.account, SESSION_TTL_MS);
    return reply.redirect(safeNext(form.next), 303);
  });

  app.post<{ Body: Form }>('/logout', async (req, reply) => {
    const user = await sessionUser(services, req);
    if (user?.session && csrfValid(req, user.session, req.body?._csrf)) {
      await ctx.store.deleteWebSession(user.session.tokenHash);
    } else if (user) {
      return reply
        .code(403)
        .type('text/html')
        .send(String(errorPage('Not allowed', 'The form had expired. Reload the page and try again.', 403)));
    }
    clearSessionCookie(reply);
    return reply.redirect('/login', 303);
  });

  app.get('/account', async (req, reply) => {
    const user = await requirePageUser(req, reply);
    if (!user) return reply;
    return sendAccountPage(req, reply, user);
  });

  app.post<{ Body: Form }>('/account/password', async (req, reply) => {
    const user = await requirePageUser(req, reply);
    if (!user) return reply;
    const session = user.session!;
    const form = req.body ?? {};
    if (!csrfValid(req, session, form._csrf)) {
      return reply
        .code(403)
        .type('text/html')
        .send(String(errorPage('Not allowed', 'The form had expired. Reload the page and try again.', 403)));
    }
    const fail = (status: number, text: string) =>
      sendAccountPage(req, reply.code(status), user, { kind: 'bad', text });
    const password = form.password ?? '';
    if (password !== (form.repeat ?? '')) return fail(400, 'The two new passwords are not the same.');
    if ([...password].length < MIN_PASSWORD_LENGTH)
      return fail(400, `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (password.toLowerCase() === user.account.login)
      return fail(400, 'The new password must not be your address.');
    const check = await ctx.auth.authenticate({
      login: user.account.login,
      password: form.current ?? '',
      remoteAddress: req.ip,
      protocol: 'web',
    });
    if (!check.ok) {
      if (check.reason === 'blocked')
        return fail(
          429,
          `Too many failed attempts from your address. Try again in ${minutes(check.retryAfterMs)}.`,
        );
      if (check.reason === 'temporary')
        return fail(503, 'The password cannot be changed right now. Try again in a moment.');
      return fail(400, 'Your current password is not right.');
    }
    const record = await ctx.auth.passwordRecord(password);
    await ctx.store.setPasswordHash(user.account.login, record.passwordHash, record.scramSha256);
    ctx.auth.invalidate(user.account.login);
    await ctx.store.deleteWebSessions(user.account.id, { keep: session.tokenHash });
    ctx.log.info({ login: user.account.login, remoteAddress: req.ip }, 'password changed on the web');
    return sendAccountPage(req, reply, user, {
      kind: 'ok',
      text: 'Password changed. Use the new one in every mail app.',
    });
  });

  app.get<{ Params: { protocol: string } }>('/account/profile/:protocol', async (req, reply) => {
    const user = await requirePageUser(req, reply);
    if (!user) return reply;
    return sendProfile(reply, user.account, req.params.protocol);
  });

  app.get<{ Params: { token: string } }>('/d/:token', async (req, reply) => {
    const account = await deviceLinkAccount(req.params.token);
    reply.type('text/html; charset=utf-8');
    if (!account) return reply.code(404).send(String(expiredLinkPage()));
    const servers = mailServers(ctx.config, services.ports);
    return reply.send(
      String(deviceLinkPage(account.login, servers, `/d/${encodeURIComponent(req.params.token)}`)),
    );
  });

  app.get<{ Params: { token: string; protocol: string } }>('/d/:token/:protocol', async (req, reply) => {
    const account = await deviceLinkAccount(req.params.token);
    if (!account) return reply.code(404).type('text/html; charset=utf-8').send(String(expiredLinkPage()));
    return sendProfile(reply, account, req.params.protocol);
  });

  async function deviceLinkAccount(token: string): Promise<Account | null> {
    const session = await ctx.store.getWebSession(hashSecret(token), services.now());
    if (session?.purpose !== 'device-link') return null;
    return ctx.store.getAccountById(session.accountId);
  }

  function sendProfile(reply: FastifyReply, account: Account, file: string) {
    const protocol = /^(imap|pop3)\.mobileconfig$/.exec(file)?.[1] as 'imap' | 'pop3' | undefined;
    const servers = mailServers(ctx.config, services.ports);
    const incoming = protocol ? preferred(servers, protocol) : undefined;
    if (!protocol || !incoming) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(String(errorPage('Not found', 'There is no such profile on this server.', 404)));
    }
    const body = mobileconfigXml({
      email: account.login,
      incoming,
      outgoing: preferred(servers, 'smtp'),
      hostname: ctx.config.hostname,
      organization: domainOf(account.login) || ctx.config.hostname,
    });
    return reply
      .type(MOBILECONFIG_TYPE)
      .header('content-disposition', `attachment; filename="${profileFileName(account.login, protocol)}"`)
      .send(body);
  }

  /** The signed-in user, or a redirect to the sign-in page (null: the reply is already sent). */
  async function requirePageUser(req: FastifyRequest, reply: FastifyReply): Promise<WebUser | null> {
    const user = await sessionUser(services, req);
    if (user) return user;
    reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    return null;
  }

  function sendLogin(req: FastifyRequest, reply: FastifyReply, options: { email?: string; error?: string }) {
    const next = (req.query as { next?: string }).next ?? (req.body as Form | undefined)?.next;
    const insecure = passwordsAllowed(req) ? undefined : { httpsUrl: httpsUrl(req) };
    const page = loginPage({
      token: loginFormToken(req, reply),
      next: next ? safeNext(next) : undefined,
      insecure,
      ...options,
    });
    return reply.type('text/html; charset=utf-8').send(String(page));
  }

  function httpsUrl(req: FastifyRequest): string | null {
    if (ctx.config.http.publicUrl?.startsWith('https:'))
      return `${ctx.config.http.publicUrl.replace(/\/+$/, '')}/login`;
    const port = services.ports.https;
    if (port === undefined) return null;
    return `https://${req.hostname.includes(':') ? `[${req.hostname}]` : req.hostname}${port === 443 ? '' : `:${port}`}/login`;
  }

  async function sendAccountPage(
    req: FastifyRequest,
    reply: FastifyReply,
    user: WebUser,
    message?: { kind: 'ok' | 'bad'; text: string },
  ) {
    const view = await accountView(services, user);
    const qr = await deviceLinkQr(req, user.account);
    const page = accountPage({ view, csrf: user.session!.csrfToken, now: services.now(), qr, message });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(String(page));
  }

  /** A fresh device link (valid DEVICE_LINK_TTL_MS) for the QR code on the setup page. */
  async function deviceLinkQr(req: FastifyRequest, account: Account) {
    const token = newSecret();
    const now = services.now();
    const link: WebSession = {
      tokenHash: hashSecret(token),
      accountId: account.id,
      purpose: 'device-link',
      csrfToken: newSecret(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + DEVICE_LINK_TTL_MS),
    };
    await ctx.store.createWebSession(link);
    const url = `${publicBase(services, req)}/d/${token}`;
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return {
      svg: raw(svg.replace('<svg ', '<svg role="img" aria-label="QR code: settings for your phone" ')),
      url,
      reachable: reachableFromElsewhere(url),
    };
  }
}

function minutes(ms: number | undefined): string {
  const n = Math.max(1, Math.ceil((ms ?? 60_000) / 60_000));
  return `${n} minute${n === 1 ? '' : 's'}`;
}
