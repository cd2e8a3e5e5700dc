/**
 * Mailbox names typed on the command line follow the same rules as IMAP clients' names (one checker,
 * src/server/imap/mailbox-name.ts), and creating one creates its missing parents, as CREATE does.
 */
import { checkMailboxName, parentNames } from '../server/imap/mailbox-name.js';
import type { Mailbox, SpecialUse, Store } from '../store/store.js';
import { UsageError } from './exit.js';

/** The canonical name (any case of INBOX → INBOX), or a usage error saying what is wrong. */
export function checkedMailboxName(raw: string, options: { forCreate?: boolean } = {}): string {
  const check = checkMailboxName(raw, options);
  if (!check.ok) throw new UsageError(`'${raw}': ${check.reason}`);
  return check.name;
}

export async function createWithParents(
  store: Store,
  accountId: number,
  name: string,
  options: { specialUse?: SpecialUse | null } = {},
): Promise<Mailbox> {
  for (const parent of parentNames(name)) {
    if (!(await store.getMailbox(accountId, parent))) await store.createMailbox(accountId, parent);
  }
  return store.createMailbox(accountId, name, options);
}
