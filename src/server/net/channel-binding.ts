/**
 * TLS channel bindings for SCRAM-SHA-256-PLUS: tls-exporter (RFC 9266) on TLS 1.3, tls-unique
 * (RFC 5929 §3) before it, where the exporter is not safe without extended master secret (RFC 9266 §2).
 */
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { ChannelBindingSource } from '../auth/scram.js';

/** The connection's channel bindings, or null when it is not TLS. */
export function channelBindingOf(socket: Duplex): ChannelBindingSource | null {
  if (!(socket instanceof TLSSocket)) return null;
  return (type) => {
    const tls13 = socket.getProtocol() === 'TLSv1.3';
    if (type === 'tls-exporter') {
      return tls13 ? socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)) : null;
    }
    if (type === 'tls-unique' && !tls13) {
      // The first Finished of the latest handshake: the client's, or ours on a resumed session.
      return (socket.isSessionReused() ? socket.getFinished() : socket.getPeerFinished()) ?? null;
    }
    return null;
  };
}
