/**
 * Change notifications between sessions: "mailbox M changed up to modseq X".
 * Receivers pull the actual changes from the store (Store.changesSince), so a lost or
 * coalesced notification only delays, never loses, an update.
 */
export interface MailboxChange {
  accountId: number;
  mailboxId: number;
  /** HIGHESTMODSEQ of the mailbox after the change. */
  modseq: number;
  /** Mailbox created/deleted/renamed (LIST-affecting) rather than message changes. */
  structural?: boolean;
}

export type ChangeListener = (change: MailboxChange) => void;

export interface ChangeBus {
  publish(change: MailboxChange): void;
  /** Listen to one mailbox. Returns an unsubscribe function. */
  subscribeMailbox(mailboxId: number, listener: ChangeListener): () => void;
  /** Listen to every mailbox of one account (NOTIFY-style, POP3 locks, LIST caches). */
  subscribeAccount(accountId: number, listener: ChangeListener): () => void;
  close(): Promise<void>;
}
