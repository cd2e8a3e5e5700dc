/**
 * Commands with no or simple arguments: CAPABILITY, NOOP, LOGOUT, STARTTLS, AUTHENTICATE, LOGIN,
 * ENABLE, COMPRESS, IDLE, CHECK, CLOSE, UNSELECT, NAMESPACE, EXPUNGE, ID (RFC 9051 §6.1–§6.4, RFC 2971, RFC 5161).
 */
import type { Command } from '../command.js';
import { type Cursor, ParseError } from './cursor.js';

type NoArgName =
  | 'CAPABILITY'
  | 'NOOP'
  | 'LOGOUT'
  | 'STARTTLS'
  | 'IDLE'
  | 'CHECK'
  | 'CLOSE'
  | 'UNSELECT'
  | 'NAMESPACE'
  | 'UNAUTHENTICATE';

export function parseNoArgs(name: NoArgName): Command {
  return { name };
}

const BASE64 = new Uint8Array(256);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=')
  BASE64[ch.charCodeAt(0)] = 1;

/** AUTHENTICATE SP auth-type [SP (base64 / "=")] (RFC 9051 §6.2.2, RFC 4959 SASL-IR). */
export function parseAuthenticate(c: Cursor): Command {
  c.sp();
  const mechanism = c.keyword();
  if (c.atEnd()) return { name: 'AUTHENTICATE', mechanism };
  c.sp();
  const initialResponse = c.run(BASE64, 'a base64 initial response');
  return { name: 'AUTHENTICATE', mechanism, initialResponse };
}

/** COMPRESS SP algorithm (RFC 4978 §5: algorithm = atom). */
export function parseCompress(c: Cursor): Command {
  c.sp();
  return { name: 'COMPRESS', mechanism: c.keyword() };
}

/** LOGIN SP userid SP password (both astring). */
export function parseLogin(c: Cursor): Command {
  c.sp();
  const username = c.astring();
  c.sp();
  const password = c.astring();
  return { name: 'LOGIN', username, password };
}

/** ENABLE 1*(SP capability) (RFC 5161 §4). */
export function parseEnable(c: Cursor): Command {
  const capabilities: string[] = [];
  do {
    c.sp();
    capabilities.push(c.keyword());
  } while (!c.atEnd());
  return { name: 'ENABLE', capabilities };
}

/** EXPUNGE, or UID EXPUNGE SP sequence-set (RFC 9051 §6.4.9) — the set is parsed by the caller. */
export function parseExpungePlain(): Command {
  return { name: 'EXPUNGE', uid: false };
}

/** ID SP ("(" *(string SP nstring) ")" / NIL) (RFC 2971 §4). At most 30 pairs. */
export function parseId(c: Cursor): Command {
  c.sp();
  if (c.acceptWord('NIL')) return { name: 'ID', params: null };
  c.expect(0x28, '(');
  const params: [string, string | null][] = [];
  if (c.accept(0x29)) return { name: 'ID', params };
  for (;;) {
    const key = c.string();
    c.sp();
    const value = c.nstring();
    if (params.length >= 30) throw new ParseError('Too many ID fields', 'LIMIT');
    params.push([key, value]);
    if (c.accept(0x29)) return { name: 'ID', params };
    c.sp();
  }
}
