/**
 * Recipient address → account. Addresses compare case-insensitively (logins are stored lower-cased);
 * a subaddress `user+tag@domain` (RFC 5233) delivers to `user@domain`. With config.localDomains set,
 * other domains are not ours; empty localDomains means "any domain of an existing account".
 */
import type { Config } from '../../config/types.js';
import type { Account, Store } from '../../store/store.js';

export interface ParsedRecipient {
  /** Lower-cased address as given (angle brackets stripped). */
  address: string;
  /** Lower-cased address without the +tag, the login to look up. */
  login: string;
  /** Lower-cased domain, '' for a bare local part. */
  domain: string;
}

export function parseRecipient(raw: string): ParsedRecipient {
  const address = raw
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .toLowerCase();
  const at = address.lastIndexOf('@');
  const local = at === -1 ? address : address.slice(0, at);
  const domain = at === -1 ? '' : address.slice(at + 1);
  const plus = local.indexOf('+');
  const base = plus > 0 ? local.slice(0, plus) : local;
  return { address, login: domain ? `${base}@${domain}` : base, domain };
}

export type RecipientLookup =
  | { kind: 'local'; account: Account }
  /** A local domain without such an account: 550 5.1.1. */
  | { kind: 'unknown-user' }
  /** Not one of our domains: relaying, which Postyard refuses (554 5.7.1). */
  | { kind: 'other-domain' };

/** Whether `domain` is ours: listed in localDomains, or (with none listed) the domain of some account. */
export async function isLocalDomain(
  store: Store,
  config: Pick<Config, 'localDomains'>,
  domain: string,
): Promise<boolean> {
  if (config.localDomains.length === 0) return store.hasAccountInDomain(domain);
  return config.localDomains.some((d) => d.toLowerCase() === domain);
}

/** What a recipient address is to us. A bare local part (no domain) is looked up as a login. */
export async function lookupRecipient(
  store: Store,
  config: Pick<Config, 'localDomains'>,
  raw: string,
): Promise<RecipientLookup> {
  const rcpt = parseRecipient(raw);
  if (!rcpt.address) return { kind: 'unknown-user' };
  if (rcpt.domain && config.localDomains.length > 0 && !(await isLocalDomain(store, config, rcpt.domain)))
    return { kind: 'other-domain' };
  // An account may literally contain "+" in its login; it wins over subaddress stripping.
  const account =
    (rcpt.login !== rcpt.address ? await store.getAccount(rcpt.address) : null) ??
    (await store.getAccount(rcpt.login));
  if (account) return { kind: 'local', account };
  if (rcpt.domain && !(await isLocalDomain(store, config, rcpt.domain))) return { kind: 'other-domain' };
  return { kind: 'unknown-user' };
}

/** The account mail for `raw` goes to, or null when it is not a local user. */
export async function resolveRecipient(
  store: Store,
  config: Pick<Config, 'localDomains'>,
  raw: string,
): Promise<Account | null> {
  const found = await lookupRecipient(store, config, raw);
  return found.kind === 'local' ? found.account : null;
}
