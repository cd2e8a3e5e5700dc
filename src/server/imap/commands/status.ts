/**
 * STATUS (RFC 9051 §6.3.11, RFC 8438 STATUS=SIZE, RFC 7889 APPENDLIMIT, RFC 9208 DELETED-STORAGE; RECENT
 * for rev1).
 */

import { limitsOf } from '../../../lib/limits.js';
import type { StatusItem } from '../../../protocol/imap/command.js';
import type { Mailbox, MailboxStatus } from '../../../store/store.js';
import { AUTHENTICATED, type CommandSpec, done, refuse } from '../command-spec.js';
import { mailboxId } from '../object-id.js';
import type { ImapSession } from '../session.js';

export const status: CommandSpec<'STATUS'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    if (command.items.includes('HIGHESTMODSEQ')) session.enableCondstore();
    const name = session.mailboxFromWire(command.mailbox);
    const mailbox = await session.store.getMailbox(session.requireAccount().id, name);
    if (!mailbox) return refuse('No such mailbox', { code: 'NONEXISTENT' });
    await sendStatus(session, mailbox, command.items);
    return done('STATUS completed');
  },
};

/** Writes `* STATUS name (...)` (also used by LIST-STATUS, RFC 5819). */
export async function sendStatus(
  session: ImapSession,
  mailbox: Mailbox,
  items: readonly StatusItem[],
): Promise<void> {
  sendStatusOf(session, await session.store.mailboxStatus(mailbox.id), items);
}

/** Writes `* STATUS` from a status already read (NOTIFY reads it to compare with the last one, notify.ts). */
export function sendStatusOf(session: ImapSession, s: MailboxStatus, items: readonly StatusItem[]): void {
  const values: Record<StatusItem, number | string> = {
    MESSAGES: s.messages,
    UIDNEXT: s.uidNext,
    UIDVALIDITY: s.uidValidity,
    UNSEEN: s.unseen,
    DELETED: s.deleted,
    SIZE: s.size,
    RECENT: s.recent,
    HIGHESTMODSEQ: s.highestModseq,
    APPENDLIMIT: limitsOf(session.ctx.config).maxMessageSize,
    // RFC 9208 §4.4, in the STORAGE resource's unit.
    'DELETED-STORAGE': Math.floor(s.deletedSize / 1024),
    MAILBOXID: mailboxId(s),
  };
  const selected = session.selected;
  if (selected && selected.mailbox.id === s.id && selected.rev1) values.RECENT = selected.recentCount();
  session.send({ type: 'STATUS', mailbox: s.name, items: items.map((item) => [item, values[item]]) });
}
