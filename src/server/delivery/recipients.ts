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

export function isLocalDomain(config: Pick<Config, 'localDomains'>, domain: string): boolean {
  if (config.localDomains.length === 0) return true;
  return config.localDomains.some((d) => d.toLowerCase() === domain);
}

/** The account mail for `raw` goes to, or null when it is not a local user. */
export async function resolveRecipient(
  store: Store,
  config: Pick<Config, 'localDomains'>,
  raw: string,
): Promise<Account | null> {
  const rcpt = parseRecipient(raw);
  if (!rcpt.address || (rcpt.domain && !isLocalDomain(config, rcpt.domain))) return null;
  // An account may literally contain "+" in its login; it wins over subaddress stripping.
  if (rcpt.login !== rcpt.address) {
    const exact = await store.getAccount(rcpt.address);
    if (exact) return exact;
  }
  return store.getAccount(rcpt.login);
}
