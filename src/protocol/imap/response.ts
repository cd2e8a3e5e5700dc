/**
 * Typed IMAP responses (RFC 9051 §7): status responses with typed response codes, and the data the
 * untagged responses carry. Encoded to bytes by ./encoder.ts. Stable API: additive changes only.
 */
import type { StatusItem } from './command.js';

/** Response codes (RFC 9051 §7.1, RFC 5530, RFC 4315 UIDPLUS, RFC 7162, RFC 3516, RFC 5182). */
export type ResponseCode =
  | { readonly code: 'ALERT' }
  | { readonly code: 'ALREADYEXISTS' }
  | { readonly code: 'APPENDUID'; readonly uidValidity: number; readonly uids: string }
  | { readonly code: 'AUTHENTICATIONFAILED' }
  | { readonly code: 'AUTHORIZATIONFAILED' }
  | { readonly code: 'BADCHARSET'; readonly charsets?: readonly string[] }
  | { readonly code: 'CANNOT' }
  /** RFC 5465 §5.1: the events this server supports, when a NOTIFY asked for another. */
  | { readonly code: 'BADEVENT'; readonly events: readonly string[] }
  | { readonly code: 'CAPABILITY'; readonly capabilities: readonly string[] }
  | { readonly code: 'CLIENTBUG' }
  | { readonly code: 'CLOSED' }
  /** RFC 4978 §3: COMPRESS while compression is already on. */
  | { readonly code: 'COMPRESSIONACTIVE' }
  | { readonly code: 'CONTACTADMIN' }
  /** `source`/`dest` are set strings in corresponding order (use formatUidList from lib/seqset). */
  | { readonly code: 'COPYUID'; readonly uidValidity: number; readonly source: string; readonly dest: string }
  | { readonly code: 'CORRUPTION' }
  | { readonly code: 'EXPIRED' }
  | { readonly code: 'EXPUNGEISSUED' }
  | { readonly code: 'HASCHILDREN' }
  | { readonly code: 'HIGHESTMODSEQ'; readonly modseq: number }
  | { readonly code: 'INUSE' }
  | { readonly code: 'LIMIT' }
  /** RFC 8474 §4.1: `[MAILBOXID (id)]` on SELECT/EXAMINE and CREATE. */
  | { readonly code: 'MAILBOXID'; readonly id: string }
  | { readonly code: 'MODIFIED'; readonly set: string }
  | { readonly code: 'NOMODSEQ' }
  | { readonly code: 'NONEXISTENT' }
  | { readonly code: 'NOPERM' }
  /** RFC 5267 §4.3.1: the server will not keep this search (its tag) up to date. */
  | { readonly code: 'NOUPDATE'; readonly tag: string }
  /** RFC 5465 §5.8: notifications were lost; the client must resynchronise. */
  | { readonly code: 'NOTIFICATIONOVERFLOW' }
  | { readonly code: 'OVERQUOTA' }
  | { readonly code: 'PARSE' }
  | { readonly code: 'PERMANENTFLAGS'; readonly flags: readonly string[] }
  | { readonly code: 'PRIVACYREQUIRED' }
  | { readonly code: 'READ-ONLY' }
  | { readonly code: 'READ-WRITE' }
  | { readonly code: 'SERVERBUG' }
  | { readonly code: 'TOOBIG' }
  | { readonly code: 'TRYCREATE' }
  | { readonly code: 'UIDNEXT'; readonly uid: number }
  | { readonly code: 'UIDNOTSTICKY' }
  | { readonly code: 'UIDVALIDITY'; readonly uidValidity: number }
  | { readonly code: 'UNAVAILABLE' }
  | { readonly code: 'UNKNOWN-CTE' }
  | { readonly code: 'UNSEEN'; readonly seq: number }
  | { readonly code: 'NOTSAVED' }
  | { readonly code: 'USEATTR' };

export type ResponseCodeName = ResponseCode['code'];

export type StatusKind = 'OK' | 'NO' | 'BAD';

/** A tagged completion (`a1 OK [code] text`). */
export interface TaggedStatus {
  readonly tag: string;
  readonly status: StatusKind;
  readonly code?: ResponseCode;
  readonly text: string;
}

/** An untagged status (`* OK [code] text`, `* BYE text`, `* PREAUTH ...`). */
export interface UntaggedStatus {
  readonly status: StatusKind | 'BYE' | 'PREAUTH';
  readonly code?: ResponseCode;
  readonly text: string;
}

export function ok(tag: string, text: string, code?: ResponseCode): TaggedStatus {
  return code ? { tag, status: 'OK', code, text } : { tag, status: 'OK', text };
}
export function no(tag: string, text: string, code?: ResponseCode): TaggedStatus {
  return code ? { tag, status: 'NO', code, text } : { tag, status: 'NO', text };
}
export function bad(tag: string, text: string, code?: ResponseCode): TaggedStatus {
  return code ? { tag, status: 'BAD', code, text } : { tag, status: 'BAD', text };
}

// ---------------------------------------------------------------------------------------------------
// Untagged data (RFC 9051 §7.2 – §7.5)

/** `* LIST (\HasNoChildren) "/" INBOX` plus LIST-EXTENDED CHILDINFO and OLDNAME extended items. */
export interface ListData {
  readonly attributes: readonly string[];
  /** Hierarchy delimiter or null (NIL). */
  readonly delimiter: string | null;
  /** Internal UTF-8 name; the encoder applies modified UTF-7 unless the session is UTF-8. */
  readonly mailbox: string;
  readonly childInfo?: readonly string[];
  readonly oldName?: string;
}

export interface StatusData {
  readonly mailbox: string;
  /** Numbers, except MAILBOXID's objectid (RFC 8474 §4.2). */
  readonly items: readonly (readonly [StatusItem, number | string])[];
}

/** ESEARCH response (RFC 4731 §3.1, RFC 9051 §7.3.4); `all` is a set string. */
export interface EsearchData {
  readonly tag?: string;
  readonly uid: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly all?: string;
  readonly count?: number;
  readonly modseq?: number;
  /** RFC 5267 §4.4: `PARTIAL (low:high set)`; `set` null for NIL. */
  readonly partial?: { readonly low: number; readonly high: number; readonly set: string | null };
  /** RFC 5267 §4.3: context updates, `(position set ...)` pairs in order. */
  readonly addTo?: readonly (readonly [number, string])[];
  readonly removeFrom?: readonly (readonly [number, string])[];
}

export interface NamespaceDescr {
  readonly prefix: string;
  readonly delimiter: string | null;
}

export interface NamespaceData {
  readonly personal: readonly NamespaceDescr[] | null;
  readonly otherUsers: readonly NamespaceDescr[] | null;
  readonly shared: readonly NamespaceDescr[] | null;
}

/** One resource of a QUOTA response (RFC 9208 §5.1): usage and limit in the resource's units. */
export interface QuotaResource {
  readonly name: string;
  readonly usage: number;
  readonly limit: number;
}

/** A THREAD tree node: a message number, or null for a dummy parent that only groups its children. */
export interface ThreadNode {
  readonly id: number | null;
  readonly children: readonly ThreadNode[];
}

/**
 * THREAD trees as two flat arrays in preorder: each node's message number (0 for a dummy parent) and how
 * many children follow it (each with its subtree). A 100,000-message answer is two typed arrays instead of
 * 100,000 node objects and their child arrays, and renumbering it (UIDs to sequence numbers) is one map.
 */
export interface ThreadForest {
  readonly ids: Uint32Array;
  readonly childCounts: Uint32Array;
}

/** Untagged responses the encoder can serialise in one call; FETCH has its own streaming helper. */
export type UntaggedData =
  | { readonly type: 'CAPABILITY'; readonly capabilities: readonly string[] }
  | { readonly type: 'ENABLED'; readonly capabilities: readonly string[] }
  | { readonly type: 'EXISTS'; readonly count: number }
  | { readonly type: 'RECENT'; readonly count: number }
  | { readonly type: 'EXPUNGE'; readonly seq: number }
  /** `* VANISHED [(EARLIER)] set` (RFC 7162 §3.2.10). */
  | { readonly type: 'VANISHED'; readonly earlier: boolean; readonly uids: string }
  | { readonly type: 'FLAGS'; readonly flags: readonly string[] }
  | ({ readonly type: 'LIST' | 'LSUB' } & ListData)
  | ({ readonly type: 'STATUS' } & StatusData)
  /** rev1 `* SEARCH 1 2 3 [(MODSEQ n)]`. */
  | { readonly type: 'SEARCH'; readonly numbers: ArrayLike<number>; readonly modseq?: number }
  | ({ readonly type: 'ESEARCH' } & EsearchData)
  /** `* SORT 2 3 1 [(MODSEQ n)]` (RFC 5256 §4, RFC 7162 §3.1.5). */
  | { readonly type: 'SORT'; readonly numbers: readonly number[]; readonly modseq?: number }
  /** `* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256 §4). */
  | { readonly type: 'THREAD'; readonly threads: ThreadForest }
  | ({ readonly type: 'NAMESPACE' } & NamespaceData)
  /** `* QUOTA root (STORAGE 10 512)` (RFC 9208 §5.1). */
  | { readonly type: 'QUOTA'; readonly root: string; readonly resources: readonly QuotaResource[] }
  /** `* QUOTAROOT mailbox root...` (RFC 9208 §5.2); `mailbox` is the internal name. */
  | { readonly type: 'QUOTAROOT'; readonly mailbox: string; readonly roots: readonly string[] }
  /** `* ID (...)` or `* ID NIL`. */
  | { readonly type: 'ID'; readonly params: readonly (readonly [string, string | null])[] | null }
  /**
   * A FETCH of flag-sized items, in the order given (flag updates, STORE echoes, QRESYNC resync).
   * FETCH answers with message data are framed by fetch-response.ts, since bodies stream.
   */
  | { readonly type: 'FETCH'; readonly seq: number; readonly items: readonly FetchDataItem[] };

export type FetchDataItem =
  | { readonly item: 'UID'; readonly uid: number }
  | { readonly item: 'FLAGS'; readonly flags: readonly string[] }
  | { readonly item: 'MODSEQ'; readonly modseq: number };

/** What a session writes untagged: data, or a status line (`* OK [code] text`, `* BYE ...`). */
export type UntaggedResponse = UntaggedData | UntaggedStatus;
