/**
 * SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login) decoding, shared by IMAP AUTHENTICATE
 * and POP3 AUTH (SMTP's comes with smtp-server). Pure: wire text in, credentials or BadInputError out.
 *
 * Typical use in a session:
 *   const exchange = new SaslExchange(mechanism, initialResponse);  // throws on unknown mechanism
 *   let step = exchange.start();
 *   while (step.kind === 'challenge') { send `+ ${step.challenge}`; step = exchange.next(await readLine()); }
 *   authenticate(step.credentials.authcid, step.credentials.password)
 * A client line of "*" cancels (SaslCancelledError). Sessions must reject an authzid that differs from
 * authcid (no proxy authorisation) unless they implement it.
 */
import { BadInputError } from '../../lib/errors.js';
import { MAX_SASL_RESPONSE_LENGTH } from '../../lib/limits.js';

export type SaslMechanism = 'PLAIN' | 'LOGIN';

/** Mechanisms in the order servers advertise them. */
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'LOGIN'];

export interface SaslCredentials {
  /** Authorization identity; '' when the client did not ask to act as someone else. */
  authzid: string;
  /** Authentication identity (the login). */
  authcid: string;
  password: string;
}

export class SaslCancelledError extends BadInputError {
  constructor() {
    super('Authentication cancelled');
  }
}

/** Base64 "Username:" and "Password:", the challenges LOGIN clients expect. */
export const LOGIN_USERNAME_CHALLENGE = Buffer.from('Username:').toString('base64');
export const LOGIN_PASSWORD_CHALLENGE = Buffer.from('Password:').toString('base64');

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when the client's line cancels the exchange (RFC 9051 6.2.2, RFC 5034 4). */
export function isSaslCancel(line: string): boolean {
  return line.trim() === '*';
}

/**
 * Strict base64 decoding of one client response. "=" alone is an empty response (RFC 4954/9051 initial
 * response convention). Throws BadInputError on anything that is not canonical base64.
 */
export function decodeSaslBase64(line: string): Buffer {
  const text = line.trim();
  if (text.length > MAX_SASL_RESPONSE_LENGTH) throw new BadInputError('SASL response too long');
  if (text === '=') return Buffer.alloc(0);
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new BadInputError('Invalid base64 in SASL response');
  const bytes = Buffer.from(text, 'base64');
  // Reject non-canonical encodings (stray bits) by round-tripping.
  if (bytes.toString('base64') !== text) throw new BadInputError('Invalid base64 in SASL response');
  return bytes;
}

/** Decodes a PLAIN message: `[authzid] NUL authcid NUL password`, UTF-8 (RFC 4616 2). */
export function decodeSaslPlain(line: string): SaslCredentials {
  const parts = decodeSaslBase64(line).toString('utf8').split('\0');
  if (parts.length !== 3) throw new BadInputError('Malformed PLAIN response');
  const [authzid = '', authcid = '', password = ''] = parts;
  if (authcid === '' || password === '') throw new BadInputError('Malformed PLAIN response');
  if (hasBadCharacters(authzid) || hasBadCharacters(authcid) || hasBadCharacters(password)) {
    throw new BadInputError('Malformed PLAIN response');
  }
  return { authzid, authcid, password };
}

/** Decodes one LOGIN step (user name or password): base64 text without NUL. */
export function decodeSaslLoginStep(line: string): string {
  const value = decodeSaslBase64(line).toString('utf8');
  if (value.includes('\0') || hasBadCharacters(value)) throw new BadInputError('Malformed LOGIN response');
  return value;
}

/** U+FFFD marks invalid UTF-8 in the decoded bytes; CR/LF could smuggle protocol lines into logs. */
function hasBadCharacters(value: string): boolean {
  return value.includes('\uFFFD') || /[\r\n]/.test(value);
}

export type SaslStep =
  | { kind: 'challenge' /** base64 text to send after "+ " */; challenge: string }
  | { kind: 'done'; credentials: SaslCredentials };

/** The server side of one PLAIN or LOGIN exchange; see the module comment for the loop. */
export class SaslExchange {
  readonly mechanism: SaslMechanism;
  private readonly initialResponse: string | undefined;
  private username: string | null = null;
  private started = false;

  /** `mechanism` is matched case-insensitively; an unsupported one throws BadInputError. */
  constructor(mechanism: string, initialResponse?: string) {
    const upper = mechanism.toUpperCase();
    if (upper !== 'PLAIN' && upper !== 'LOGIN') {
      throw new BadInputError(`Unsupported authentication mechanism ${mechanism.slice(0, 40)}`);
    }
    this.mechanism = upper;
    this.initialResponse = initialResponse;
  }

  start(): SaslStep {
    this.started = true;
    if (this.initialResponse === undefined) {
      return { kind: 'challenge', challenge: this.mechanism === 'PLAIN' ? '' : LOGIN_USERNAME_CHALLENGE };
    }
    return this.next(this.initialResponse);
  }

  /** Feeds one client line (without CRLF). Throws SaslCancelledError on "*", BadInputError on garbage. */
  next(line: string): SaslStep {
    if (!this.started) throw new Error('SaslExchange.next() before start()');
    if (isSaslCancel(line)) throw new SaslCancelledError();
    if (this.mechanism === 'PLAIN') return { kind: 'done', credentials: decodeSaslPlain(line) };
    if (this.username === null) {
      this.username = decodeSaslLoginStep(line);
      if (this.username === '') throw new BadInputError('Malformed LOGIN response');
      return { kind: 'challenge', challenge: LOGIN_PASSWORD_CHALLENGE };
    }
    const password = decodeSaslLoginStep(line);
    return { kind: 'done', credentials: { authzid: '', authcid: this.username, password } };
  }
}
