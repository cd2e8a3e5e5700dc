/**
 * The IMAP connection of a sync run (imapflow): TLS as the account says (STARTTLS required when asked
 * for, never silently skipped), CONDSTORE and QRESYNC enabled when offered (RFC 7162 §3.2.3), no
 * auto-IDLE (the engine decides when to idle), no logging (a log could carry message data).
 */
import type { ImapFlow } from 'imapflow';
import { AuthFailedError } from '../../lib/errors.js';
import type { AccountConfig } from '../account.js';
import { UnreachableError } from '../errors.js';

export async function connectImap(
  account: AccountConfig,
  password: string,
  timeoutMs = 60_000,
): Promise<ImapFlow> {
  // Loaded on first use, so CLI commands other than `sync` do not pay for it.
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: account.host,
    port: account.port,
    secure: account.security === 'tls',
    doSTARTTLS: account.security === 'starttls' ? true : account.security === 'plain' ? false : undefined,
    auth: { user: account.user, pass: password },
    tls: { rejectUnauthorized: !account.insecure },
    logger: false,
    disableAutoIdle: true,
    qresync: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs * 5,
    clientInfo: { name: 'postyard sync' },
  });
  client.on('error', () => {}); // reported through the failing command instead
  try {
    await client.connect();
  } catch (err) {
    const e = err as { authenticationFailed?: boolean; responseText?: string; message?: string };
    if (e.authenticationFailed) {
      throw new AuthFailedError(`login as ${account.user} refused: ${e.responseText ?? e.message}`);
    }
    throw new UnreachableError(`cannot connect to ${account.host}:${account.port}: ${e.message}`, {
      cause: err,
    });
  }
  return client;
}

export function hasCapability(client: ImapFlow, name: string): boolean {
  return client.capabilities.has(name);
}
