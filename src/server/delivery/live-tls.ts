/**
 * STARTTLS (RFC 3207) with the server's current certificate: smtp-server takes the secure context from
 * its `secureContext` map ('*' entry) and from SNICallback. Both are pointed at ctx.tls.context(), so a
 * SIGHUP reload applies to the next handshake without restarting the listener.
 */
import type { SecureContext } from 'node:tls';
import type { SMTPServer } from 'smtp-server';
import type { TlsProvider } from '../context.js';

class LiveContextMap extends Map<string, SecureContext> {
  constructor(private readonly tls: TlsProvider) {
    super();
  }
  override get(key: string): SecureContext | undefined {
    return key === '*' ? this.tls.context() : super.get(key);
  }
  override has(key: string): boolean {
    return key === '*' || super.has(key);
  }
}

export function sniCallback(tls: TlsProvider) {
  return (_servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
    try {
      cb(null, tls.context());
    } catch (err) {
      cb(err as Error);
    }
  };
}

export function useLiveTls(server: SMTPServer, tls: TlsProvider): void {
  server.secureContext = new LiveContextMap(tls);
}

/** True when a certificate is configured and loads; without one STARTTLS is not offered. */
export function tlsAvailable(tls: TlsProvider): boolean {
  try {
    return Boolean(tls.context());
  } catch {
    return false;
  }
}
