/**
 * LMTP listener (RFC 2033): LHLO, per-recipient replies after DATA, PIPELINING and
 * ENHANCEDSTATUSCODES advertised. LMTP peers are local MTAs, so no per-IP connection limit.
 */
import type { ServerContext } from '../context.js';
import { createDeliveryListener, type DeliveryListener } from './delivery-server.js';

export function createLmtpListener(ctx: ServerContext): DeliveryListener {
  return createDeliveryListener(ctx, 'lmtp', {
    disabledCommands: ['AUTH'],
    maxConnectionsPerIp: null,
  });
}
