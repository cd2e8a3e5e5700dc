/**
 * The typed IMAP command AST (RFC 9051 §6, RFC 3501 for rev1 forms, plus the extensions we serve).
 * Produced by the receiver/parsers in this folder, consumed by src/server/imap. Stable API: additive
 * changes only.
 *
 * Strings:
 * - `mailbox` fields are the name exactly as sent on the wire, decoded as UTF-8 (the parser rejects
 *   invalid UTF-8 and NUL). For rev1 sessions the server still applies modified UTF-7 decoding
 *   (`decodeMailboxName` in ./mailbox-name.ts); INBOX is not case-folded here.
 * - Flags keep their spelling (`\Seen`, `$Forwarded`); system flags are case-insensitive on the wire and
 *   are normalised to their canonical capitalisation (`\seen` → `\Seen`).
 * - Modseq values are JS numbers (the store's type); values above 2^53 are rejected by the parser.
 */
import type { SequenceSet } from '../../lib/seqset.js';

export type { SequenceSet } from '../../lib/seqset.js';

// ---------------------------------------------------------------------------------------------------
// Sections and partials (RFC 9051 §6.4.5 `section`, `partial`; RFC 3516 BINARY)

/** What a section addresses inside the part given by `part` (empty path = the whole message). */
export type SectionKind = '' | 'HEADER' | 'TEXT' | 'MIME' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';

/** Compatible with the MIME engine's `SectionSpec`. `fields` only for HEADER.FIELDS[.NOT], uppercased. */
export interface SectionSpec {
  readonly part: readonly number[];
  readonly kind: SectionKind;
  readonly fields?: readonly string[];
}

/** `<offset.length>` (RFC 9051 §6.4.5); the response echoes only `<offset>`. */
export interface Partial {
  readonly offset: number;
  readonly length: number;
}

// ---------------------------------------------------------------------------------------------------
// FETCH (RFC 9051 §6.4.5, RFC 3516, RFC 7162 §3.1.4)

export type FetchSimpleItem =
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODY' // non-extensible BODYSTRUCTURE
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ'
  | 'RFC822' // rev1: same as BODY[] but sets \Seen
  | 'RFC822.HEADER' // rev1: BODY.PEEK[HEADER]
  | 'RFC822.TEXT' // rev1: BODY[TEXT], sets \Seen
  | 'SAVEDATE' // RFC 8514
  | 'PREVIEW' // RFC 8970
  | 'EMAILID' // RFC 8474
  | 'THREADID'; // RFC 8474

export type FetchAttribute =
  | { readonly item: FetchSimpleItem }
  /** BODY[section]<partial> and BODY.PEEK[...]. */
  | {
      readonly item: 'BODY[]';
      readonly peek: boolean;
      readonly section: SectionSpec;
      readonly partial?: Partial;
    }
  /** BINARY[part]<partial> and BINARY.PEEK[...] (RFC 3516 §4.1). */
  | {
      readonly item: 'BINARY[]';
      readonly peek: boolean;
      readonly part: readonly number[];
      readonly partial?: Partial;
    }
  /** BINARY.SIZE[part] (RFC 3516 §4.2). */
  | { readonly item: 'BINARY.SIZE'; readonly part: readonly number[] };

export interface FetchModifiers {
  /** CHANGEDSINCE mod-sequence (RFC 7162 §3.1.4.1). */
  readonly changedSince?: number;
  /** VANISHED (RFC 7162 §3.2.6), only with UID FETCH and CHANGEDSINCE. */
  readonly vanished?: boolean;
}

/** ALL/FAST/FULL are expanded by the parser (RFC 9051 §6.4.5); `macro` records which was used. */
export interface FetchCommand {
  readonly name: 'FETCH';
  readonly uid: boolean;
  readonly set: SequenceSet;
  readonly attributes: readonly FetchAttribute[];
  readonly macro?: 'ALL' | 'FAST' | 'FULL';
  readonly modifiers: FetchModifiers;
}

// ---------------------------------------------------------------------------------------------------
// SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 4731 ESEARCH, RFC 7162 MODSEQ, RFC 5032 WITHIN)

/** A calendar date without time zone (RFC 9051 §9 `date`); month 1..12. */
export interface SearchDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export type SearchKey =
  | { readonly key: 'ALL' }
  /** Every AND-ed list: the top-level criteria and a parenthesised group. */
  | { readonly key: 'AND'; readonly keys: readonly SearchKey[] }
  | { readonly key: 'OR'; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly key: 'NOT'; readonly inner: SearchKey }
  /**
   * ANSWERED/DELETED/DRAFT/FLAGGED/SEEN/RECENT and KEYWORD (set: true); the UN- forms (set: false).
   * rev1 NEW = AND(\Recent, NOT \Seen) and OLD = NOT \Recent are expanded by the parser.
   */
  | { readonly key: 'FLAG'; readonly flag: string; readonly set: boolean }
  /** HEADER field value; FROM/TO/CC/BCC/SUBJECT become HEADER with that field (name lowercased). */
  | { readonly key: 'HEADER'; readonly field: string; readonly value: string }
  | { readonly key: 'BODY'; readonly value: string }
  | { readonly key: 'TEXT'; readonly value: string }
  /** BEFORE/ON/SINCE (internal date), SENTBEFORE/SENTON/SENTSINCE, SAVEDBEFORE/SAVEDON/SAVEDSINCE. */
  | {
      readonly key: 'DATE';
      readonly field: 'internal' | 'sent' | 'saved';
      readonly op: 'before' | 'on' | 'since';
      readonly date: SearchDate;
    }
  /** LARGER n / SMALLER n (RFC822.SIZE). */
  | { readonly key: 'SIZE'; readonly op: 'larger' | 'smaller'; readonly size: number }
  /** RFC 5032 OLDER/YOUNGER (seconds relative to now, on the internal date). */
  | { readonly key: 'AGE'; readonly op: 'older' | 'younger'; readonly seconds: number }
  | { readonly key: 'SEQ'; readonly set: SequenceSet }
  | { readonly key: 'UID'; readonly set: SequenceSet }
  /** MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162 §3.1.5). */
  | {
      readonly key: 'MODSEQ';
      readonly modseq: number;
      readonly entry?: { readonly name: string; readonly type: 'priv' | 'shared' | 'all' };
    }
  /** RFC 8514 SAVEDATESUPPORTED. */
  | { readonly key: 'SAVEDATESUPPORTED' }
  /** RFC 8474 §6: EMAILID / THREADID objectid. */
  | { readonly key: 'EMAILID' | 'THREADID'; readonly id: string };

/** ESEARCH RETURN options (RFC 4731 §3.1, RFC 5182 SAVE, RFC 9051 §6.4.4). */
/** RFC 4731 ESEARCH, RFC 5182 SAVE, RFC 5267 CONTEXT/UPDATE/PARTIAL (the range is in `partial`). */
export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE' | 'UPDATE' | 'CONTEXT' | 'PARTIAL';

/** RFC 5267 §4.4 `PARTIAL low:high`: 1-based positions in the result, low <= high. */
export interface PartialRange {
  readonly low: number;
  readonly high: number;
}

export interface SearchCommand {
  readonly name: 'SEARCH';
  readonly uid: boolean;
  /** CHARSET as sent (uppercased); undefined when absent. */
  readonly charset?: string;
  /**
   * undefined: no RETURN (rev1 `* SEARCH` answer unless the session is rev2).
   * An array (possibly empty = `RETURN ()`, meaning ALL): answer with ESEARCH.
   */
  readonly returnOptions?: readonly SearchReturnOption[];
  readonly partial?: PartialRange;
  /** Always an AND of the top-level keys. */
  readonly criteria: SearchKey;
}

// ---------------------------------------------------------------------------------------------------
// SORT and THREAD (RFC 5256, RFC 5267 ESORT, RFC 5957 DISPLAY)

export type SortKey =
  | 'ARRIVAL'
  | 'CC'
  | 'DATE'
  | 'FROM'
  | 'SIZE'
  | 'SUBJECT'
  | 'TO'
  | 'DISPLAYFROM'
  | 'DISPLAYTO';

export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

export interface SortCommand {
  readonly name: 'SORT';
  readonly uid: boolean;
  readonly criteria: readonly SortCriterion[];
  /** Uppercased; only supported charsets get this far (else NO [BADCHARSET]). */
  readonly charset: string;
  /** An AND of the search keys. */
  readonly search: SearchKey;
  /** ESORT (RFC 5267 §3.2): answer with ESEARCH; undefined: `* SORT`. */
  readonly returnOptions?: readonly SearchReturnOption[];
  readonly partial?: PartialRange;
}

export interface ThreadCommand {
  readonly name: 'THREAD';
  readonly uid: boolean;
  readonly algorithm: 'ORDEREDSUBJECT' | 'REFERENCES';
  readonly charset: string;
  readonly search: SearchKey;
}

// ---------------------------------------------------------------------------------------------------
// STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3)

export interface StoreCommand {
  readonly name: 'STORE';
  readonly uid: boolean;
  readonly set: SequenceSet;
  /** FLAGS = replace, +FLAGS = add, -FLAGS = remove. */
  readonly operation: 'replace' | 'add' | 'remove';
  readonly silent: boolean;
  readonly flags: readonly string[];
  /** UNCHANGEDSINCE (RFC 7162 §3.1.3). */
  readonly unchangedSince?: number;
}

// ---------------------------------------------------------------------------------------------------
// LIST and STATUS (RFC 9051 §6.3.9, §6.3.11; RFC 5258 LIST-EXTENDED; RFC 5819 LIST-STATUS; RFC 6154)

export type StatusItem =
  | 'MESSAGES'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNSEEN'
  | 'DELETED'
  | 'SIZE'
  | 'RECENT'
  | 'HIGHESTMODSEQ'
  | 'APPENDLIMIT'
  /** RFC 9208 §4.4: the storage (in 1024-octet units) used by messages with \Deleted. */
  | 'DELETED-STORAGE'
  /** RFC 8474 §4.2. */
  | 'MAILBOXID';

export type ListSelectionOption = 'SUBSCRIBED' | 'REMOTE' | 'RECURSIVEMATCH' | 'SPECIAL-USE';

export interface ListReturnOptions {
  readonly subscribed: boolean;
  readonly children: boolean;
  readonly specialUse: boolean;
  /** RETURN (STATUS (...)) (RFC 5819). */
  readonly status?: readonly StatusItem[];
}

export interface ListCommand {
  readonly name: 'LIST';
  /** Wire form, like `mailbox`. */
  readonly reference: string;
  /** One or more patterns (a parenthesised list with LIST-EXTENDED); wire form. */
  readonly patterns: readonly string[];
  readonly selectionOptions: readonly ListSelectionOption[];
  readonly returnOptions: ListReturnOptions;
  /** True when any LIST-EXTENDED syntax was used (selection options, pattern list or RETURN). */
  readonly extended: boolean;
}

// ---------------------------------------------------------------------------------------------------
// SELECT/EXAMINE parameters (RFC 7162 §3.1.8, §3.2.5)

export interface QresyncParams {
  readonly uidValidity: number;
  readonly modseq: number;
  readonly knownUids?: SequenceSet;
  readonly seqMatch?: { readonly seqs: SequenceSet; readonly uids: SequenceSet };
}

// ---------------------------------------------------------------------------------------------------
// APPEND (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 3516 literal8)

/**
 * One message of an APPEND as announced before its literal: the receiver streams the literal bytes
 * separately (see receiver.ts), so the command never holds message data.
 */
export interface AppendMessageHead {
  readonly flags: readonly string[];
  readonly date?: Date;
  /** Literal size in bytes as announced. */
  readonly size: number;
  /** `~{n}` literal8: the data may contain NUL (RFC 3516 §4.3). */
  readonly binary: boolean;
  /** Sent as `UTF8 (~{n})` (RFC 6855 §4): accepted only once the session accepts UTF-8. */
  readonly utf8: boolean;
}

/**
 * REPLACE / UID REPLACE (RFC 8508): an APPEND of one message that also removes message `id` (a sequence
 * number, or a UID when `uid`) of the selected mailbox. It streams like APPEND (receiver.ts).
 */
export interface ReplaceTarget {
  readonly uid: boolean;
  readonly id: number;
}

export interface AppendCommand {
  readonly name: 'APPEND';
  readonly mailbox: string;
  /** One entry per message (MULTIAPPEND may send several). */
  readonly messages: readonly AppendMessageHead[];
}

// ---------------------------------------------------------------------------------------------------
// NOTIFY (RFC 5465)

/** Event names as RFC 5465 §5 spells them; other names are kept (uppercased) so NOTIFY can refuse them. */
export type NotifyEvent =
  | 'MessageNew'
  | 'MessageExpunge'
  | 'FlagChange'
  | 'AnnotationChange'
  | 'MailboxName'
  | 'SubscriptionChange'
  | 'MailboxMetadataChange'
  | 'ServerMetadataChange';

export type NotifyFilter =
  | 'SELECTED'
  | 'SELECTED-DELAYED'
  | 'INBOXES'
  | 'PERSONAL'
  | 'SUBSCRIBED'
  | 'SUBTREE'
  | 'MAILBOXES';

/** `(filter-mailboxes events)`: `events` empty means NONE. */
export interface NotifyEventGroup {
  readonly filter: NotifyFilter;
  /** SUBTREE / MAILBOXES: mailbox names as sent (wire form). */
  readonly mailboxes?: readonly string[];
  readonly events: readonly (NotifyEvent | string)[];
  /** MessageNew's fetch attributes (selected mailbox only, §5.2). */
  readonly fetch?: readonly FetchAttribute[];
}

export interface NotifyCommand {
  readonly name: 'NOTIFY';
  /** null for NOTIFY NONE. */
  readonly set: { readonly status: boolean; readonly groups: readonly NotifyEventGroup[] } | null;
}

// ---------------------------------------------------------------------------------------------------
// The union

export type Command =
  | { readonly name: 'CAPABILITY' }
  | { readonly name: 'NOOP' }
  | { readonly name: 'LOGOUT' }
  | { readonly name: 'STARTTLS' }
  /** RFC 4978: the mechanism name uppercased (only DEFLATE is defined). */
  | { readonly name: 'COMPRESS'; readonly mechanism: string }
  /** `initialResponse` is the base64 text as sent (SASL-IR, RFC 4959); `=` means empty. */
  | { readonly name: 'AUTHENTICATE'; readonly mechanism: string; readonly initialResponse?: string }
  | { readonly name: 'LOGIN'; readonly username: string; readonly password: string }
  /** Capability names uppercased (RFC 5161). */
  | { readonly name: 'ENABLE'; readonly capabilities: readonly string[] }
  | {
      readonly name: 'SELECT' | 'EXAMINE';
      readonly mailbox: string;
      readonly condstore: boolean;
      readonly qresync?: QresyncParams;
    }
  /** `specialUse` from CREATE ... (USE (\Drafts)) (RFC 6154 §3). */
  | { readonly name: 'CREATE'; readonly mailbox: string; readonly specialUse?: readonly string[] }
  | { readonly name: 'DELETE'; readonly mailbox: string }
  | { readonly name: 'RENAME'; readonly from: string; readonly to: string }
  | { readonly name: 'SUBSCRIBE'; readonly mailbox: string }
  | { readonly name: 'UNSUBSCRIBE'; readonly mailbox: string }
  | ListCommand
  | { readonly name: 'LSUB'; readonly reference: string; readonly pattern: string }
  | { readonly name: 'NAMESPACE' }
  /** RFC 8437. */
  | { readonly name: 'UNAUTHENTICATE' }
  | { readonly name: 'STATUS'; readonly mailbox: string; readonly items: readonly StatusItem[] }
  | AppendCommand
  /** Only the state guard: a real REPLACE streams as append* receiver events with `replace` set. */
  | { readonly name: 'REPLACE' }
  | { readonly name: 'IDLE' }
  | { readonly name: 'CHECK' }
  | { readonly name: 'CLOSE' }
  | { readonly name: 'UNSELECT' }
  /** EXPUNGE, or UID EXPUNGE set (RFC 9051 §6.4.9) when `uid` is true. */
  | { readonly name: 'EXPUNGE'; readonly uid: false }
  | { readonly name: 'EXPUNGE'; readonly uid: true; readonly set: SequenceSet }
  | SearchCommand
  | SortCommand
  | ThreadCommand
  | FetchCommand
  | StoreCommand
  | {
      readonly name: 'COPY' | 'MOVE';
      readonly uid: boolean;
      readonly set: SequenceSet;
      readonly mailbox: string;
    }
  /** RFC 9208 §4.1.1, §4.1.2: quota roots are astrings, mailboxes as `mailbox`. */
  | { readonly name: 'GETQUOTA'; readonly root: string }
  | { readonly name: 'GETQUOTAROOT'; readonly mailbox: string }
  /** RFC 9208 §4.1.3: resource names uppercased, limits as sent. */
  | {
      readonly name: 'SETQUOTA';
      readonly root: string;
      readonly limits: readonly (readonly [string, number])[];
    }
  | NotifyCommand
  /** RFC 5267 §4.3.5: the tags of the searches whose updates stop. */
  | { readonly name: 'CANCELUPDATE'; readonly tags: readonly string[] }
  /** ID (RFC 2971): `null` for `ID NIL`, else field/value pairs in order (value null for NIL). */
  | { readonly name: 'ID'; readonly params: readonly (readonly [string, string | null])[] | null };

export type CommandName = Command['name'];

/** A command with its tag, as delivered by the receiver. */
export interface TaggedCommand {
  readonly tag: string;
  readonly command: Command;
}
