/**
 * The store interface: everything IMAP, POP3, delivery and the CLI may ask of storage.
 * Backends (sqlite/, later postgres/) implement it and pass the shared suite in contract/.
 * Session code imports only this file (and the error types), never a concrete backend.
 *
 * Conventions
 * - All methods are async so a networked backend fits.
 * - Errors are MailError subclasses from src/lib/errors.ts (NOT_FOUND, EXISTS, OVER_QUOTA, ...).
 * - Every mutation bumps the mailbox's HIGHESTMODSEQ and, after commit, publishes on the ChangeBus.
 * - Mailbox names are UTF-8 with "/" as hierarchy delimiter; "INBOX" is case-insensitive and stored as "INBOX".
 * - Flags are strings exactly as IMAP spells them: system flags with a backslash ("\\Seen"), keywords without.
 *   "\\Recent" is never stored (it is per-session; see claimRecent).
 */
import type { Readable } from 'node:stream';
import type { PopDeletePolicy } from '../lib/pop-delete-policy.js';
import type { IngestMeta } from '../mime/ingest-meta.js';
import type { SortFields } from '../mime/sort-fields.js';
import type { ActivityStore, WebAccessStore } from './activity.js';

// ---------------------------------------------------------------------------------------------
// Accounts

export interface Account {
  id: number;
  /** Login name, normally an email address; stored lower-cased. */
  login: string;
  /** Quota limits; null means unlimited. */
  quotaBytes: number | null;
  quotaMessages: number | null;
  /**
   * INBOX messages saved there more than this many days ago (SAVEDATE: delivery, APPEND, COPY or MOVE
   * into INBOX, import; never the message's own date) are expunged by applyRetention; null = keep forever.
   */
  retentionDays: number | null;
  /** Per-user POP3 DELE policy; null = server default. */
  popDeletePolicy: PopDeletePolicy | null;
  /** Per-user pop3.markSeenOnRetr (does a POP3 download set \Seen?); null = server default. */
  popMarkSeen: boolean | null;
  /** May use the admin pages and the admin API. */
  admin: boolean;
  createdAt: Date;
}

export interface QuotaUsage {
  bytes: number;
  messages: number;
  limitBytes: number | null;
  limitMessages: number | null;
}

export interface AccountSettings {
  quotaBytes?: number | null;
  quotaMessages?: number | null;
  retentionDays?: number | null;
  popDeletePolicy?: PopDeletePolicy | null;
  popMarkSeen?: boolean | null;
  admin?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Mailboxes

export type SpecialUse = '\\Drafts' | '\\Sent' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

/** Created for every new account (DESIGN.md "Store model"). */
export const DEFAULT_MAILBOXES: ReadonlyArray<{ name: string; specialUse: SpecialUse | null }> = [
  { name: 'INBOX', specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

export const HIERARCHY_DELIMITER = '/';

export interface Mailbox {
  id: number;
  accountId: number;
  name: string;
  specialUse: SpecialUse | null;
  subscribed: boolean;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  /**
   * RFC 8474 MAILBOXID without its prefix: letters, digits, "_" or "-". Kept by RENAME, never given to
   * another mailbox of the store (a deleted and re-created name gets a new one).
   */
  objectId: string;
}

export interface MailboxStatus extends Mailbox {
  messages: number;
  /** Messages without \Seen. */
  unseen: number;
  /** Messages with \Deleted. */
  deleted: number;
  /** Sum of RFC822.SIZE. */
  size: number;
  /** Sum of RFC822.SIZE of the messages with \Deleted (IMAP STATUS DELETED-STORAGE, RFC 9208 §4.4). */
  deletedSize: number;
  /** Messages with UID >= the mailbox's first-recent UID (IMAP4rev1 \Recent count, not claimed). */
  recent: number;
  /** Lowest UID without \Seen, or null. */
  firstUnseenUid: number | null;
}

/**
 * What IMAP SELECT needs beyond the message list (which comes from getIndex): unlike MailboxStatus, no
 * count over every message, so it costs the same in a 100,000-message mailbox as in an empty one.
 */
export interface SelectStatus extends Mailbox {
  /** As MailboxStatus.recent. */
  recent: number;
  /** As MailboxStatus.firstUnseenUid. */
  firstUnseenUid: number | null;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** A durable, content-addressed blob (see blobs.ts). One blob may back many messages. */
export interface BlobRef {
  id: string;
  size: number;
  /**
   * Set on a ref from BlobStore.stage(): the bytes themselves, not yet stored anywhere. The store writes
   * them inside the transaction that records the message (or queue entry) referring to them, so that one
   * commit makes both durable. Refs read back from the store never carry it.
   */
  inline?: Buffer;
}

export interface MessageFlagsRecord {
  uid: number;
  modseq: number;
  flags: string[];
}

/**
 * A mailbox's flags as columns (Store.getFlagColumns): message i has UID uids[i], MODSEQ modseqs[i] and
 * the flags flagSets[flagIds[i]]. Messages share a few flag combinations, so each is listed once.
 */
export interface FlagColumns {
  /** The mailbox's HIGHESTMODSEQ at the time of the read. */
  highestModseq: number;
  /** Ascending. */
  uids: Uint32Array;
  modseqs: Float64Array;
  flagIds: Uint32Array;
  /** Distinct flag combinations (system flags first, then keywords, as MessageRecord.flags). */
  flagSets: string[][];
}

/**
 * A FETCH text read by Store.getMetaTexts: the ingest-encoded ENVELOPE, BODYSTRUCTURE, BODY, or the
 * message's blob id (for EMAILID).
 */
export type MetaTextField = 'envelope' | 'bodyStructure' | 'body' | 'blobId';

/**
 * Some ingest-encoded texts of a run of messages (Store.getMetaTexts): message i has UID uids[i] and
 * the text of fields[f] at texts[i * fields.length + f], null where the message has no metadata.
 */
export interface MetaTexts {
  /** Ascending. */
  uids: Uint32Array;
  texts: (string | null)[];
}

export interface MessageRecord extends MessageFlagsRecord {
  internalDate: Date;
  saveDate: Date;
  /** RFC822.SIZE: the blob's byte length. */
  size: number;
  blobId: string;
  /** Hidden from POP3 by the `hide` DELE policy; still visible to IMAP. */
  popHidden: boolean;
}

export interface MessageWithMeta extends MessageRecord {
  meta: IngestMeta;
}

/** A content field of SORT/THREAD a backend keeps per message (everything but the always-read sent date). */
export type SortField = Exclude<keyof SortFields, 'sentDate'>;

/** Store.getMessagesWithMeta's `searchText`: both texts, the header text only, or neither. */
export type SearchTextWanted = boolean | 'header';

/**
 * One message's SORT/THREAD fields (Store.getSortRows): its UID, INTERNALDATE (ms) and size, with the
 * content fields of mime/sort-fields.ts as computed at delivery. Fields not asked for may hold empty
 * values ('', false, null, []).
 */
export interface SortRow extends SortFields {
  uid: number;
  internalDate: number;
  size: number;
}

/** A SORT field whose value is text (what SORT compares besides dates and size). */
export type SortTextField = 'subject' | 'from' | 'to' | 'cc' | 'displayFrom' | 'displayTo';

/**
 * SortRows as columns (Store.getSortColumns): value i of each is the i-th message in UID order. A SORT of a
 * big mailbox then makes no object per message.
 */
export interface SortColumns {
  readonly uids: Float64Array;
  /** INTERNALDATE, ms. */
  readonly internalDates: Float64Array;
  readonly sizes: Float64Array;
  /** The sent date (ms), NaN for none. */
  readonly sentDates: Float64Array;
  /** The asked-for fields' values. */
  readonly text: ReadonlyMap<SortTextField, readonly string[]>;
}

/**
 * A substring a full-text index may look for (Store.searchCandidates): in the decoded header text
 * (any field's value, or an address field's addresses as ENVELOPE parses them), the decoded body text, or
 * either ("text"). Compared case-insensitively.
 */
export interface TextNeedle {
  where: 'header' | 'body' | 'text';
  value: string;
  /** For 'header': the field (HEADER, FROM, TO...), lower case; a store may index some fields apart. */
  field?: string;
}

/**
 * What a full-text index answers for some needles (Store.searchIndexed); both ascending UIDs, typically
 * Uint32Arrays (see src/lib/ascending.ts for why not arrays).
 */
export interface IndexedSearch {
  /** May contain every needle: a superset of the matches. */
  candidates: ArrayLike<number>;
  /** Of the candidates, those that certainly contain every needle. */
  proven: ArrayLike<number>;
}

/** One message to add to one mailbox. */
export interface AppendRequest {
  accountId: number;
  mailboxId: number;
  blob: BlobRef;
  meta: IngestMeta;
  flags?: string[];
  internalDate?: Date;
}

export interface AppendResult {
  mailboxId: number;
  uidValidity: number;
  uid: number;
  modseq: number;
}

/** One delivery to several recipients: one blob, one group-committed transaction. */
export interface DeliverRequest {
  blob: BlobRef;
  meta: IngestMeta;
  internalDate?: Date;
  recipients: Array<{ accountId: number; mailbox?: string; flags?: string[] }>;
}

/** Per-recipient outcome: either the append result or the error (OVER_QUOTA, NOT_FOUND, TEMP...). */
export type DeliverOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

export type FlagOperation = 'add' | 'remove' | 'set';

export interface StoreFlagsRequest {
  mailboxId: number;
  uids: readonly number[];
  operation: FlagOperation;
  flags: readonly string[];
  /** CONDSTORE UNCHANGEDSINCE: messages with a higher modseq are not changed and are reported. */
  unchangedSince?: number;
}

export interface StoreFlagsResult {
  /** Messages whose flags actually changed (with new modseq and full flag list). */
  changed: MessageFlagsRecord[];
  /** UIDs that failed the UNCHANGEDSINCE test. */
  modified: number[];
}

export interface CopyResult {
  uidValidity: number;
  /** Source UIDs in the order copied, and the new destination UIDs, pairwise. */
  sourceUids: number[];
  destUids: number[];
}

export interface ChangesSince {
  highestModseq: number;
  /** Messages added or with flags changed after the given modseq (in UID order). */
  changed: MessageFlagsRecord[];
  /** UIDs expunged after the given modseq (from the expunge log). */
  expunged: number[];
}

/** Compact mailbox index: UIDs ascending; the session's sequence map starts from this. */
export interface MailboxIndex {
  mailbox: Mailbox;
  uids: Uint32Array;
}

/** A POP3 login snapshot (getPopMaildrop): the messages not hidden from POP3, columnar, in UID order. */
export interface PopMaildropSnapshot {
  mailbox: Mailbox;
  uids: Uint32Array;
  sizes: Float64Array;
  blobIds: string[];
}

export interface IntegrityProblem {
  kind:
    | 'missing-blob'
    | 'blob-size-mismatch'
    | 'uidnext-too-low'
    | 'quota-usage-mismatch'
    | 'modseq-too-low'
    /** Stored message content without its SORT/THREAD keys (answered from the header text, more slowly). */
    | 'missing-sort-keys';
  detail: string;
  repairable: boolean;
}

/**
 * Blobs no message refers to. Normal, not a problem: a crashed delivery, an expunge or a deleted account
 * leaves them, and garbage collection removes them once they are older than its grace period.
 */
export interface UnreferencedBlobs {
  /** Still inside the grace period: a delivery in flight may be about to use them. */
  waiting: number;
  waitingBytes: number;
  /** Past the grace period: the next garbage collection removes them. */
  collectable: number;
  collectableBytes: number;
}

export interface IntegrityReport {
  checkedMessages: number;
  checkedBlobs: number;
  problems: IntegrityProblem[];
  repaired: number;
  /** As found by the check (before any repair collected them). */
  unreferenced: UnreferencedBlobs;
  /** With repair: what garbage collection removed. */
  collected?: GarbageReport;
  /**
   * A backend with a full-text index: how complete it was when checked (rows missing: an indexed SEARCH
   * misses those messages; rows extra or a stale mark: only slower), and with repair, how many message
   * texts a rebuild indexed.
   */
  searchIndex?: { missing: number; extra: number; stale: boolean; rebuilt?: number };
}

export interface GarbageReport {
  /** Blobs removed and the bytes they held. */
  removed: number;
  freedBytes: number;
  /** Unreferenced blobs left because they are younger than the grace period. */
  waiting: number;
  waitingBytes: number;
}

// ---------------------------------------------------------------------------------------------
// Blobs

export interface BlobStore {
  /**
   * Writes bytes durably (write, fsync, rename, fsync dir) and returns the reference.
   * Content-addressed: writing the same bytes twice yields the same id and one file.
   */
  put(data: Buffer | Readable): Promise<BlobRef>;
  /**
   * Optional (SQLite, issue 15): a small message's blob kept inside the database. Returns a ref carrying
   * the bytes (BlobRef.inline), written nowhere yet: the store saves them in the same transaction as the
   * message or queue entry that uses the ref, so a delivery costs one commit instead of a file's syncs
   * and then a commit. Null when `data` is above the backend's inline limit (then put() it). A staged ref
   * given to nothing is simply dropped; read() and friends know the blob only after that commit.
   */
  stage?(data: Buffer): BlobRef | null;
  /** Whole blob in memory; only for small blobs (callers check size first). */
  read(id: string): Promise<Buffer>;
  /**
   * Optional fast path (added for IMAP FETCH): the whole small blob read synchronously. A page-cached
   * local read this way costs a fraction of an async thread-pool round trip, which dominates FETCH of
   * many small messages. Callers use it only for blobs of a few hundred KB; backends without local
   * files leave it out. Throws like read().
   */
  readSync?(id: string): Buffer;
  /**
   * Optional fast path (POP3 RETR): reads the first `length` bytes of the blob synchronously into
   * target[offset, offset + length), so a caller can reuse its own buffers instead of allocating one per
   * read. Same size rules as readSync; throws NotFoundError like read(), and an error if the blob is shorter.
   */
  readIntoSync?(id: string, target: Buffer, offset: number, length: number): void;
  /** Streams [start, end) of the blob; end defaults to its size. */
  stream(id: string, start?: number, end?: number): Readable;
  exists(id: string): Promise<boolean>;
  size(id: string): Promise<number | null>;
  /** Removes a blob no message refers to (called by the store's garbage collection only). */
  remove(id: string): Promise<void>;
  /** Every stored blob id, files and database rows (for doctor / garbage collection). */
  list(): AsyncIterable<string>;
}

// ---------------------------------------------------------------------------------------------
// Outgoing queue

/** 'queued' waits for (another) attempt; 'delivered' and 'failed' are final. */
export type QueueRecipientState = 'queued' | 'delivered' | 'failed';

/** RFC 3461 NOTIFY values; NEVER stands alone. */
export type DsnNotify = 'SUCCESS' | 'FAILURE' | 'DELAY' | 'NEVER';

export interface QueueRecipient {
  address: string;
  /** Lower-cased domain part: the routing key (one transaction per message and domain). */
  domain: string;
  /** RFC 3461 NOTIFY as given; empty = not given (FAILURE and DELAY then apply). */
  notify: DsnNotify[];
  /** RFC 3461 ORCPT as given ("rfc822;bob@example.org"), or null. */
  orcpt: string | null;
  state: QueueRecipientState;
  attempts: number;
  /** When the next attempt is due (ms since the epoch). */
  nextAttempt: number;
  lastAttempt: number | null;
  /** The last reply or error, e.g. "451 4.3.0 Try again later" or "connect ECONNREFUSED". */
  lastReply: string | null;
}

export interface QueuedMessage {
  id: number;
  blob: BlobRef;
  /** Envelope sender (MAIL FROM); '' is the null sender of a bounce. */
  sender: string;
  /** RFC 3461 RET and ENVID from MAIL FROM, or null. */
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
  createdAt: number;
  /** When the delay warning (a DSN with Action: delayed) went out, or null. */
  warnedAt: number | null;
  /** In the order given at enqueue. */
  recipients: QueueRecipient[];
}

export interface EnqueueRequest {
  blob: BlobRef;
  sender: string;
  ret?: 'FULL' | 'HDRS' | null;
  envid?: string | null;
  recipients: Array<{ address: string; notify?: DsnNotify[]; orcpt?: string | null }>;
  /** Creation time and first attempt (ms); defaults to the store clock. */
  now?: number;
}

/** What one delivery attempt did to one recipient. */
export interface AttemptOutcome {
  address: string;
  outcome: 'delivered' | 'deferred' | 'failed';
  reply: string;
  /** For 'deferred': when to try again. */
  nextAttempt?: number;
}

export interface QueueSummary {
  messages: number;
  /** Recipients still waiting. */
  recipients: number;
  bytes: number;
  /** Creation time of the oldest queued message, or null. */
  oldest: number | null;
}

// ---------------------------------------------------------------------------------------------
// The store

/** Activity and web access (activity.ts) are part of every store. */
/** What verifying a login needs: the scrypt hash and the SCRAM-SHA-256 keys (server/auth/scram.ts). */
export interface PasswordRecord {
  account: Account;
  passwordHash: string;
  /** Encoded SCRAM keys; null until derived (set with the password, or at the next password login). */
  scramSha256?: string | null;
}

export interface Store extends ActivityStore, WebAccessStore {
  readonly blobs: BlobStore;

  close(): Promise<void>;

  // Accounts ------------------------------------------------------------------------------
  /** Creates the account with DEFAULT_MAILBOXES. EXISTS if the login is taken. */
  createAccount(login: string, passwordHash: string, settings?: AccountSettings): Promise<Account>;
  getAccount(login: string): Promise<Account | null>;
  getAccountById(id: number): Promise<Account | null>;
  listAccounts(): Promise<Account[]>;
  /** Whether some account's login is an address in `domain` (case-insensitive). */
  hasAccountInDomain(domain: string): Promise<boolean>;
  /** Removes the account, its mailboxes and messages (blobs are collected later). */
  deleteAccount(login: string): Promise<void>;
  getPasswordHash(login: string): Promise<PasswordRecord | null>;
  /** A new password: its hash and SCRAM keys together (null or omitted: none until the next login). */
  setPasswordHash(login: string, passwordHash: string, scramSha256?: string | null): Promise<void>;
  /**
   * Stores SCRAM keys derived from the password whose hash is `passwordHash`; false (nothing stored)
   * when the password has changed since.
   */
  setScramSha256(login: string, passwordHash: string, scramSha256: string): Promise<boolean>;
  updateAccount(login: string, settings: AccountSettings): Promise<Account>;
  getQuotaUsage(accountId: number): Promise<QuotaUsage>;

  // Mailboxes -----------------------------------------------------------------------------
  listMailboxes(accountId: number): Promise<Mailbox[]>;
  getMailbox(accountId: number, name: string): Promise<Mailbox | null>;
  getMailboxById(mailboxId: number): Promise<Mailbox | null>;
  mailboxStatus(mailboxId: number): Promise<MailboxStatus>;
  /** The parts of mailboxStatus SELECT needs, from indexes only (no scan of the mailbox). */
  selectStatus(mailboxId: number): Promise<SelectStatus>;
  /**
   * Keywords set on at least one message of the mailbox, each once (compared case-insensitively), at
   * most `limit` of them (IMAP SELECT's FLAGS). NOT_FOUND for an unknown mailbox. Called at every SELECT,
   * so it must not scan the mailbox's messages.
   */
  mailboxKeywords(mailboxId: number, limit: number): Promise<string[]>;
  /** EXISTS if present. Parent levels are not created implicitly (callers decide). */
  createMailbox(
    accountId: number,
    name: string,
    options?: { specialUse?: SpecialUse | null },
  ): Promise<Mailbox>;
  /** NOT_FOUND if absent; NOT_ALLOWED for INBOX. Children are not removed (IMAP semantics). */
  deleteMailbox(accountId: number, name: string): Promise<void>;
  /**
   * Renames the mailbox and all its children. Renaming INBOX moves its messages to a new mailbox
   * and leaves INBOX empty (RFC 9051 6.3.6). New names keep fresh UIDVALIDITY semantics.
   */
  renameMailbox(accountId: number, oldName: string, newName: string): Promise<void>;
  /** Publishes a structural change for an existing mailbox (IMAP NOTIFY SubscriptionChange). */
  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void>;
  /** Subscribed names, including names of mailboxes that no longer exist. */
  listSubscriptions(accountId: number): Promise<string[]>;

  // Messages ------------------------------------------------------------------------------
  /** UIDs ascending plus the mailbox row, in one consistent read. */
  getIndex(mailboxId: number): Promise<MailboxIndex>;
  /**
   * Optional fast path for POP3 login: the mailbox row plus UID, size and blob id of every message not
   * hidden from POP3 (popHidden), in one consistent read, without building a MessageRecord per message.
   * Without it, POP3 uses getIndex + getMessages.
   */
  getPopMaildrop?(mailboxId: number): Promise<PopMaildropSnapshot>;
  /**
   * Optional fast path for FETCH (FLAGS/UID/MODSEQ) on big mailboxes: every message's UID, MODSEQ and
   * flags as compact columns, in one consistent read. Without it, FETCH reads records per batch.
   */
  getFlagColumns?(mailboxId: number): Promise<FlagColumns>;
  /**
   * Optional fast path for FETCH ENVELOPE/BODYSTRUCTURE/BODY/EMAILID: for the given UIDs (missing ones
   * skipped), only the `fields` asked for, as getMessagesWithMeta's records have them (meta texts,
   * blobId), without a record per message.
   * Without it, FETCH reads records with all their metadata.
   */
  getMetaTexts?(
    mailboxId: number,
    uids: readonly number[],
    fields: readonly MetaTextField[],
  ): Promise<MetaTexts>;
  /** Records for the given UIDs (missing UIDs are skipped), in UID order. */
  getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]>;
  /**
   * Records plus ingest metadata (ENVELOPE, BODYSTRUCTURE, structure, search text).
   * `searchText: true` loads meta.headerText/bodyText up front (SEARCH over many messages); `'header'`
   * loads what SEARCH of header keys reads: headerText, sentDate and sentZone, every other meta field
   * empty (SEARCH FROM, SUBJECT, HEADER: the body text and the encoded structures are most of the bytes); `false` leaves both empty (FETCH needs neither); omitted, a backend may load them
   * lazily on first access.
   * `structure: false` allows leaving meta.structure empty (FETCH ENVELOPE/BODYSTRUCTURE resolve no
   * section); a backend may still fill it.
   */
  getMessagesWithMeta(
    mailboxId: number,
    uids: readonly number[],
    options?: { searchText?: SearchTextWanted; structure?: boolean },
  ): Promise<MessageWithMeta[]>;
  /**
   * Optional fast path for SORT and THREAD: for the given UIDs (ascending; missing ones skipped), in UID
   * order, one narrow row each with the sent date and the `fields` asked for, exactly as
   * sortFieldsOf(meta) computes them, kept at delivery (so no header text is read or parsed). Without it,
   * SORT and THREAD compute the fields from getMessagesWithMeta's header text.
   */
  getSortRows?(mailboxId: number, uids: readonly number[], fields: readonly SortField[]): Promise<SortRow[]>;
  /** Optional: getSortRows' values for SORT's text fields, as columns (the same values, no row objects). */
  getSortColumns?(
    mailboxId: number,
    uids: readonly number[],
    fields: readonly SortTextField[],
  ): Promise<SortColumns>;
  /**
   * Optional full-text index. The UIDs of the mailbox that may contain every needle, ascending: a
   * superset of those that do (the caller confirms each with the exact SEARCH semantics). Undefined when
   * the index cannot narrow: no needle it can look for (e.g. shorter than 3 characters), or not built.
   */
  searchCandidates?(
    mailboxId: number,
    needles: readonly TextNeedle[],
  ): Promise<ArrayLike<number> | undefined>;
  /**
   * Optional, beside searchCandidates: its candidates, and the subset the index proves to contain every
   * needle exactly as SEARCH compares them (case-insensitive substring of the decoded text), which the
   * caller need not read again. Undefined as for searchCandidates. A match by a very common word is
   * then answered from the index alone instead of reading most of the mailbox's text.
   */
  searchIndexed?(mailboxId: number, needles: readonly TextNeedle[]): Promise<IndexedSearch | undefined>;
  changesSince(mailboxId: number, modseq: number): Promise<ChangesSince>;
  /**
   * Which of these blobs (the same bytes: Message-ID, size and all) already back a message in the
   * mailbox: how an interrupted import knows what it has done.
   */
  blobsInMailbox(mailboxId: number, blobIds: readonly string[]): Promise<Set<string>>;

  /** Adds one message; quota is checked and charged in the same transaction (OVER_QUOTA). */
  append(request: AppendRequest): Promise<AppendResult>;
  /**
   * Adds several messages all or none, in one transaction (IMAP MULTIAPPEND, RFC 3502 §3): results in
   * request order with ascending UIDs per mailbox, or the first error (OVER_QUOTA counting the earlier
   * messages of the same call, NOT_FOUND...) with nothing added, no UID used and nothing charged.
   */
  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]>;
  /**
   * IMAP REPLACE (RFC 8508): removes message `replaced.uid` of `replaced.mailboxId` (a mailbox of the same
   * account) and adds `request`, in one transaction. The removed message's space is freed before the
   * quota check of the new one. NOT_FOUND when the message to replace is gone: then nothing changes.
   */
  replace(request: AppendRequest, replaced: { mailboxId: number; uid: number }): Promise<AppendResult>;
  /** Adds one blob to several accounts' mailboxes; concurrent calls share one commit. */
  deliver(request: DeliverRequest): Promise<DeliverOutcome[]>;
  storeFlags(request: StoreFlagsRequest): Promise<StoreFlagsResult>;
  /** Copies (quota-checked); destination keeps flags and INTERNALDATE. */
  copy(sourceMailboxId: number, uids: readonly number[], destMailboxId: number): Promise<CopyResult>;
  /** Atomic copy + expunge from the source (quota-neutral for the account). */
  move(sourceMailboxId: number, uids: readonly number[], destMailboxId: number): Promise<CopyResult>;
  /**
   * Removes messages. With `uids` omitted: every \Deleted message. With `uids`: only those of them
   * that carry \Deleted unless `force` (POP3 UPDATE state expunges regardless of flags).
   * Returns the UIDs actually removed, ascending. Writes the expunge log.
   */
  expunge(mailboxId: number, options?: { uids?: readonly number[]; force?: boolean }): Promise<number[]>;
  /** Marks messages hidden from POP3 (DELE policy `hide`). */
  setPopHidden(mailboxId: number, uids: readonly number[]): Promise<void>;
  /**
   * IMAP4rev1 \Recent: returns the UIDs that are recent for the caller (>= the mailbox's first-recent
   * UID) and moves first-recent past them, so only one session sees them as recent.
   */
  claimRecent(mailboxId: number): Promise<number[]>;
  /**
   * Optional: appendMany into one mailbox, then claimRecent of that mailbox, in the same transaction (a
   * rev1 session appending to its selected mailbox: one commit, not two). Without it, the caller does both.
   */
  appendClaimingRecent?(
    requests: readonly AppendRequest[],
  ): Promise<{ results: AppendResult[]; recent: number[] }>;

  // Outgoing queue ------------------------------------------------------------------------
  /**
   * Queues one message for its recipients, durably (committed before it resolves). The blob must be
   * present when the row is written (checked inside the write, as for messages), else TEMP.
   */
  enqueue(request: EnqueueRequest): Promise<QueuedMessage>;
  getQueued(id: number): Promise<QueuedMessage | null>;
  /** Every queued message, oldest first, at most `limit` (default all). */
  listQueue(options?: { limit?: number }): Promise<QueuedMessage[]>;
  /**
   * Messages with a recipient due at `now`, with all their recipients: at most `limit`, by id, from
   * the first id above `afterId` (0 = from the start), so a runner pages past what it already holds.
   */
  dueQueue(now: number, limit: number, afterId?: number): Promise<QueuedMessage[]>;
  /** The earliest next attempt of any waiting recipient, or null when nothing waits. */
  nextQueueAttempt(): Promise<number | null>;
  /**
   * Records one attempt's outcomes (recipients not named are unchanged). A message none of whose
   * recipients still waits is removed (its blob is then collected). Returns the message as it is now,
   * null when removed (or unknown).
   */
  recordAttempt(id: number, outcomes: readonly AttemptOutcome[], now: number): Promise<QueuedMessage | null>;
  /** Notes that the delay warning went out. */
  markWarned(id: number, at: number): Promise<void>;
  /** Makes waiting recipients due at `at`: of message `id`, or of every message. Returns how many. */
  rescheduleQueue(id: number | null, at: number): Promise<number>;
  /** Removes a queued message (no bounce). NOT_FOUND if absent. */
  deleteQueued(id: number): Promise<void>;
  queueSummary(): Promise<QueueSummary>;

  // Maintenance ---------------------------------------------------------------------------
  /**
   * Expunges INBOX messages saved there more than each account's retentionDays ago (by SAVEDATE, see
   * Account.retentionDays). Returns the count removed.
   */
  applyRetention(now?: Date): Promise<number>;
  /**
   * Removes blobs no message refers to and that were not written or reused within the grace period
   * (default 15 minutes), safely against deliveries in this and in other processes: a message is never
   * committed whose blob was removed.
   */
  collectGarbage(options?: { graceMs?: number }): Promise<GarbageReport>;
  /** With `repair`, fixes what is repairable and collects garbage (with the default grace period). */
  checkIntegrity(options?: { repair?: boolean }): Promise<IntegrityReport>;
}

/** Options every backend's factory accepts. */
export interface StoreOptions {
  /** Directory for blobs (and, for SQLite, the database file). */
  dataDir: string;
  bus?: import('../bus/bus.js').ChangeBus;
  /** Time source for SAVEDATE and account creation (tests move it); defaults to Date. */
  clock?: StoreClock;
  /** Where background failures (publishing after commit, watching other processes) are logged. */
  log?: import('../lib/rate-limited-log.js').ErrorLog;
  /**
   * A server process sharing the database with others of its kind (cluster workers, SQLite): waits at
   * most a few ms inside the database for a lock another process holds, and leaves watching other
   * writers to the cluster primary (src/server/cluster/README.md).
   */
  clusterWorker?: boolean;
}

export interface StoreClock {
  now(): number;
}
