/**
 * SASL pieces POP3 needs (RFC 5034): strict base64 (RFC 4648 4) and the PLAIN message (RFC 4616 2).
 * LOGIN is the de-facto "Username:" / "Password:" exchange (draft-murchison-sasl-login).
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes strictly: null for anything that is not canonical base64. "=" alone is the empty response (RFC 5034 4). */
export function decodeBase64(text: string): Buffer | null {
  if (text === '=') return Buffer.alloc(0);
  if (!BASE64.test(text)) return null;
  return Buffer.from(text, 'base64');
}

export interface PlainCredentials {
  authzid: string;
  authcid: string;
  password: string;
}

/** RFC 4616 2: [authzid] NUL authcid NUL passwd, UTF-8, no NUL inside the parts. */
export function parsePlain(message: Buffer): PlainCredentials | null {
  const first = message.indexOf(0);
  if (first === -1) return null;
  const second = message.indexOf(0, first + 1);
  if (second === -1 || message.indexOf(0, second + 1) !== -1) return null;
  const authcid = message.subarray(first + 1, second).toString('utf8');
  const password = message.subarray(second + 1).toString('utf8');
  if (authcid === '' || password === '') return null;
  return { authzid: message.subarray(0, first).toString('utf8'), authcid, password };
}

/** LOGIN mechanism prompts, already base64 ("Username:", "Password:"). */
export const LOGIN_USERNAME_PROMPT = Buffer.from('Username:').toString('base64');
export const LOGIN_PASSWORD_PROMPT = Buffer.from('Password:').toString('base64');
