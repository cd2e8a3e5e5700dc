/**
 * POP3 response encoders (RFC 1939 3). Status text never contains CR/LF (it is sanitised here) and
 * multi-line bodies are dot-stuffed and terminated with `.CRLF`.
 */

/** RFC 2449 8, RFC 3206 4 (SYS/TEMP, SYS/PERM, AUTH). */
export type Pop3ResponseCode = 'IN-USE' | 'LOGIN-DELAY' | 'SYS/TEMP' | 'SYS/PERM' | 'AUTH' | 'UTF8';

export function okLine(text = ''): string {
  return text === '' ? '+OK\r\n' : `+OK ${clean(text)}\r\n`;
}

export function errLine(text: string, code?: Pop3ResponseCode): string {
  return code ? `-ERR [${code}] ${clean(text)}\r\n` : `-ERR ${clean(text)}\r\n`;
}

/** A SASL server challenge (RFC 5034 4): "+ " and base64 (may be empty). */
export function challengeLine(base64: string): string {
  return `+ ${base64}\r\n`;
}

/** `+OK first` followed by short text lines (CAPA, LIST, UIDL), dot-stuffed, and the terminator. */
export function multiLine(first: string, lines: readonly string[]): string {
  let out = okLine(first);
  for (const line of lines) out += line.startsWith('.') ? `.${line}\r\n` : `${line}\r\n`;
  return `${out}.\r\n`;
}

function clean(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]+/g, ' ') : text;
}
