/** Absolute links to the pages (QR codes, autoconfig documentation). */
import type { FastifyRequest } from 'fastify';
import type { HttpServices } from '../services.js';

/** http.publicUrl when set, else the origin this request came to. */
export function publicBase(services: HttpServices, req: FastifyRequest): string {
  const configured = services.ctx.config.http.publicUrl;
  if (configured) return configured.replace(/\/+$/, '');
  return `${req.protocol}://${req.host}`;
}

/** Whether other machines (a phone) can reach a URL: not a loopback host. */
export function reachableFromElsewhere(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '::1');
}

/** A same-site path to go back to after signing in; anything else becomes /account. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : '/account';
}
