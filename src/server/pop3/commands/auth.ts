/**
 * AUTH (RFC 5034) with SASL-IR: PLAIN (RFC 4616) and LOGIN. A continuation line of "*" cancels
 * (RFC 5034 4); invalid base64 fails the command.
 */
import type { Pop3Command } from '../../../protocol/pop3/command.js';
import { challengeLine, errLine, multiLine } from '../../../protocol/pop3/response.js';
import {
  decodeBase64,
  LOGIN_PASSWORD_PROMPT,
  LOGIN_USERNAME_PROMPT,
  parsePlain,
} from '../../../protocol/pop3/sasl.js';
import { login } from '../login.js';
import type { Pop3Session } from '../session.js';

export const SASL_MECHANISMS = ['PLAIN', 'LOGIN'] as const;

type Step = Buffer | 'cancelled' | 'invalid' | null;

function isBytes(step: Step): step is Buffer {
  return typeof step === 'object' && step !== null;
}

export async function auth(
  session: Pop3Session,
  command: Extract<Pop3Command, { name: 'AUTH' }>,
): Promise<void> {
  if (command.mechanism === undefined) {
    session.reply(multiLine('Mechanisms follow', SASL_MECHANISMS));
    return;
  }
  if (command.mechanism === 'PLAIN') return authPlain(session, command.initialResponse);
  if (command.mechanism === 'LOGIN') return authLogin(session, command.initialResponse);
  session.badCommand(errLine('Unsupported authentication mechanism'));
}

async function authPlain(session: Pop3Session, initialResponse: string | undefined): Promise<void> {
  const response = initialResponse !== undefined ? decode(initialResponse) : await exchange(session, '');
  if (!isBytes(response)) return failed(session, response);
  const credentials = parsePlain(response);
  if (!credentials) return session.badCommand(errLine('Malformed PLAIN response', 'AUTH'));
  if (credentials.authzid !== '' && credentials.authzid !== credentials.authcid) {
    session.reply(errLine('Authorization identity not allowed', 'AUTH'));
    return;
  }
  await login(session, credentials.authcid, credentials.password);
}

async function authLogin(session: Pop3Session, initialResponse: string | undefined): Promise<void> {
  const name =
    initialResponse !== undefined ? decode(initialResponse) : await exchange(session, LOGIN_USERNAME_PROMPT);
  if (!isBytes(name)) return failed(session, name);
  const password = await exchange(session, LOGIN_PASSWORD_PROMPT);
  if (!isBytes(password)) return failed(session, password);
  if (name.length === 0) return session.badCommand(errLine('Empty user name', 'AUTH'));
  await login(session, name.toString('utf8'), password.toString('utf8'));
}

/** Sends a challenge and reads the client's response line. */
async function exchange(session: Pop3Session, challenge: string): Promise<Step> {
  session.reply(challengeLine(challenge));
  const input = await session.nextInput();
  if (!input) return null;
  if (input.kind === 'too-long') return 'invalid';
  const text = input.line.toString('latin1');
  return text === '*' ? 'cancelled' : decode(text);
}

function decode(text: string): Buffer | 'invalid' {
  return decodeBase64(text) ?? 'invalid';
}

function failed(session: Pop3Session, step: Exclude<Step, Buffer>): void {
  if (step === null) return; // connection closing
  if (step === 'cancelled') session.reply(errLine('Authentication cancelled'));
  else session.badCommand(errLine('Invalid base64 in SASL response', 'AUTH'));
}
