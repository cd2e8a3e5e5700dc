/**
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS, server side (RFC 5802, RFC 7677; channel bindings RFC 9266
 * tls-exporter and RFC 5929 tls-unique). No I/O: the caller supplies the stored keys of the login the
 * client names, and the channel-binding data of its TLS connection.
 *
 * Stored keys (RFC 5802 §3): SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, i),
 * StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").
 * They let the server check a proof without the password, but a thief of them cannot log in.
 * Encoded as `i$salt$StoredKey$ServerKey` (base64), the column accounts.scram_sha256.
 *
 * The password is normalised with NFKC: SASLprep (RFC 4013) without its mapping and prohibition tables,
 * identical for every ASCII password and for what clients' SASLprep produces from ordinary text.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadInputError } from '../../lib/errors.js';

/** RFC 7677 §4: at least 4096; Dovecot's default too. The client pays for it on every login. */
export const SCRAM_ITERATIONS = 4096;
const MAX_ITERATIONS = 1_000_000;
const SALT_BYTES = 16;

export interface ScramKeys {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** Channel-binding types we can offer, best first (RFC 9266 for TLS 1.3, RFC 5929 before it). */
export type ChannelBindingType = 'tls-exporter' | 'tls-unique';

/** The connection's channel-binding data for a type, or null when that type is not available on it. */
export type ChannelBindingSource = (type: string) => Buffer | null;

export class ScramError extends BadInputError {}

const hmac = (key: Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** Derives the stored keys from a password (PBKDF2 on the libuv threadpool). */
export async function deriveScramKeys(
  password: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  iterations: number = SCRAM_ITERATIONS,
): Promise<ScramKeys> {
  const salted = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password.normalize('NFKC'), salt, iterations, 32, 'sha256', (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
  return {
    iterations,
    salt,
    storedKey: sha256(hmac(salted, 'Client Key')),
    serverKey: hmac(salted, 'Server Key'),
  };
}

export function encodeScramKeys(keys: ScramKeys): string {
  const b64 = (b: Buffer) => b.toString('base64');
  return `${keys.iterations}$${b64(keys.salt)}$${b64(keys.storedKey)}$${b64(keys.serverKey)}`;
}

/** The stored form back; null for anything malformed (treated like an account without keys). */
export function parseScramKeys(encoded: string | null | undefined): ScramKeys | null {
  if (!encoded) return null;
  const [i, salt, stored, server, extra] = encoded.split('$');
  if (!i || !salt || !stored || !server || extra !== undefined || !/^\d+$/.test(i)) return null;
  const iterations = Number(i);
  if (iterations < 1 || iterations > MAX_ITERATIONS) return null;
  const keys = {
    iterations,
    salt: Buffer.from(salt, 'base64'),
    storedKey: Buffer.from(stored, 'base64'),
    serverKey: Buffer.from(server, 'base64'),
  };
  if (keys.salt.length === 0 || keys.storedKey.length !== 32 || keys.serverKey.length !== 32) return null;
  return keys;
}

/** RFC 5802 §5.1 saslname: "=2C" is ",", "=3D" is "="; any other "=" is malformed. */
function decodeSaslName(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw new ScramError('Malformed SCRAM user name');
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** `x=value` attributes of a message, in order. */
function attributes(text: string): [string, string][] {
  return text.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramError('Malformed SCRAM message');
    return [part[0] as string, part.slice(2)];
  });
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

export interface ScramServerOptions {
  /** SCRAM-SHA-256-PLUS was chosen: the client must bind to the channel. */
  plus: boolean;
  /** The connection's channel bindings; null on a connection without TLS. */
  channelBinding: ChannelBindingSource | null;
  /** Tests only (RFC 7677 vectors): the server's part of the nonce instead of a random one. */
  serverNonce?: string;
}

/**
 * One server-side exchange. Steps: clientFirst(message) → the login; serverFirst(keys) → the challenge;
 * clientFinal(message) → the server-final message when the proof is right, null when it is wrong.
 * Malformed input throws ScramError.
 */
export class ScramServer {
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirstMessage = '';
  private nonce = '';
  private keys: ScramKeys | null = null;
  private binding: Buffer = Buffer.alloc(0);

  constructor(private readonly options: ScramServerOptions) {}

  /** Parses client-first-message (RFC 5802 §7); returns the authentication identity. */
  clientFirst(message: string): { login: string } {
    const m = /^(n|y|p=[A-Za-z0-9.-]+),(a=[^,]*)?,(.*)$/s.exec(message);
    if (!m) throw new ScramError('Malformed SCRAM client-first message');
    const [, flag = '', authzid, bare = ''] = m;
    const attrs = attributes(bare);
    if (attrs[0]?.[0] === 'm') throw new ScramError('Unsupported SCRAM extension');
    const [[n, user] = ['', ''], [r, nonce] = ['', '']] = attrs;
    if (n !== 'n' || r !== 'r' || !PRINTABLE_NONCE.test(nonce)) {
      throw new ScramError('Malformed SCRAM client-first message');
    }
    const login = decodeSaslName(user);
    if (login === '' || /[\0\r\n]/.test(login)) throw new ScramError('Malformed SCRAM user name');
    if (authzid !== undefined && decodeSaslName(authzid.slice(2)).toLowerCase() !== login.toLowerCase()) {
      throw new ScramError('Proxy authorization is not supported');
    }
    this.checkChannelBindingFlag(flag);
    this.gs2Header = message.slice(0, message.length - bare.length);
    this.clientFirstBare = bare;
    this.nonce = nonce + (this.options.serverNonce ?? randomBytes(18).toString('base64'));
    return { login };
  }

  /** RFC 5802 §6: which gs2-cbind-flag is acceptable for the mechanism and connection. */
  private checkChannelBindingFlag(flag: string): void {
    const source = this.options.channelBinding;
    if (flag.startsWith('p=')) {
      if (!this.options.plus) throw new ScramError('Channel binding requires SCRAM-SHA-256-PLUS');
      const data = source?.(flag.slice(2)) ?? null;
      if (!data) throw new ScramError('Unsupported channel binding type');
      this.binding = data;
      return;
    }
    if (this.options.plus) throw new ScramError('SCRAM-SHA-256-PLUS requires channel binding');
    // "y": the client could bind but thinks we cannot. We offer -PLUS on TLS, so that is a downgrade.
    if (flag === 'y' && source) throw new ScramError('Channel binding downgrade');
  }

  /** server-first-message: the combined nonce, the salt and the iteration count. */
  serverFirst(keys: ScramKeys): string {
    this.keys = keys;
    this.serverFirstMessage = `r=${this.nonce},s=${keys.salt.toString('base64')},i=${keys.iterations}`;
    return this.serverFirstMessage;
  }

  /** Checks client-final-message; the server-final message (`v=...`) when the proof is right, else null. */
  clientFinal(message: string): string | null {
    const keys = this.keys;
    if (!keys) throw new Error('clientFinal before serverFirst');
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('Malformed SCRAM client-final message');
    const withoutProof = message.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    const [[c, cbind] = ['', ''], [r, nonce] = ['', '']] = attrs;
    if (c !== 'c' || r !== 'r') throw new ScramError('Malformed SCRAM client-final message');
    const proof = Buffer.from(message.slice(proofAt + 3), 'base64');
    const expectedBinding = Buffer.concat([Buffer.from(this.gs2Header), this.binding]);
    if (
      !Buffer.from(cbind, 'base64').equals(expectedBinding) ||
      nonce !== this.nonce ||
      proof.length !== 32
    ) {
      return null;
    }
    const authMessage = `${this.clientFirstBare},${this.serverFirstMessage},${withoutProof}`;
    const signature = hmac(keys.storedKey, authMessage);
    const clientKey = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) clientKey[i] = (proof[i] as number) ^ (signature[i] as number);
    if (!timingSafeEqual(sha256(clientKey), keys.storedKey)) return null;
    return `v=${hmac(keys.serverKey, authMessage).toString('base64')}`;
  }
}

/**
 * Keys for a login that has none (unknown, or not logged in with a password since SCRAM came): a salt
 * that stays the same for the login within this process, so repeated tries do not reveal that it is
 * fake, and random keys no proof can match.
 */
export function decoyScramKeys(login: string, secret: Buffer): ScramKeys {
  return {
    iterations: SCRAM_ITERATIONS,
    salt: hmac(secret, login).subarray(0, SALT_BYTES),
    storedKey: randomBytes(32),
    serverKey: randomBytes(32),
  };
}
