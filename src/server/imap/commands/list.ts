/**
 * LIST (RFC 9051 §6.3.9) with LIST-EXTENDED selection/return options (RFC 5258), SPECIAL-USE (RFC 6154),
 * LIST-STATUS (RFC 5819), CHILDREN (RFC 3348); LSUB for rev1 (RFC 3501 §6.3.9).
 * Parents that do not exist but have children are listed as \NonExistent (extended) / \Noselect.
 * LSUB lists an unsubscribed parent of a subscribed name its pattern does not reach as \Noselect.
 */
import type { ListCommand } from '../../../protocol/imap/command.js';
import { HIERARCHY_DELIMITER, type Mailbox } from '../../../store/store.js';
import { AUTHENTICATED, type CommandSpec, done } from '../command-spec.js';
import { joinReference, ListPattern } from '../list-pattern.js';
import { parentNames } from '../mailbox-name.js';
import type { ImapSession } from '../session.js';
import { sendStatus } from './status.js';

interface Entry {
  name: string;
  mailbox: Mailbox | null;
  subscribed: boolean;
  hasChildren: boolean;
}

export const list: CommandSpec<'LIST'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    if (!command.extended && command.patterns.length === 1 && command.patterns[0] === '') {
      // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and root.
      session.send({ type: 'LIST', attributes: ['\\Noselect'], delimiter: HIERARCHY_DELIMITER, mailbox: '' });
      return done('LIST completed');
    }
    await sendList(session, command, 'LIST');
    return done('LIST completed');
  },
};

export const lsub: CommandSpec<'LSUB'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    const asList: ListCommand = {
      name: 'LIST',
      reference: command.reference,
      patterns: [command.pattern],
      selectionOptions: ['SUBSCRIBED'],
      returnOptions: { subscribed: false, children: false, specialUse: false },
      extended: false,
    };
    await sendList(session, asList, 'LSUB');
    return done('LSUB completed');
  },
};

async function sendList(session: ImapSession, command: ListCommand, kind: 'LIST' | 'LSUB'): Promise<void> {
  const account = session.requireAccount();
  const selection = new Set(command.selectionOptions);
  const subscribedOnly = selection.has('SUBSCRIBED');
  const wantSubscribed = subscribedOnly || command.returnOptions.subscribed;
  const [mailboxes, subscriptions] = await Promise.all([
    session.store.listMailboxes(account.id),
    wantSubscribed ? session.store.listSubscriptions(account.id) : Promise.resolve([] as string[]),
  ]);
  const entries = buildEntries(mailboxes, new Set(subscriptions));
  const reference = session.mailboxFromWirePattern(command.reference);
  const patterns: ListPattern[] = [];
  for (const wire of command.patterns) {
    const pattern = session.mailboxFromWirePattern(wire);
    if (reference !== null && pattern !== null)
      patterns.push(new ListPattern(joinReference(reference, pattern)));
  }
  const statusItems = command.returnOptions.status;
  const recursive = selection.has('RECURSIVEMATCH');
  const matched = (name: string) => patterns.some((p) => p.matches(name));
  for (const entry of entries.values()) {
    if (!matched(entry.name)) continue;
    // A subscribed descendant the patterns do not reach: the parent stands in for it. RFC 5258 §3.5:
    // with RECURSIVEMATCH the parent gets CHILDINFO (none when every such child is listed itself, as in
    // Dovecot); RFC 3501 §6.3.9: `LSUB "" "%"` with foo/bar subscribed and foo not returns foo as
    // \Noselect, while with `*` foo/bar itself matches and foo is not listed.
    const standsIn = (recursive && subscribedOnly) || (kind === 'LSUB' && !entry.subscribed);
    const hiddenChild = standsIn && hasSubscribedChild(entries, entry.name, (child) => !matched(child));
    const childInfo = recursive && subscribedOnly && hiddenChild;
    const lsubParent = kind === 'LSUB' && !entry.subscribed && hiddenChild;
    if (subscribedOnly && !entry.subscribed && !childInfo && !lsubParent) continue;
    if (selection.has('SPECIAL-USE') && !entry.mailbox?.specialUse) continue;
    if (!subscribedOnly && !entry.mailbox && !entry.hasChildren) continue;
    const attributes = lsubParent
      ? ['\\Noselect']
      : attributesOf(entry, { kind, extended: command.extended, wantSubscribed });
    session.send({
      type: kind,
      attributes,
      delimiter: HIERARCHY_DELIMITER,
      mailbox: entry.name,
      ...(childInfo ? { childInfo: ['SUBSCRIBED'] } : {}),
    });
    if (statusItems && entry.mailbox) await sendStatus(session, entry.mailbox, statusItems);
  }
}

/** True if a subscribed descendant of `name` exists that passes `filter`. */
function hasSubscribedChild(
  entries: ReadonlyMap<string, Entry>,
  name: string,
  filter: (child: string) => boolean,
): boolean {
  const prefix = `${name}${HIERARCHY_DELIMITER}`;
  for (const e of entries.values()) {
    if (e.subscribed && e.name.startsWith(prefix) && filter(e.name)) return true;
  }
  return false;
}

/** Every existing mailbox, every subscribed name and every implied parent, INBOX first then by name. */
function buildEntries(mailboxes: readonly Mailbox[], subscribed: ReadonlySet<string>): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const ensure = (name: string): Entry => {
    let e = entries.get(name);
    if (!e) {
      e = { name, mailbox: null, subscribed: subscribed.has(name), hasChildren: false };
      entries.set(name, e);
    }
    return e;
  };
  const sorted = [...mailboxes].sort((a, b) => order(a.name, b.name));
  for (const m of sorted) ensure(m.name).mailbox = m;
  for (const name of subscribed) ensure(name);
  for (const name of [...entries.keys()]) {
    for (const parent of parentNames(name)) ensure(parent).hasChildren = true;
  }
  return new Map([...entries.entries()].sort(([a], [b]) => order(a, b)));
}

function order(a: string, b: string): number {
  if (a === 'INBOX') return -1;
  if (b === 'INBOX') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function attributesOf(
  entry: Entry,
  options: { kind: 'LIST' | 'LSUB'; extended: boolean; wantSubscribed: boolean },
): string[] {
  const attributes: string[] = [];
  if (!entry.mailbox) {
    attributes.push(options.extended ? '\\NonExistent' : '\\Noselect');
  }
  if (options.kind === 'LIST') {
    attributes.push(entry.hasChildren ? '\\HasChildren' : '\\HasNoChildren');
    if (options.wantSubscribed && entry.subscribed) attributes.push('\\Subscribed');
    if (entry.mailbox?.specialUse) attributes.push(entry.mailbox.specialUse);
  }
  return attributes;
}
