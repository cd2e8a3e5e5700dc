/**
 * IMAP response encoder (RFC 9051 §7, §9): strings as atom/quoted/literal, NIL, lists, response
 * codes, status lines and untagged data. Everything returns JS strings (cheap concatenation); the
 * session writes them with `Buffer.from(s, 'utf8')` and literal sizes are counted in UTF-8 bytes.
 */

import { mailboxNameToWire } from './mailbox-name.js';
import type {
  FetchDataItem,
  ListData,
  ResponseCode,
  TaggedStatus,
  ThreadForest,
  UntaggedData,
  UntaggedResponse,
  UntaggedStatus,
} from './response.js';

export interface EncodeOptions {
  /** The session accepts UTF-8 in quoted strings (IMAP4rev2 enabled or UTF8=ACCEPT). */
  readonly utf8: boolean;
}

const REV1: EncodeOptions = { utf8: false };
/** Longer strings go out as literals: some clients cap quoted-string length. */
const MAX_QUOTED = 1024;

/** 0: literal needed, 1: quotable as is, 2: quotable with escapes. 8-bit is handled separately. */
function quotability(value: string, utf8: boolean): 0 | 1 | 2 {
  if (value.length > MAX_QUOTED) return 0;
  let result: 1 | 2 = 1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 0; // CR, LF, NUL and other controls need a literal
    if (c === 0x22 || c === 0x5c) result = 2;
    else if (c > 0x7f && !utf8) return 0;
  }
  return result;
}

/** A literal `{n}\r\n` + value (n in UTF-8 bytes). */
export function encodeLiteral(value: string): string {
  return `{${Buffer.byteLength(value, 'utf8')}}\r\n${value}`;
}

/** `string` (quoted or literal) for any text (RFC 9051 §4.3). */
export function encodeString(value: string, options: EncodeOptions = REV1): string {
  const q = quotability(value, options.utf8);
  if (q === 1) return `"${value}"`;
  if (q === 2) return `"${value.replace(/["\\]/g, '\\$&')}"`;
  return encodeLiteral(value);
}

/** `nstring`: NIL for null. */
export function encodeNString(value: string | null | undefined, options: EncodeOptions = REV1): string {
  return value === null || value === undefined ? 'NIL' : encodeString(value, options);
}

/** ATOM-CHAR (RFC 9051 §9): printable US-ASCII except atom-specials `(){ %*"\]`. */
function isAtomChar(c: number): boolean {
  return (
    c > 0x20 &&
    c < 0x7f &&
    c !== 0x28 &&
    c !== 0x29 &&
    c !== 0x7b &&
    c !== 0x25 &&
    c !== 0x2a &&
    c !== 0x22 &&
    c !== 0x5c &&
    c !== 0x5d
  );
}

function isAtom(value: string, from = 0): boolean {
  if (value.length <= from) return false;
  for (let i = from; i < value.length; i++) if (!isAtomChar(value.charCodeAt(i))) return false;
  return true;
}

/** `astring`: a bare atom when possible (not NIL, which would read as nil), else a string. */
export function encodeAstring(value: string, options: EncodeOptions = REV1): string {
  if (value.length > 0 && value.length <= 256 && isAtom(value) && value.toUpperCase() !== 'NIL') {
    return value;
  }
  return encodeString(value, options);
}

/** A parenthesised list of already-encoded items. */
export function encodeList(items: readonly string[]): string {
  return `(${items.join(' ')})`;
}

/** `(\Seen $Forwarded)`: flags are atoms (or `\*`); anything else is dropped defensively. */
export function encodeFlags(flags: readonly string[]): string {
  let out = '(';
  let first = true;
  for (const f of flags) {
    if (!isFlagText(f)) continue;
    out += first ? f : ` ${f}`;
    first = false;
  }
  return `${out})`;
}

/** flag = "\" atom / atom, plus `\*` in PERMANENTFLAGS. */
function isFlagText(flag: string): boolean {
  return flag === '\\*' || isAtom(flag, flag.charCodeAt(0) === 0x5c ? 1 : 0);
}

/** Mailbox name for responses: modified UTF-7 for rev1 sessions, UTF-8 otherwise; always a string. */
export function encodeMailboxName(name: string, options: EncodeOptions = REV1): string {
  return encodeString(mailboxNameToWire(name, options), options);
}

/** `[CODE args]` without the trailing space (RFC 9051 §7.1). */
export function encodeResponseCode(code: ResponseCode): string {
  switch (code.code) {
    case 'APPENDUID':
      return `[APPENDUID ${code.uidValidity} ${code.uids}]`;
    case 'COPYUID':
      return `[COPYUID ${code.uidValidity} ${code.source} ${code.dest}]`;
    case 'BADCHARSET':
      return code.charsets && code.charsets.length > 0
        ? `[BADCHARSET ${encodeList(code.charsets.map((c) => encodeAstring(c)))}]`
        : '[BADCHARSET]';
    case 'BADEVENT':
      return `[BADEVENT (${code.events.join(' ')})]`;
    case 'CAPABILITY':
      return `[CAPABILITY ${code.capabilities.join(' ')}]`;
    case 'NOUPDATE':
      return `[NOUPDATE ${encodeString(code.tag)}]`;
    case 'HIGHESTMODSEQ':
      return `[HIGHESTMODSEQ ${code.modseq}]`;
    case 'MAILBOXID':
      return `[MAILBOXID (${code.id})]`;
    case 'MODIFIED':
      return `[MODIFIED ${code.set}]`;
    case 'PERMANENTFLAGS':
      return `[PERMANENTFLAGS ${encodeFlags(code.flags)}]`;
    case 'UIDNEXT':
      return `[UIDNEXT ${code.uid}]`;
    case 'UIDVALIDITY':
      return `[UIDVALIDITY ${code.uidValidity}]`;
    case 'UNSEEN':
      return `[UNSEEN ${code.seq}]`;
    default:
      return `[${code.code}]`;
  }
}

/** Response text: one line, no CR/LF/NUL; never starts with "[" (it would read as a code). */
export function sanitizeText(text: string): string {
  let out = text.replaceAll('\u0000', ' ').replace(/[\r\n]+/g, ' ');
  if (out.length === 0) out = 'Done';
  else if (out.charCodeAt(0) === 0x5b) out = `(${out.slice(1)}`;
  return out;
}

function respText(code: ResponseCode | undefined, text: string): string {
  const t = sanitizeText(text);
  return code ? `${encodeResponseCode(code)} ${t}` : t;
}

/** `tag OK [code] text\r\n` */
export function encodeTagged(status: TaggedStatus): string {
  return `${status.tag} ${status.status} ${respText(status.code, status.text)}\r\n`;
}

/** `* OK [code] text\r\n`, `* BYE ...`, `* PREAUTH ...` */
export function encodeUntaggedStatus(status: UntaggedStatus): string {
  return `* ${status.status} ${respText(status.code, status.text)}\r\n`;
}

/** `+ text\r\n` (RFC 9051 §7.5); `text` may be base64 for SASL. */
export function encodeContinuation(text = 'Ready'): string {
  return `+ ${text.replace(/[\r\n]/g, '')}\r\n`;
}

function encodeListData(type: 'LIST' | 'LSUB', data: ListData, options: EncodeOptions): string {
  let out = `* ${type} ${encodeFlags(data.attributes)} ${data.delimiter === null ? 'NIL' : encodeString(data.delimiter)} `;
  out += encodeMailboxName(data.mailbox, options);
  const ext: string[] = [];
  if (data.childInfo && data.childInfo.length > 0) {
    ext.push(`"CHILDINFO" ${encodeList(data.childInfo.map((c) => encodeString(c)))}`);
  }
  if (data.oldName !== undefined) ext.push(`"OLDNAME" (${encodeMailboxName(data.oldName, options)})`);
  if (ext.length > 0) out += ` (${ext.join(' ')})`;
  return `${out}\r\n`;
}

/** One untagged data response, CRLF included. */
export function encodeUntagged(data: UntaggedData, options: EncodeOptions = REV1): string {
  switch (data.type) {
    case 'CAPABILITY':
    case 'ENABLED':
      return `* ${data.type}${data.capabilities.map((c) => ` ${c}`).join('')}\r\n`;
    case 'EXISTS':
    case 'RECENT':
      return `* ${data.count} ${data.type}\r\n`;
    case 'EXPUNGE':
      return `* ${data.seq} EXPUNGE\r\n`;
    case 'VANISHED':
      return `* VANISHED ${data.earlier ? '(EARLIER) ' : ''}${data.uids}\r\n`;
    case 'FLAGS':
      return `* FLAGS ${encodeFlags(data.flags)}\r\n`;
    case 'LIST':
    case 'LSUB':
      return encodeListData(data.type, data, options);
    case 'STATUS':
      return `* STATUS ${encodeMailboxName(data.mailbox, options)} (${data.items.map(([k, v]) => (k === 'MAILBOXID' ? `${k} (${v})` : `${k} ${v}`)).join(' ')})\r\n`;
    case 'SEARCH':
    case 'SORT': {
      const modseq = data.modseq !== undefined ? ` (MODSEQ ${data.modseq})` : '';
      return `* ${data.type}${spacedNumbers(data.numbers)}${modseq}\r\n`;
    }
    case 'THREAD':
      return `* THREAD${data.threads.ids.length > 0 ? ' ' : ''}${encodeThreads(data.threads)}\r\n`;
    case 'ESEARCH': {
      let out = '* ESEARCH';
      if (data.tag !== undefined) out += ` (TAG ${encodeString(data.tag)})`;
      if (data.uid) out += ' UID';
      if (data.min !== undefined) out += ` MIN ${data.min}`;
      if (data.max !== undefined) out += ` MAX ${data.max}`;
      if (data.all !== undefined && data.all.length > 0) out += ` ALL ${data.all}`;
      if (data.count !== undefined) out += ` COUNT ${data.count}`;
      if (data.modseq !== undefined) out += ` MODSEQ ${data.modseq}`;
      if (data.partial)
        out += ` PARTIAL (${data.partial.low}:${data.partial.high} ${data.partial.set ?? 'NIL'})`;
      const pairs = (list: readonly (readonly [number, string])[]) =>
        list.map(([p, set]) => `${p} ${set}`).join(' ');
      // Removals first: the ADDTO positions count in the list after them (RFC 5267 §4.3.2).
      if (data.removeFrom && data.removeFrom.length > 0) out += ` REMOVEFROM (${pairs(data.removeFrom)})`;
      if (data.addTo && data.addTo.length > 0) out += ` ADDTO (${pairs(data.addTo)})`;
      return `${out}\r\n`;
    }
    case 'NAMESPACE': {
      const ns = (descrs: typeof data.personal) => {
        if (descrs === null) return 'NIL';
        const items = descrs.map((d) => {
          const delimiter = d.delimiter === null ? 'NIL' : encodeString(d.delimiter);
          return `(${encodeString(mailboxNameToWire(d.prefix, options), options)} ${delimiter})`;
        });
        return `(${items.join('')})`;
      };
      return `* NAMESPACE ${ns(data.personal)} ${ns(data.otherUsers)} ${ns(data.shared)}\r\n`;
    }
    case 'QUOTA':
      return `* QUOTA ${encodeAstring(data.root, options)} (${data.resources.map((r) => `${r.name} ${r.usage} ${r.limit}`).join(' ')})\r\n`;
    case 'QUOTAROOT':
      return `* QUOTAROOT ${encodeMailboxName(data.mailbox, options)}${data.roots.map((r) => ` ${encodeAstring(r, options)}`).join('')}\r\n`;
    case 'ID':
      if (data.params === null) return '* ID NIL\r\n';
      return `* ID (${data.params.map(([k, v]) => `${encodeString(k)} ${encodeNString(v)}`).join(' ')})\r\n`;
    case 'FETCH':
      return `* ${data.seq} FETCH (${data.items.map(encodeFetchDataItem).join(' ')})\r\n`;
  }
}

/** Decimal digits of `n` (a non-negative integer) written into `out` at `at`; returns the end. */
function writeDigits(out: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  const end = at + digits;
  for (let k = end - 1; k >= at; k--) {
    out[k] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/**
 * ` 1 2 3`: a space before each number. Written as ASCII bytes (SEARCH and SORT of a 100,000-message
 * mailbox answer ~600 KB; adding number strings one by one took ~25 ms).
 */
function spacedNumbers(numbers: ArrayLike<number>): string {
  // Short lists, and anything but safe non-negative integers (none should come), as strings.
  let plain = numbers.length < 64;
  for (let i = 0; i < numbers.length && !plain; i++) {
    if (!Number.isSafeInteger(numbers[i]) || numbers[i]! < 0) plain = true;
  }
  if (plain) {
    let out = '';
    for (let i = 0; i < numbers.length; i++) out += ` ${numbers[i]}`;
    return out;
  }
  const out = Buffer.allocUnsafe(17 * numbers.length);
  let w = 0;
  for (let i = 0; i < numbers.length; i++) {
    out[w++] = 0x20;
    w = writeDigits(out, w, numbers[i]!);
  }
  return out.toString('latin1', 0, w);
}

/**
 * Every thread (RFC 5256 §4 thread-list), one after another: `(parent child ...)`, a chain of only children
 * written in line, several children each in their own parentheses: `(3 6 (4 23)(44 7 96))`, a dummy as
 * `((3)(5))`. Written as ASCII bytes into one buffer: a 100,000-message answer is ~700 KB, and building it
 * from number strings took ~25 ms.
 */
export function encodeThreads(forest: ThreadForest): string {
  const { ids, childCounts } = forest;
  // Per node at most: "(", a space, 10 digits, a space before its children, ")".
  const out = Buffer.allocUnsafe(14 * ids.length);
  let w = 0;
  let at = 0;
  // One thread from node `at` on; recursion only where a node has several children.
  const thread = (): void => {
    out[w++] = 0x28; // (
    let first = true;
    for (;;) {
      const id = ids[at]!;
      const children = childCounts[at++]!;
      if (id !== 0) {
        if (!first) out[w++] = 0x20;
        w = writeDigits(out, w, id);
        first = false;
      }
      if (children === 1) continue;
      if (children > 1) {
        if (!first) out[w++] = 0x20;
        for (let k = 0; k < children; k++) thread();
      }
      out[w++] = 0x29; // )
      return;
    }
  };
  while (at < ids.length) thread();
  return out.toString('latin1', 0, w);
}

/** One FETCH data item of the flag kind: `UID n`, `FLAGS (...)`, `MODSEQ (n)`. */
export function encodeFetchDataItem(item: FetchDataItem): string {
  switch (item.item) {
    case 'UID':
      return `UID ${item.uid}`;
    case 'FLAGS':
      return `FLAGS ${encodeFlags(item.flags)}`;
    case 'MODSEQ':
      return `MODSEQ (${item.modseq})`;
  }
}

/** Any untagged response: status lines and data alike, CRLF included. */
export function encodeUntaggedResponse(response: UntaggedResponse, options: EncodeOptions = REV1): string {
  return 'status' in response ? encodeUntaggedStatus(response) : encodeUntagged(response, options);
}
