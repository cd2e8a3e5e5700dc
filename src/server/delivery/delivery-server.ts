/**
 * One smtp-server instance (LMTP or inbound SMTP) wired to Postyard: limits from config, live TLS for
 * STARTTLS, our session handlers, and a graceful close that answers in-flight DATA before closing.
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { ConfigError } from '../../lib/errors.js';
import type { ServerContext } from '../context.js';
import { connectionOf, watchReplies } from './connection-replies.js';
import { sniCallback, tlsAvailable, useLiveTls } from './live-tls.js';
import { createSessionHandlers, type DeliveryProtocol } from './session-handlers.js';

/** How long close() waits for transfers in progress before dropping what is left. */
const CLOSE_GRACE_MS = 30_000;

export interface DeliveryListener {
  readonly protocol: DeliveryProtocol;
  /** Binds host:port (0 = ephemeral) and resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting, lets in-flight DATA finish and get its replies, then closes every connection. */
  close(): Promise<void>;
}

/** What a listener adds to smtp-server beyond its options (submission: SCRAM, smtp-scram.ts). */
export interface ListenerExtensions {
  /** Once, before the server accepts connections. */
  setup?(server: SMTPServer): void;
  /** For each connection, before its greeting. */
  onConnection?(connection: SMTPConnection): void;
}

export function createDeliveryListener(
  ctx: ServerContext,
  protocol: DeliveryProtocol,
  extra: SMTPServerOptions & Parameters<typeof createSessionHandlers>[2],
  extensions: ListenerExtensions = {},
): DeliveryListener {
  const { maxConnectionsPerIp, requireAuth, ...serverOptions } = extra;
  const handlers = createSessionHandlers(ctx, protocol, { maxConnectionsPerIp, requireAuth });
  const withTls = tlsAvailable(ctx.tls);
  if (serverOptions.secure && !withTls) {
    throw new ConfigError(`config: the implicit-TLS ${protocol} listener needs tls.cert and tls.key`);
  }
  const limits = ctx.config.limits;
  const server = new SMTPServer({
    lmtp: protocol === 'lmtp',
    name: ctx.config.hostname,
    banner: 'Postyard',
    // RFC 1870 SIZE, advertised; over the limit → 552 5.3.4 whatever onData says.
    size: limits.maxMessageSize,
    rejectOversized: true,
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    socketTimeout: limits.smtpIdleTimeout * 1000,
    closeTimeout: CLOSE_GRACE_MS,
    logger: false,
    SNICallback: sniCallback(ctx.tls),
    ...serverOptions,
    disabledCommands: [...(serverOptions.disabledCommands ?? []), ...(withTls ? [] : ['STARTTLS'])],
    onConnect: (session, callback) => {
      refreshLimits();
      // onConnect runs once the connection is registered with the server.
      const connection = connectionOf(server, session.id);
      if (connection) {
        watchReplies(connection, () => ctx.config.limits.maxBadCommands);
        extensions.onConnection?.(connection);
      }
      handlers.onConnect(session, callback);
    },
    onClose: (session) => handlers.onClose(session),
    onMailFrom: handlers.onMailFrom,
    onRcptTo: handlers.onRcptTo,
    onData: handlers.onData,
  });
  extensions.setup?.(server);
  // A SIGHUP reload updates ctx.config.limits in place; new connections see the new values.
  const refreshLimits = () => {
    server.options.size = ctx.config.limits.maxMessageSize;
    server.options.socketTimeout = ctx.config.limits.smtpIdleTimeout * 1000;
  };
  if (withTls) useLiveTls(server, ctx.tls);
  else ctx.log.warn({ protocol }, 'no TLS certificate available: STARTTLS not offered');
  // Connection-level errors (resets, TLS failures) arrive here; they concern one client only.
  server.on('error', (err) => ctx.log.debug({ protocol, err }, 'connection error'));

  return {
    protocol,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.server.once('error', onError);
        server.listen(port, host, () => {
          server.server.off('error', onError);
          const address = server.server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async close() {
      if (!server.server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
        timer.unref();
      });
      await Promise.race([handlers.settled(), grace]);
      clearTimeout(timer);
      // RFC 5321 3.8: 421 to every client still connected, then close.
      for (const connection of server.connections) {
        connection.send(421, `${ctx.config.hostname} Service shutting down`);
        connection.close();
      }
      await closed;
    },
  };
}
