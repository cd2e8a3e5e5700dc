/**
 * The contract between the network layer (listener.ts: accept, per-IP limits, implicit TLS, shutdown)
 * and protocol sessions (imap/, pop3/). Sessions get a socket that is already TLS for implicit-TLS
 * listeners; for STARTTLS/STLS they call upgradeToTls() from tls.ts.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ServerContext } from '../context.js';

export interface ConnectionInfo {
  /** Short unique id, also bound into the connection's child logger. */
  id: string;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** True once the connection is TLS (implicit TLS or after STARTTLS). Sessions update it on upgrade. */
  secure: boolean;
  /** Remote address is loopback or in config.trustedNetworks: plaintext auth allowed without TLS. */
  trusted: boolean;
}

/** Per-connection entry point of a protocol. Must never throw; errors close only this connection. */
export type ConnectionHandler = (socket: Socket, info: ConnectionInfo, log: Logger) => void;

/** A protocol registers a factory; the composition root creates one handler per listener. */
export type ProtocolFactory = (ctx: ServerContext, options: { implicitTls: boolean }) => ProtocolHandler;

/** Why the listener turns a connection away before handing it to the protocol. */
export type RefuseReason = 'too-many-connections' | 'shutting-down';

export interface ProtocolHandler {
  handle: ConnectionHandler;
  /**
   * Optional: say why a connection is refused before the listener closes it (e.g. `* BYE Too many
   * connections from your address`, `-ERR [SYS/TEMP] ...`, `421 4.7.0 ...`). Called on plaintext
   * listeners only (an implicit-TLS connection is closed without a handshake). Must not throw; the
   * listener ends the socket afterwards.
   */
  refuse?(socket: Socket, reason: RefuseReason): void;
  /** SIGTERM: tell live sessions goodbye (BYE / -ERR) and resolve when they are closed. */
  shutdown(): Promise<void>;
}
