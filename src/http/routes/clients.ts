/**
 * What mail apps fetch on their own: Thunderbird-style autoconfig (by address or by host name) and
 * Outlook's Autodiscover. Only for our domains; unknown users of our domains get the same answer as
 * real ones, so the answers do not tell who has an account.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLocalDomain } from '../../server/delivery/recipients.js';
import { autoconfigXml, hasIncoming } from '../clients/autoconfig.js';
import { autodiscoverError, autodiscoverXml, parseAutodiscoverRequest } from '../clients/autodiscover.js';
import { domainOf, mailServers } from '../clients/mail-settings.js';
import { type HttpServices, POP_LEAVE_DAYS } from '../services.js';
import { publicBase } from './urls.js';

const XML = 'application/xml; charset=utf-8';

export function clientRoutes(app: FastifyInstance, services: HttpServices): void {
  const { ctx } = services;

  const autoconfig = async (
    req: FastifyRequest<{ Querystring: { emailaddress?: string } }>,
    reply: import('fastify').FastifyReply,
  ) => {
    const address = typeof req.query.emailaddress === 'string' ? req.query.emailaddress.trim() : '';
    // Without an address, the host says the domain: autoconfig.example.com or example.com itself.
    const domain = address ? domainOf(address) : req.hostname.toLowerCase().replace(/^autoconfig\./, '');
    const servers = mailServers(ctx.config, services.ports);
    if (!domain || !(await isLocalDomain(ctx.store, ctx.config, domain)) || !hasIncoming(servers)) {
      return reply.code(404).type('text/plain').send('No mail configuration for this domain\n');
    }
    const popLeaveDays =
      ctx.config.retentionDays === null ? POP_LEAVE_DAYS : Math.min(POP_LEAVE_DAYS, ctx.config.retentionDays);
    return reply
      .type(XML)
      .header('cache-control', 'public, max-age=3600')
      .send(
        autoconfigXml({
          domain,
          servers,
          popLeaveDays,
          setupUrl: `${publicBase(services, req)}/login`,
          displayName: 'Postyard',
        }),
      );
  };
  app.get('/.well-known/autoconfig/mail/config-v1.1.xml', autoconfig);
  app.get('/mail/config-v1.1.xml', autoconfig);

  const autodiscover = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const request = parseAutodiscoverRequest(body);
    reply.type(XML);
    if (!request.ok) return reply.code(400).send(autodiscoverError(request.reason));
    const servers = mailServers(ctx.config, services.ports);
    if (!(await isLocalDomain(ctx.store, ctx.config, domainOf(request.email))) || !hasIncoming(servers)) {
      return reply.code(404).send(autodiscoverError('No mail configuration for this address'));
    }
    return reply.send(autodiscoverXml(request.email, servers));
  };
  // Clients differ in the case of the path.
  for (const path of [
    '/autodiscover/autodiscover.xml',
    '/Autodiscover/Autodiscover.xml',
    '/AutoDiscover/AutoDiscover.xml',
  ]) {
    app.post(path, autodiscover);
  }
}
