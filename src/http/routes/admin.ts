/** Admin pages and the JSON API (/api/...): the same views, as HTML for a session, as JSON for a token. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminAccountsPage, adminMailPage, adminSessionsPage } from '../pages/admin.js';
import { errorPage } from '../pages/device-link.js';
import type { HttpServices } from '../services.js';
import { accountView } from '../views/account-view.js';
import { accountRows, mailEventRows, overview, sessionCounts, sessionRows } from '../views/admin-view.js';
import { apiUser, sessionUser, type WebUser } from '../web-auth.js';

export function adminRoutes(app: FastifyInstance, services: HttpServices): void {
  const html = (reply: FastifyReply, page: unknown) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(String(page));

  /** The signed-in admin; otherwise the sign-in page (no session) or 403 (not an admin). */
  async function admin(req: FastifyRequest, reply: FastifyReply): Promise<WebUser | null> {
    const user = await sessionUser(services, req);
    if (!user) {
      reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return null;
    }
    if (!user.account.admin) {
      html(
        reply.code(403),
        errorPage('Admins only', 'This page is for the administrators of this server.', 403),
      );
      return null;
    }
    return user;
  }
  const me = (user: WebUser) => ({ email: user.account.login, admin: true, csrf: user.session!.csrfToken });

  app.get('/admin', async (req, reply) => {
    const user = await admin(req, reply);
    if (!user) return reply;
    const accounts = await accountRows(services);
    return html(reply, adminAccountsPage(me(user), await overview(services, accounts), accounts));
  });

  app.get('/admin/sessions', async (req, reply) => {
    const user = await admin(req, reply);
    if (!user) return reply;
    const rows = sessionRows(services);
    return html(reply, adminSessionsPage(me(user), rows, sessionCounts(rows), services.now()));
  });

  app.get('/admin/mail', async (req, reply) => {
    const user = await admin(req, reply);
    if (!user) return reply;
    return html(reply, adminMailPage(me(user), await mailEventRows(services)));
  });

  // JSON API ------------------------------------------------------------------------------------

  async function apiCaller(
    req: FastifyRequest,
    reply: FastifyReply,
    needAdmin: boolean,
  ): Promise<WebUser | null> {
    const user = await apiUser(services, req);
    if (!user) {
      reply.code(401).header('www-authenticate', 'Bearer realm="postyard"').send({ error: 'unauthorized' });
      return null;
    }
    if (needAdmin && !user.account.admin) {
      reply.code(403).send({ error: 'forbidden', message: 'an admin account is needed' });
      return null;
    }
    reply.header('cache-control', 'no-store');
    return user;
  }

  app.get('/api/account', async (req, reply) => {
    const user = await apiCaller(req, reply, false);
    return user ? accountView(services, user) : reply;
  });

  app.get('/api/admin/overview', async (req, reply) => {
    if (!(await apiCaller(req, reply, true))) return reply;
    return overview(services, await accountRows(services));
  });

  app.get('/api/admin/accounts', async (req, reply) => {
    if (!(await apiCaller(req, reply, true))) return reply;
    return { accounts: await accountRows(services) };
  });

  app.get('/api/admin/sessions', async (req, reply) => {
    if (!(await apiCaller(req, reply, true))) return reply;
    const sessions = sessionRows(services);
    return { counts: sessionCounts(sessions), sessions };
  });

  app.get<{ Querystring: { limit?: string } }>('/api/admin/mail', async (req, reply) => {
    if (!(await apiCaller(req, reply, true))) return reply;
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit) || 200));
    return { events: await mailEventRows(services, limit) };
  });
}
