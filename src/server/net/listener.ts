/**
 * One TCP listener: accepts connections, applies the per-IP connection limit, runs the implicit-TLS
 * handshake (with a timeout), builds ConnectionInfo and a child logger, and hands the socket to the
 * protocol. Socket errors are always handled here so no connection can crash the process.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { limitsOf } from '../../lib/limits.js';
import { connectionLogger } from '../../lib/log.js';
import type { ServerContext } from '../context.js';
import type { ConnectionInfo, ProtocolHandler, RefuseReason } from './connection.js';
import { listenError } from './listen-error.js';
import { acceptTls } from './tls.js';
import { createTrustCheck, unmapIpv4 } from './trusted.js';

export interface ListenerSpec {
  /** Listener name as in config.listeners ("imap", "imaps", ...); also the log's `protocol` field. */
  name: string;
  host: string;
  /** 0 = any free port; read the bound one from RunningListener.port. */
  port: number;
  implicitTls: boolean;
  protocol: ProtocolHandler;
}

export interface RunningListener {
  readonly name: string;
  readonly host: string;
  /** The port actually bound. */
  readonly port: number;
  readonly implicitTls: boolean;
  /** Open connections (including those still in the TLS handshake). */
  connectionCount(): number;
  /** Stops accepting new connections; existing ones stay up. */
  close(): Promise<void>;
  /** Force-closes every connection still open (last step of shutdown). */
  destroyConnections(): void;
}

/** Time a refused client gets to read the refusal before the socket is destroyed. */
const REFUSE_LINGER_MS = 2_000;

const idPrefix = randomBytes(3).toString('hex');
let idCounter = 0;

/** A short id unique within the process and distinguishable across restarts. */
export function nextConnectionId(): string {
  idCounter += 1;
  return `${idPrefix}${idCounter.toString(36)}`;
}

/** Binds and starts accepting. Rejects with ConfigError naming the listener if the port cannot be bound. */
export async function startListener(ctx: ServerContext, spec: ListenerSpec): Promise<RunningListener> {
  /** Accepted TCP sockets; TLS sockets on top of them are tracked separately for destroyConnections(). */
  const sockets = new Set<Socket>();
  const secureSockets = new Set<Socket>();
  const perIp = new Map<string, number>();
  // Rebuilt only when the configured list changes (SIGHUP), not per connection.
  let trustKey = '';
  let isTrusted = createTrustCheck([]);
  const trusted = (address: string) => {
    const key = ctx.config.trustedNetworks.join(',');
    if (key !== trustKey) {
      trustKey = key;
      isTrusted = createTrustCheck(ctx.config.trustedNetworks);
    }
    return isTrusted(address);
  };

  const server = createServer((socket) => onConnection(socket));
  server.on('error', (err) => ctx.log.error({ err, listener: spec.name }, 'listener error'));

  function onConnection(socket: Socket): void {
    socket.on('error', () => {}); // Errors after this point are logged by the handlers below or ignored.
    const remoteAddress = unmapIpv4(socket.remoteAddress ?? '');
    if (!remoteAddress || socket.destroyed) {
      socket.destroy();
      return;
    }
    const refusal = refusalReason(remoteAddress);
    if (refusal) {
      refuse(socket, refusal);
      return;
    }
    sockets.add(socket);
    perIp.set(remoteAddress, (perIp.get(remoteAddress) ?? 0) + 1);
    ctx.memoryReclaimer?.connectionOpened();
    socket.once('close', () => {
      sockets.delete(socket);
      ctx.memoryReclaimer?.connectionClosed();
      const left = (perIp.get(remoteAddress) ?? 1) - 1;
      if (left > 0) perIp.set(remoteAddress, left);
      else perIp.delete(remoteAddress);
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);

    const info: ConnectionInfo = {
      id: nextConnectionId(),
      remoteAddress,
      remotePort: socket.remotePort ?? 0,
      localAddress: unmapIpv4(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
      secure: spec.implicitTls,
      trusted: trusted(remoteAddress),
    };
    const log = connectionLogger(ctx.log, {
      protocol: spec.name,
      id: info.id,
      remote: `${info.remoteAddress}:${info.remotePort}`,
    });
    log.debug({ trusted: info.trusted, secure: info.secure }, 'connection opened');
    socket.once('close', () => log.debug('connection closed'));

    if (!spec.implicitTls) {
      hand(socket, info, log);
      return;
    }
    acceptTls(socket, ctx.tls).then(
      (secure) => {
        secureSockets.add(secure);
        secure.once('close', () => secureSockets.delete(secure));
        hand(secure, info, log);
      },
      (err: Error) => log.debug({ reason: err.message }, 'TLS handshake failed'),
    );
  }

  function hand(socket: Socket, info: ConnectionInfo, log: ServerContext['log']): void {
    try {
      spec.protocol.handle(socket, info, log);
    } catch (err) {
      // The contract says handle() never throws; if it does, only this connection pays.
      log.error({ err }, 'protocol handler threw; closing connection');
      socket.destroy();
    }
  }

  function refusalReason(remoteAddress: string): RefuseReason | null {
    if (ctx.shuttingDown()) return 'shutting-down';
    const max = limitsOf(ctx.config).maxConnectionsPerIp;
    if ((perIp.get(remoteAddress) ?? 0) >= max) return 'too-many-connections';
    return null;
  }

  function refuse(socket: Socket, reason: RefuseReason): void {
    ctx.log.info({ listener: spec.name, remote: socket.remoteAddress, reason }, 'connection refused');
    if (spec.implicitTls || !spec.protocol.refuse) {
      socket.destroy();
      return;
    }
    try {
      spec.protocol.refuse(socket, reason);
    } catch (err) {
      ctx.log.error({ err, listener: spec.name }, 'refuse callback threw');
    }
    socket.end();
    setTimeout(() => socket.destroy(), REFUSE_LINGER_MS).unref();
  }

  await listen(server, spec);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : spec.port;
  ctx.log.info({ listener: spec.name, host: spec.host, port, tls: spec.implicitTls }, 'listening');

  return {
    name: spec.name,
    host: spec.host,
    port,
    implicitTls: spec.implicitTls,
    connectionCount: () => sockets.size,
    async close() {
      // Not awaiting server.close's callback: it waits for every connection, we only stop accepting.
      if (server.listening) server.close();
    },
    destroyConnections() {
      for (const socket of [...secureSockets, ...sockets]) socket.destroy();
    },
  };
}

function listen(server: Server, spec: ListenerSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(spec.name, spec.host, spec.port, err));
    server.once('error', onError);
    server.listen({ host: spec.host, port: spec.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
