/** `postyard sync add`: the options that describe an account, turned into an AccountConfig. */
import { resolve } from 'node:path';
import { parseDays, parsePort } from '../lib/values.js';
import { type AccountConfig, isValidAccountName, type Pop3Policy, type Security } from '../sync/account.js';
import { UsageError } from './exit.js';

export interface AddOptions {
  imap?: boolean;
  pop3?: boolean;
  host?: string;
  port?: string;
  user?: string;
  tls?: boolean;
  starttls?: boolean;
  plain?: boolean;
  insecure?: boolean;
  'leave-days'?: string;
  delete?: boolean;
  keep?: boolean;
  maildir?: string;
  folders?: string;
  'password-env'?: string;
}

const DEFAULT_PORTS = { imap: { tls: 993, other: 143 }, pop3: { tls: 995, other: 110 } };

export function accountFromOptions(name: string, o: AddOptions): AccountConfig {
  if (!isValidAccountName(name)) {
    throw new UsageError(`invalid account name '${name}' (letters, digits, '.', '-', '_'; at most 64)`);
  }
  if (Boolean(o.imap) === Boolean(o.pop3)) throw new UsageError('choose one of --imap or --pop3');
  const protocol = o.imap ? 'imap' : 'pop3';
  const security = oneOf<Security>(
    { tls: o.tls, starttls: o.starttls, plain: o.plain },
    'tls',
    '--tls, --starttls or --plain',
  );
  if (!o.host) throw new UsageError('missing --host');
  if (!o.user) throw new UsageError('missing --user');
  if (!o.maildir) throw new UsageError('missing --maildir');
  const policies: Record<Pop3Policy['kind'], boolean | undefined> = {
    'leave-days': o['leave-days'] !== undefined,
    delete: o.delete,
    keep: o.keep,
  };
  const choice = oneOf<Pop3Policy['kind']>(policies, 'keep', '--leave-days, --delete or --keep');
  if (protocol === 'imap' && Object.values(policies).some(Boolean)) {
    throw new UsageError('--leave-days, --delete and --keep are for --pop3 (IMAP keeps both sides equal)');
  }
  let policy: Pop3Policy = { kind: 'keep' };
  if (choice === 'delete') policy = { kind: 'delete' };
  if (choice === 'leave-days') {
    const days = parseDays(o['leave-days']!);
    policy = days === null ? { kind: 'keep' } : { kind: 'leave-days', days };
  }
  if (o['password-env'] !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o['password-env'])) {
    throw new UsageError(`invalid --password-env '${o['password-env']}' (an environment variable name)`);
  }
  const port = o.port ? parsePort(o.port) : DEFAULT_PORTS[protocol][security === 'tls' ? 'tls' : 'other'];
  if (port === 0) throw new UsageError('invalid --port 0');
  return {
    name,
    protocol,
    host: o.host,
    port,
    user: o.user,
    security,
    insecure: Boolean(o.insecure),
    maildir: resolve(o.maildir),
    password: o['password-env'] ? { kind: 'env', variable: o['password-env'] } : { kind: 'file' },
    policy,
    folders: (o.folders ?? '*')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  };
}

function oneOf<K extends string>(flags: Record<K, boolean | undefined>, fallback: K, names: string): K {
  const set = (Object.keys(flags) as K[]).filter((k) => flags[k]);
  if (set.length > 1) throw new UsageError(`choose only one of ${names}`);
  return set[0] ?? fallback;
}
