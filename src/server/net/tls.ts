/**
 * TLS for every listener: a reloadable secure context from PEM files (TLS 1.2 minimum, Node's default
 * ciphers) and server-side handshakes for implicit TLS and STARTTLS/STLS. (The self-signed certificate
 * for a first run is generated in self-signed.ts, re-exported here.)
 */

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { TlsConfig } from '../../config/types.js';
import { ConfigError } from '../../lib/errors.js';
import { TLS_HANDSHAKE_TIMEOUT_MS } from '../../lib/limits.js';
import type { TlsProvider } from '../context.js';

export const MIN_TLS_VERSION = 'TLSv1.2';

/** A TlsProvider backed by PEM files; `reload()` swaps the context for new connections only. */
export interface FileTlsProvider extends TlsProvider {
  readonly certFile: string;
  readonly keyFile: string;
  /**
   * Re-reads the files (SIGHUP). New handshakes use the new certificate; established connections keep
   * theirs. On failure the old context stays in use and a ConfigError is thrown.
   */
  reload(files?: TlsConfig): Promise<void>;
}

/** Loads the configured certificate chain and key. Throws ConfigError naming the file on failure. */
export function createTlsProvider(files: TlsConfig): FileTlsProvider {
  let current = { ...files };
  let context = buildContext(current, readPem(current.cert, 'tls.cert'), readPem(current.key, 'tls.key'));
  return {
    get certFile() {
      return current.cert;
    },
    get keyFile() {
      return current.key;
    },
    context: () => context,
    async reload(next = current) {
      const [cert, key] = await Promise.all([
        readPemAsync(next.cert, 'tls.cert'),
        readPemAsync(next.key, 'tls.key'),
      ]);
      context = buildContext(next, cert, key);
      current = { ...next };
    },
  };
}

function buildContext(files: TlsConfig, cert: Buffer, key: Buffer): SecureContext {
  try {
    return createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  } catch (err) {
    throw new ConfigError(
      `config: tls.cert/tls.key (${files.cert}, ${files.key}) are not a usable certificate and key: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw unreadable(path, key, err);
  }
}

async function readPemAsync(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw unreadable(path, key, err);
  }
}

function unreadable(path: string, key: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  const hint = code === 'ENOENT' ? ' (run "postyard init" to generate a self-signed certificate)' : '';
  return new ConfigError(`config: ${key} file ${path} cannot be read: ${code}${hint}`, { cause: err });
}

export { generateSelfSigned } from './self-signed.js';

/**
 * Runs the server side of a TLS handshake on `socket` and resolves with the secure socket once it is
 * established. Rejects (and destroys the socket) on handshake failure or after `timeoutMs`.
 * Used for implicit TLS by the listener; sessions use upgradeToTls for STARTTLS/STLS.
 */
export function acceptTls(
  socket: Socket,
  provider: TlsProvider,
  options: { timeoutMs?: number } = {},
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    let secure: TLSSocket;
    try {
      secure = new TLSSocket(socket, { isServer: true, secureContext: provider.context() });
    } catch (err) {
      socket.destroy();
      reject(err);
      return;
    }
    // Keep a listener for the socket's whole life: an unhandled 'error' would crash the process.
    secure.on('error', () => {});
    const fail = (err: Error) => {
      clearTimeout(timer);
      secure.destroy();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error('TLS handshake timed out')),
      options.timeoutMs ?? TLS_HANDSHAKE_TIMEOUT_MS,
    );
    const closedEarly = () => fail(new Error('connection closed during TLS handshake'));
    secure.once('error', fail);
    secure.once('close', closedEarly);
    secure.once('secure', () => {
      clearTimeout(timer);
      secure.off('error', fail);
      secure.off('close', closedEarly);
      resolve(secure);
    });
  });
}

/**
 * STARTTLS / STLS: switches a plaintext connection to TLS.
 *
 * Anything the client sent after the STARTTLS command but before it could have seen the go-ahead is
 * plaintext an attacker may have injected (CVE-2011-0411 class); it must never be processed. So:
 * - the caller stops parsing and drops its own parser's buffered input;
 * - this function detaches the caller's data listeners and discards what is still buffered in the
 *   socket, then starts the handshake.
 *
 * Timing matters: bytes arriving after the go-ahead reached the client are its ClientHello. Either pass
 * `goAhead` (the "OK Begin TLS" line) and let this function discard, write it and start TLS in one
 * synchronous step (preferred), or call this right after writing the go-ahead yourself with nothing but
 * awaiting that write's drain in between.
 *
 * Resolves with the TLS socket; the session then reads and writes only on it and sets
 * `info.secure = true`. Rejects (socket destroyed) if the handshake fails or times out.
 */
export function upgradeToTls(
  socket: Socket,
  provider: TlsProvider,
  options: { timeoutMs?: number; log?: Logger; goAhead?: string | Buffer } = {},
): Promise<TLSSocket> {
  const discarded = discardBufferedInput(socket);
  if (discarded > 0) {
    options.log?.warn({ bytes: discarded }, 'discarded plaintext sent before the TLS handshake');
  }
  // Same tick as the discard: no input can be read in between, so nothing is lost or let through.
  if (options.goAhead !== undefined) socket.write(options.goAhead);
  return acceptTls(socket, provider, options);
}

/** Stops reading and throws away input already buffered in the socket. Returns the byte count. */
export function discardBufferedInput(socket: Socket): number {
  socket.pause();
  socket.removeAllListeners('data');
  socket.removeAllListeners('readable');
  let discarded = 0;
  while (socket.readableLength > 0) {
    const chunk = socket.read() as Buffer | string | null;
    if (chunk === null) break;
    discarded += chunk.length;
  }
  return discarded;
}
