/**
 * Opening a client connection: plain TCP, implicit TLS, or plain then upgraded (STARTTLS/STLS).
 * The certificate is verified against `host` unless the account says `insecure`.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface Endpoint {
  host: string;
  port: number;
  insecure: boolean;
  timeoutMs?: number;
}

export function openSocket(endpoint: Endpoint, implicitTls: boolean): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = implicitTls
      ? tlsConnect({ ...tlsOptions(endpoint), port: endpoint.port })
      : netConnect({ host: endpoint.host, port: endpoint.port });
    const fail = (err: Error) => reject(err);
    socket.once('error', fail);
    armTimeout(socket, endpoint);
    socket.once(implicitTls ? 'secureConnect' : 'connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/** TLS on an already connected socket (after the server's go-ahead to STARTTLS/STLS). */
export function upgradeSocket(socket: Socket, endpoint: Endpoint): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    socket.setTimeout(0);
    const secure = tlsConnect({ ...tlsOptions(endpoint), socket });
    secure.once('error', reject);
    armTimeout(secure, endpoint);
    secure.once('secureConnect', () => {
      secure.off('error', reject);
      resolve(secure);
    });
  });
}

function armTimeout(socket: Socket, endpoint: Endpoint): void {
  socket.setTimeout(endpoint.timeoutMs ?? 60_000, () =>
    socket.destroy(new Error(`${endpoint.host}:${endpoint.port}: no answer (timed out)`)),
  );
}

function tlsOptions(endpoint: Endpoint) {
  const isIp = /^[\d.]+$|:/.test(endpoint.host);
  return {
    host: endpoint.host,
    servername: isIp ? undefined : endpoint.host,
    rejectUnauthorized: !endpoint.insecure,
  };
}
