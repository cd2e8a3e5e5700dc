/**
 * Who is asking: a login session (cookie) for the pages, or an API token (Authorization: Bearer) for
 * /api. Secrets travel only to the client; the store keeps their SHA-256 (they are 256-bit random, so
 * a fast hash is enough). Forms carry the session's CSRF token; the login form, before any session,
 * a double-submit token (a cookie plus the same value in the form).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSession } from '../store/activity.js';
import type { Account } from '../store/store.js';
import type { HttpServices } from './services.js';

/** `__Host-`: the browser only accepts it Secure, for this host, path / (no subdomain can plant one). */
export const SESSION_COOKIE = '__Host-postyard-session';
export const LOGIN_COOKIE = '__Host-postyard-login';
export const TOKEN_PREFIX = 'pyt_';

const COOKIE_BASE = { path: '/', httpOnly: true, secure: true, sameSite: 'lax' } as const;

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function newApiToken(): string {
  return `${TOKEN_PREFIX}${newSecret()}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export interface WebUser {
  account: Account;
  /** null when the request came with an API token. */
  session: WebSession | null;
}

/** The logged-in account of a page request, or null. */
export async function sessionUser(services: HttpServices, req: FastifyRequest): Promise<WebUser | null> {
  const token = req.cookies[SESSION_COOKIE];
  if (!token) return null;
  const session = await services.ctx.store.getWebSession(hashSecret(token), services.now());
  if (session?.purpose !== 'session') return null;
  const account = await services.ctx.store.getAccountById(session.accountId);
  return account ? { account, session } : null;
}

/** The account of an API request: a Bearer token, or (for the pages' own script) a session cookie. */
export async function apiUser(services: HttpServices, req: FastifyRequest): Promise<WebUser | null> {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return header ? null : sessionUser(services, req);
  const token = await services.ctx.store.findApiToken(hashSecret(match[1]!));
  if (!token) return null;
  const account = await services.ctx.store.getAccountById(token.accountId);
  return account ? { account, session: null } : null;
}

export async function startSession(
  services: HttpServices,
  reply: FastifyReply,
  account: Account,
  ttlMs: number,
): Promise<WebSession> {
  const token = newSecret();
  const now = services.now();
  const session: WebSession = {
    tokenHash: hashSecret(token),
    accountId: account.id,
    purpose: 'session',
    csrfToken: newSecret(),
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlMs),
  };
  await services.ctx.store.createWebSession(session);
  reply.setCookie(SESSION_COOKIE, token, { ...COOKIE_BASE, maxAge: Math.floor(ttlMs / 1000) });
  return session;
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, COOKIE_BASE);
}

/** The login form's token: reuses the cookie's value when there is one, so two tabs both work. */
export function loginFormToken(req: FastifyRequest, reply: FastifyReply): string {
  const existing = req.cookies[LOGIN_COOKIE];
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = newSecret();
  reply.setCookie(LOGIN_COOKIE, token, { ...COOKIE_BASE, sameSite: 'strict', maxAge: 3_600 });
  return token;
}

export function loginTokenValid(req: FastifyRequest, formToken: unknown): boolean {
  const cookie = req.cookies[LOGIN_COOKIE];
  return typeof formToken === 'string' && typeof cookie === 'string' && sameSecret(cookie, formToken);
}

/**
 * A form post is ours when its CSRF token matches the session's and, if the browser says where the
 * form came from (Origin), that is this site.
 */
export function csrfValid(req: FastifyRequest, session: WebSession, formToken: unknown): boolean {
  if (typeof formToken !== 'string' || !sameSecret(formToken, session.csrfToken)) return false;
  return originMatches(req);
}

export function originMatches(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${req.protocol}://${req.host}`;
}

/**
 * Whether a password may be typed into this page: over https, or on the machine itself (a browser
 * keeps Secure cookies for http://localhost and 127.0.0.1, and nothing crosses a network). Anywhere
 * else plain http would send the password in clear and the browser would drop the Secure cookie.
 */
export function passwordsAllowed(req: FastifyRequest): boolean {
  if (req.protocol === 'https') return true;
  return isLoopbackName(req.hostname) && isLoopbackAddress(req.socket.remoteAddress ?? '');
}

function isLoopbackName(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}
