/**
 * QUOTA (RFC 9208): one quota root, "", per account, holding every mailbox of the account. Its
 * resources are the limits the store enforces at every append (LMTP/SMTP, APPEND, COPY, `deliver`):
 * STORAGE in units of 1024 octets (usage and limit rounded down, as Dovecot reports them) and
 * MESSAGE. Only limited resources are listed; an unlimited account answers `* QUOTA "" ()`.
 * SETQUOTA is refused: limits are set by the administrator (`postyard quota set`).
 */
import type { QuotaResource } from '../../../protocol/imap/response.js';
import type { QuotaUsage } from '../../../store/store.js';
import { AUTHENTICATED, type CommandSpec, done, refuse } from '../command-spec.js';
import type { ImapSession } from '../session.js';

/** The one quota root of an account. */
export const QUOTA_ROOT = '';

/** RFC 9208 §5.1 resources from the store's usage (STORAGE in KiB). */
export function quotaResources(usage: QuotaUsage): QuotaResource[] {
  const resources: QuotaResource[] = [];
  if (usage.limitBytes !== null) {
    resources.push({
      name: 'STORAGE',
      usage: Math.floor(usage.bytes / 1024),
      limit: Math.floor(usage.limitBytes / 1024),
    });
  }
  if (usage.limitMessages !== null) {
    resources.push({ name: 'MESSAGE', usage: usage.messages, limit: usage.limitMessages });
  }
  return resources;
}

async function sendQuota(session: ImapSession): Promise<void> {
  const usage = await session.store.getQuotaUsage(session.requireAccount().id);
  session.send({ type: 'QUOTA', root: QUOTA_ROOT, resources: quotaResources(usage) });
}

export const getQuota: CommandSpec<'GETQUOTA'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    if (command.root !== QUOTA_ROOT) return refuse('No such quota root', { code: 'NONEXISTENT' });
    await sendQuota(session);
    return done('GETQUOTA completed');
  },
};

export const getQuotaRoot: CommandSpec<'GETQUOTAROOT'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    const name = session.mailboxFromWire(command.mailbox);
    const mailbox = await session.store.getMailbox(session.requireAccount().id, name);
    if (!mailbox) return refuse('No such mailbox', { code: 'NONEXISTENT' });
    session.send({ type: 'QUOTAROOT', mailbox: mailbox.name, roots: [QUOTA_ROOT] });
    await sendQuota(session);
    return done('GETQUOTAROOT completed');
  },
};

export const setQuota: CommandSpec<'SETQUOTA'> = {
  states: AUTHENTICATED,
  async handle() {
    return refuse('Quota limits are set by the administrator', { code: 'NOPERM' });
  },
};
