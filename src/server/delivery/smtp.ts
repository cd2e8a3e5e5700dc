/**
 * Inbound SMTP for local domains (RFC 5321): accepts mail for existing accounts only (no relaying),
 * STARTTLS (RFC 3207), SIZE (RFC 1870). No AUTH on this port: authenticated submission is port 587's job.
 */
import type { ServerContext } from '../context.js';
import { createDeliveryListener, type DeliveryListener } from './delivery-server.js';

export function createSmtpListener(ctx: ServerContext): DeliveryListener {
  return createDeliveryListener(ctx, 'smtp', {
    disabledCommands: ['AUTH'],
    maxConnectionsPerIp: ctx.config.limits.maxConnectionsPerIp,
  });
}
