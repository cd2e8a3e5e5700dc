/** A sync account as `postyard sync add` records it (no password: see password.ts). */

export type Security = 'tls' | 'starttls' | 'plain';

/** POP3 "leave a copy of messages on the server": never delete, delete after N days, delete at once. */
export type Pop3Policy = { kind: 'keep' } | { kind: 'delete' } | { kind: 'leave-days'; days: number };

/** Where the password comes from: a 0600 file in the state directory, or an environment variable. */
export type PasswordSource = { kind: 'file' } | { kind: 'env'; variable: string };

export interface AccountConfig {
  name: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  user: string;
  security: Security;
  /** Accept a certificate that does not verify (self-signed test servers only). */
  insecure: boolean;
  maildir: string;
  password: PasswordSource;
  /** POP3 only. */
  policy: Pop3Policy;
  /** IMAP only: folders to sync, as IMAP LIST patterns ("*" = all). */
  folders: string[];
}

export function describePolicy(policy: Pop3Policy): string {
  if (policy.kind === 'keep') return 'keep on server';
  if (policy.kind === 'delete') return 'delete after download';
  return `leave on server ${policy.days} days`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Account names become file names (the password file): letters, digits, dot, dash, underscore. */
export function isValidAccountName(name: string): boolean {
  return NAME.test(name);
}
