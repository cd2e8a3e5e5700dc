/**
 * The web part as one Fastify app: client configuration for mail apps, the setup pages, the admin
 * pages and the JSON API. It never listens itself: the http and https listeners (listener.ts) accept
 * connections like every other listener (per-IP limits, the live TLS certificate) and hand them over.
 */
import { createServer } from 'node:http';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { APP_JS, STYLE_CSS } from './assets/style.js';
import { errorPage } from './pages/device-link.js';
import { adminRoutes } from './routes/admin.js';
import { clientRoutes } from './routes/clients.js';
import { pageRoutes } from './routes/pages.js';
import type { HttpServices } from './services.js';

/** Pages, scripts and styles come from here only; no inline script, no framing, no referrer to others. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on our own form posts.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

export async function createHttpApp(services: HttpServices): Promise<FastifyInstance> {
  const { ctx } = services;
  const proxies = ctx.config.http.trustedProxies;
  const app = Fastify({
    serverFactory: (handler) => createServer(handler),
    loggerInstance: ctx.log.child({ protocol: 'http' }) as FastifyBaseLogger,
    // One debug line per request (onResponse below) instead of Fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: proxies.length > 0 ? proxies : false,
    bodyLimit: 64 * 1024,
    routerOptions: { caseSensitive: true },
  });
  await app.register(cookie);
  await app.register(formbody);
  // Autodiscover posts XML (clients send text/xml or application/xml).
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (ctx.shuttingDown()) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug(
      {
        method: req.method,
        url: req.url.replace(/\/d\/[^/?]+/, '/d/…'),
        status: reply.statusCode,
        ip: req.ip,
      },
      'request',
    );
  });

  app.get('/assets/style.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLE_CSS),
  );
  app.get('/assets/app.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(APP_JS),
  );

  clientRoutes(app, services);
  pageRoutes(app, services);
  adminRoutes(app, services);

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send({ error: 'not found' });
    return reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(String(errorPage('Not found', 'There is no such page.', 404)));
  });
  app.setErrorHandler((err: { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'request failed');
    if (req.url.startsWith('/api/'))
      return reply.code(status).send({ error: status === 500 ? 'internal error' : 'bad request' });
    const text =
      status === 500
        ? 'Something went wrong on the server. Please try again.'
        : 'The request was not understood.';
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(String(errorPage(status === 500 ? 'Server error' : 'Bad request', text, status)));
  });
  await app.ready();
  return app;
}
