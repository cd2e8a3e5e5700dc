/**
 * CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.4 – §6.3.8, RFC 6154 CREATE USE).
 * Missing parents are created for CREATE and RENAME (§6.3.4 "SHOULD create any superior names").
 */
import { ExistsError } from '../../../lib/errors.js';
import type { SpecialUse } from '../../../store/store.js';
import { AUTHENTICATED, type CommandSpec, done, refuse } from '../command-spec.js';
import { parentNames } from '../mailbox-name.js';
import { mailboxId } from '../object-id.js';
import type { ImapSession } from '../session.js';

const SPECIAL_USES = new Set<string>([
  '\\Drafts',
  '\\Sent',
  '\\Trash',
  '\\Junk',
  '\\Archive',
  '\\All',
  '\\Flagged',
]);

export const create: CommandSpec<'CREATE'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    const name = session.mailboxFromWire(command.mailbox, { forCreate: true });
    if (name === 'INBOX') return refuse('INBOX always exists', { code: 'ALREADYEXISTS' });
    let specialUse: SpecialUse | null = null;
    for (const use of command.specialUse ?? []) {
      const canonical = [...SPECIAL_USES].find((u) => u.toLowerCase() === use.toLowerCase());
      if (!canonical) return refuse('Unsupported special-use attribute', { code: 'USEATTR' });
      specialUse = canonical as SpecialUse;
    }
    await createParents(session, name);
    const mailbox = await session.store.createMailbox(session.requireAccount().id, name, { specialUse });
    // RFC 8474 §4.1.
    return done('CREATE completed', { code: 'MAILBOXID', id: mailboxId(mailbox) });
  },
};

export const deleteMailbox: CommandSpec<'DELETE'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    const name = session.mailboxFromWire(command.mailbox);
    if (name === 'INBOX') return refuse('INBOX cannot be deleted', { code: 'CANNOT' });
    const account = session.requireAccount();
    const mailbox = await session.store.getMailbox(account.id, name);
    if (!mailbox) return refuse('No such mailbox', { code: 'NONEXISTENT' });
    if (session.selected?.mailbox.id === mailbox.id) session.setSelected(null);
    await session.store.deleteMailbox(account.id, name);
    return done('DELETE completed');
  },
};

export const rename: CommandSpec<'RENAME'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    const from = session.mailboxFromWire(command.from);
    const to = session.mailboxFromWire(command.to, { forCreate: true });
    const account = session.requireAccount();
    if (!(await session.store.getMailbox(account.id, from)))
      return refuse('No such mailbox', { code: 'NONEXISTENT' });
    if (to === 'INBOX' || (await session.store.getMailbox(account.id, to))) {
      return refuse('Target mailbox exists', { code: 'ALREADYEXISTS' });
    }
    if (to.startsWith(`${from}/`)) return refuse('Cannot move a mailbox into itself', { code: 'CANNOT' });
    await createParents(session, to);
    await session.store.renameMailbox(account.id, from, to);
    return done('RENAME completed');
  },
};

export const subscribe: CommandSpec<'SUBSCRIBE' | 'UNSUBSCRIBE'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    const name = session.mailboxFromWire(command.mailbox);
    await session.store.setSubscribed(session.requireAccount().id, name, command.name === 'SUBSCRIBE');
    return done(`${command.name} completed`);
  },
};

async function createParents(session: ImapSession, name: string): Promise<void> {
  const accountId = session.requireAccount().id;
  for (const parent of parentNames(name)) {
    if (parent === 'INBOX' || (await session.store.getMailbox(accountId, parent))) continue;
    try {
      await session.store.createMailbox(accountId, parent);
    } catch (err) {
      if (!(err instanceof ExistsError)) throw err;
    }
  }
}
