/**
 * NOTIFY (RFC 5465): what this session is told without asking, and when.
 *
 * - The selected mailbox, with a SELECTED / SELECTED-DELAYED group: its EXISTS, EXPUNGE (SELECTED only;
 *   SELECTED-DELAYED keeps them for a command that allows them) and FETCH FLAGS are pushed as soon as the
 *   session is between commands (or idling), and MessageNew's fetch attributes are sent for each new
 *   message. Without such a group the selected mailbox behaves as in the base protocol.
 * - Other mailboxes of the account (INBOXES = INBOX, PERSONAL, SUBSCRIBED, SUBTREE, MAILBOXES; the first
 *   group whose filter matches a mailbox decides its events, so `(mailboxes Trash NONE)` before
 *   `(personal ...)` leaves Trash out): message events become `* STATUS`, MailboxName becomes
 *   `* LIST` (\NonExistent for a deletion, OLDNAME for a rename), SubscriptionChange `* LIST` with or
 *   without \Subscribed. Never for the selected mailbox.
 *
 * The change bus says only "mailbox M changed up to modseq X" (account subscription), so the kind of
 * change is found by comparing the mailbox's status with the one last seen, and structural changes by
 * comparing the mailbox list with a snapshot: a coalesced or late bus message still gives the right
 * answer. Responses are written only while no command runs (the session waits for a running flush
 * before it handles the next command), so they never land inside another command's response.
 */
import type {
  FetchAttribute,
  NotifyEvent,
  NotifyEventGroup,
  StatusItem,
} from '../../protocol/imap/command.js';
import type { Mailbox, MailboxStatus } from '../../store/store.js';
import { HIERARCHY_DELIMITER } from '../../store/store.js';
import type { Completion } from './command-spec.js';
import { COMMANDS } from './commands/index.js';
import { sendStatusOf } from './commands/status.js';
import type { SelectedMailbox } from './selected.js';
import type { ImapSession } from './session.js';

/** The events this server can report (RFC 5465 §5.1 BADEVENT lists them when another is asked for). */
export const SUPPORTED_EVENTS: readonly NotifyEvent[] = [
  'MessageNew',
  'MessageExpunge',
  'FlagChange',
  'MailboxName',
  'SubscriptionChange',
];
const SUPPORTED = new Set<string>(SUPPORTED_EVENTS);

/** A filter for mailboxes other than the selected one, with names decoded to internal form. */
interface MailboxGroup {
  readonly filter: 'INBOXES' | 'PERSONAL' | 'SUBSCRIBED' | 'SUBTREE' | 'MAILBOXES';
  readonly names: readonly string[];
  readonly events: ReadonlySet<string>;
}

interface SelectedGroup {
  /** SELECTED pushes EXPUNGE at once; SELECTED-DELAYED waits for a command that allows it. */
  readonly immediateExpunge: boolean;
  readonly events: ReadonlySet<string>;
  readonly fetch: readonly FetchAttribute[];
}

interface Spec {
  readonly selected: SelectedGroup | null;
  readonly groups: readonly MailboxGroup[];
}

type Seen = Pick<MailboxStatus, 'uidValidity' | 'uidNext' | 'messages' | 'unseen' | 'highestModseq'>;

/** Checks a NOTIFY SET beyond its syntax (RFC 5465 §3, §5); null when it is acceptable. */
export function notifySetProblem(groups: readonly NotifyEventGroup[]): Completion | null {
  const unsupported = groups.some((g) => g.events.some((e) => !SUPPORTED.has(e)));
  if (unsupported) {
    return {
      status: 'NO',
      code: { code: 'BADEVENT', events: SUPPORTED_EVENTS },
      text: 'Unsupported NOTIFY event',
    };
  }
  let selectedGroups = 0;
  for (const group of groups) {
    const isSelected = group.filter === 'SELECTED' || group.filter === 'SELECTED-DELAYED';
    if (isSelected) selectedGroups++;
    const has = (e: NotifyEvent) => group.events.includes(e);
    // §5: MessageNew and MessageExpunge go together and FlagChange needs both. Enforced for the selected
    // mailbox, where a client that misses one would lose track of sequence numbers; for other
    // mailboxes (STATUS updates) a single event is accepted, as Dovecot does and imaptest expects.
    if (!isSelected) {
      if (group.fetch) {
        return { status: 'BAD', text: 'MessageNew fetch attributes are only for the selected mailbox' };
      }
      continue;
    }
    if (has('MessageNew') !== has('MessageExpunge')) {
      return { status: 'BAD', text: 'MessageNew and MessageExpunge must be given together' };
    }
    if (has('FlagChange') && !has('MessageNew')) {
      return { status: 'BAD', text: 'FlagChange needs MessageNew and MessageExpunge' };
    }
  }
  if (selectedGroups > 1) return { status: 'BAD', text: 'Only one SELECTED or SELECTED-DELAYED group' };
  return null;
}

export class NotifyMode {
  private spec: Spec | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Mailboxes with message changes not yet looked at. */
  private readonly dirty = new Set<number>();
  private structuralDirty = false;
  /** The account's mailboxes as last reported (id → name, subscribed). */
  private known = new Map<number, { name: string; subscribed: boolean }>();
  /** Status last seen per mailbox: the base for telling new/expunged messages from flag changes. */
  private readonly seen = new Map<number, Seen>();
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  private again = false;
  /** MessageNew fetch: the selected mailbox and the highest UID already sent. */
  private fetchedMailbox = 0;
  private fetchedUpTo = 0;

  constructor(private readonly session: ImapSession) {}

  /** True when NOTIFY pushes the selected mailbox's changes itself (IDLE leaves them to it). */
  get pushesSelected(): boolean {
    return (this.spec?.selected?.events.size ?? 0) > 0;
  }

  get active(): boolean {
    return this.spec !== null;
  }

  /** NOTIFY SET: replaces any earlier setting; with `status`, STATUS of every matched mailbox now. */
  async set(groups: readonly NotifyEventGroup[], status: boolean): Promise<void> {
    this.clear();
    const session = this.session;
    let selected: SelectedGroup | null = null;
    const mailboxGroups: MailboxGroup[] = [];
    for (const group of groups) {
      const events = new Set<string>(group.events);
      if (group.filter === 'SELECTED' || group.filter === 'SELECTED-DELAYED') {
        const fetch = (group.fetch ?? []).map(peekOnly);
        selected = { immediateExpunge: group.filter === 'SELECTED', events, fetch };
      } else {
        const names = (group.mailboxes ?? []).map((wire) => session.mailboxFromWire(wire));
        mailboxGroups.push({ filter: group.filter, names, events });
      }
    }
    const account = session.requireAccount();
    this.spec = { selected, groups: mailboxGroups };
    this.unsubscribe = session.ctx.bus.subscribeAccount(account.id, (change) => {
      if (change.structural) this.structuralDirty = true;
      else this.dirty.add(change.mailboxId);
      this.schedule();
    });
    const mailboxes = await session.store.listMailboxes(account.id);
    this.known = new Map(mailboxes.map((m) => [m.id, { name: m.name, subscribed: m.subscribed }]));
    if (session.selected) this.onSelected(session.selected);
    // Every mailbox that message events could be reported for gets a status baseline; with STATUS
    // (§3) it is sent too: MESSAGES UIDNEXT UIDVALIDITY UNSEEN, HIGHESTMODSEQ when FlagChange is used.
    const flagChanges = mailboxGroups.some((g) => g.events.has('FlagChange'));
    for (const mailbox of mailboxes) {
      if (mailbox.id === session.selected?.mailbox.id) continue;
      const group = this.groupFor(mailbox.name, mailbox.subscribed);
      if (!group || !wantsMessageEvents(group)) continue;
      const s = await session.store.mailboxStatus(mailbox.id);
      this.seen.set(mailbox.id, pickSeen(s));
      if (status) {
        const items: StatusItem[] = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'];
        if (flagChanges) items.push('HIGHESTMODSEQ');
        sendStatusOf(session, s, items);
      }
    }
  }

  /** NOTIFY NONE, UNAUTHENTICATE, the end of the session. */
  clear(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.spec = null;
    this.dirty.clear();
    this.structuralDirty = false;
    this.known.clear();
    this.seen.clear();
  }

  /** SELECT/EXAMINE finished: MessageNew fetches start after what the client has just been told. */
  onSelected(selected: SelectedMailbox): void {
    this.fetchedMailbox = selected.mailbox.id;
    const uids = selected.allUids();
    this.fetchedUpTo = uids.length > 0 ? (uids[uids.length - 1] as number) : 0;
    // A STATUS baseline of a selected mailbox goes stale: start again once it is no longer selected.
    this.seen.delete(selected.mailbox.id);
  }

  /** The selected mailbox's index has news (shared index callback). */
  readonly onSelectedChange = (): void => {
    if (this.pushesSelected) this.schedule();
  };

  /** Resolves when no notification is being written (the session calls this before each command). */
  /** An update is being written right now. */
  get writing(): boolean {
    return this.flushing !== null;
  }

  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Writes what is pending as soon as the session is between commands. */
  schedule(): void {
    if (!this.spec || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (!this.spec || this.session.busy) return; // the session schedules again when it is idle
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = this.flush()
      .catch((err) => this.session.log.warn({ err }, 'NOTIFY update failed'))
      .finally(() => {
        this.flushing = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  private async flush(): Promise<void> {
    const session = this.session;
    const spec = this.spec;
    if (!spec) return;
    const selected = session.selected;
    if (spec.selected?.events.size && selected) {
      if (selected.hasPending()) await session.flushNotifications(spec.selected.immediateExpunge);
      if (spec.selected.fetch.length > 0 && spec.selected.events.has('MessageNew')) {
        await this.fetchNew(selected, spec.selected.fetch);
      }
    }
    if (this.structuralDirty) {
      this.structuralDirty = false;
      await this.mailboxListChanged();
    }
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const id of dirty) await this.messagesChanged(id);
    session.writer.flush();
    await session.writer.drained();
  }

  /** RFC 5465 §5.2: new messages of the selected mailbox get a FETCH of the requested attributes. */
  private async fetchNew(selected: SelectedMailbox, attributes: readonly FetchAttribute[]): Promise<void> {
    if (this.fetchedMailbox !== selected.mailbox.id) this.onSelected(selected);
    const uids = selected.allUids();
    const last = uids.length > 0 ? (uids[uids.length - 1] as number) : 0;
    if (last <= this.fetchedUpTo) return;
    const from = this.fetchedUpTo + 1;
    this.fetchedUpTo = last;
    await COMMANDS.FETCH.handle(this.session, '*', {
      name: 'FETCH',
      uid: true,
      set: { kind: 'ranges', ranges: [{ from, to: last }] },
      attributes,
      modifiers: {},
    });
  }

  /** Message events of a mailbox other than the selected one: STATUS with what changed (§5.2–§5.4). */
  private async messagesChanged(mailboxId: number): Promise<void> {
    const session = this.session;
    const known = this.known.get(mailboxId);
    if (!known) {
      this.structuralDirty = true; // created elsewhere before its structural change reached us
      this.schedule();
      return;
    }
    if (mailboxId === session.selected?.mailbox.id) return;
    const group = this.groupFor(known.name, known.subscribed);
    if (!group || !wantsMessageEvents(group)) return;
    let s: MailboxStatus;
    try {
      s = await session.store.mailboxStatus(mailboxId);
    } catch {
      this.structuralDirty = true; // deleted meanwhile
      this.schedule();
      return;
    }
    const before = this.seen.get(mailboxId);
    this.seen.set(mailboxId, pickSeen(s));
    const countsChanged =
      !before ||
      before.messages !== s.messages ||
      before.uidNext !== s.uidNext ||
      before.uidValidity !== s.uidValidity;
    const items: StatusItem[] = [];
    if (countsChanged && (group.events.has('MessageNew') || group.events.has('MessageExpunge'))) {
      items.push('MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN');
      if (session.condstore) items.push('HIGHESTMODSEQ');
    } else if (!countsChanged && before.highestModseq !== s.highestModseq && group.events.has('FlagChange')) {
      // Only flags changed: UNSEEN if it moved, HIGHESTMODSEQ for a CONDSTORE client.
      if (before.unseen !== s.unseen) items.push('UNSEEN');
      if (session.condstore) items.push('HIGHESTMODSEQ');
      if (items.length > 0) items.unshift('UIDVALIDITY');
    }
    if (items.length > 0) sendStatusOf(session, s, items);
  }

  /** MailboxName and SubscriptionChange (§5.4, §5.5): the mailbox list against the last snapshot. */
  private async mailboxListChanged(): Promise<void> {
    const session = this.session;
    const mailboxes = await session.store.listMailboxes(session.requireAccount().id);
    const before = this.known;
    this.known = new Map(mailboxes.map((m) => [m.id, { name: m.name, subscribed: m.subscribed }]));
    const wants = (name: string, subscribed: boolean, event: NotifyEvent) =>
      this.groupFor(name, subscribed)?.events.has(event) ?? false;
    for (const mailbox of mailboxes) {
      const old = before.get(mailbox.id);
      if (!old) {
        if (wants(mailbox.name, mailbox.subscribed, 'MailboxName')) this.sendList(mailbox, []);
        this.seen.delete(mailbox.id);
        continue;
      }
      if (old.name !== mailbox.name) {
        if (
          wants(mailbox.name, mailbox.subscribed, 'MailboxName') ||
          wants(old.name, old.subscribed, 'MailboxName')
        )
          this.sendList(mailbox, [], old.name);
      }
      if (old.subscribed !== mailbox.subscribed && wants(mailbox.name, true, 'SubscriptionChange')) {
        this.sendList(mailbox, mailbox.subscribed ? ['\\Subscribed'] : []);
      }
    }
    for (const [id, old] of before) {
      if (this.known.has(id)) continue;
      this.seen.delete(id);
      if (wants(old.name, old.subscribed, 'MailboxName')) {
        session.send({
          type: 'LIST',
          attributes: ['\\NonExistent'],
          delimiter: HIERARCHY_DELIMITER,
          mailbox: old.name,
        });
      }
    }
  }

  /** The first non-selected group whose filter takes this mailbox (RFC 5465 §6: first match applies). */
  private groupFor(name: string, subscribed: boolean): MailboxGroup | null {
    for (const group of this.spec?.groups ?? []) {
      if (filterMatches(group, name, subscribed)) return group;
    }
    return null;
  }

  private sendList(mailbox: Mailbox, attributes: string[], oldName?: string): void {
    this.session.send({
      type: 'LIST',
      attributes,
      delimiter: HIERARCHY_DELIMITER,
      mailbox: mailbox.name,
      ...(oldName !== undefined ? { oldName } : {}),
    });
  }
}

function filterMatches(group: MailboxGroup, name: string, subscribed: boolean): boolean {
  switch (group.filter) {
    case 'PERSONAL':
      return true;
    case 'INBOXES':
      // Mail is delivered to INBOX only (no Sieve fileinto yet).
      return name === 'INBOX';
    case 'SUBSCRIBED':
      return subscribed;
    case 'MAILBOXES':
      return group.names.includes(name);
    case 'SUBTREE':
      return group.names.some((n) => name === n || name.startsWith(n + HIERARCHY_DELIMITER));
  }
}

function wantsMessageEvents(group: MailboxGroup): boolean {
  return (
    group.events.has('MessageNew') || group.events.has('MessageExpunge') || group.events.has('FlagChange')
  );
}

function pickSeen(s: MailboxStatus): Seen {
  return {
    uidValidity: s.uidValidity,
    uidNext: s.uidNext,
    messages: s.messages,
    unseen: s.unseen,
    highestModseq: s.highestModseq,
  };
}

/** A notification never sets \Seen: BODY[...] and BINARY[...] are fetched as .PEEK. */
function peekOnly(att: FetchAttribute): FetchAttribute {
  if (att.item === 'BODY[]' || att.item === 'BINARY[]') return { ...att, peek: true };
  return att;
}
