/**
 * SEARCH criteria evaluated over store records (RFC 9051 §6.4.4): flags, dates, sizes and sets from
 * MessageRecord; HEADER/BODY/TEXT and SENT* from the IngestMeta search text computed at delivery.
 * Strings match as case-insensitive substrings (the RFC's "i;unicode-casemap" approximated by toLowerCase).
 */

import { seqSetContains } from '../../../lib/seqset.js';
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import { ADDRESS_FIELDS, headerFieldValues, normalizedAddresses } from '../../../mime/search-text.js';
import type { SearchDate, SearchKey } from '../../../protocol/imap/command.js';
import type { MessageRecord } from '../../../store/store.js';
import { emailId, threadId } from '../object-id.js';

/** What a key may look at for one message. */
export interface SearchSubject {
  record: MessageRecord;
  meta?: IngestMeta;
  seq: number;
}

export interface SearchScope {
  /** EXISTS and the highest UID, for "*" in SEQ/UID keys. */
  exists: number;
  lastUid: number;
  isRecent(uid: number): boolean;
  /** RFC 5182 "$": UIDs saved by an earlier SEARCH RETURN (SAVE). */
  saved: ReadonlySet<number>;
  now: number;
}

/**
 * What the keys need beyond the record: nothing, IngestMeta (sent date), also its header text (HEADER,
 * FROM, SUBJECT..., THREADID), or also its body text (BODY, TEXT). Each includes the ones before it.
 */
export type MetaNeed = 'none' | 'meta' | 'header' | 'text';
const NEED_ORDER: readonly MetaNeed[] = ['none', 'meta', 'header', 'text'];

export function metaNeeded(key: SearchKey): MetaNeed {
  switch (key.key) {
    case 'HEADER':
    case 'THREADID':
      return 'header';
    case 'BODY':
    case 'TEXT':
      return 'text';
    case 'DATE':
      return key.field === 'sent' ? 'meta' : 'none';
    case 'AND':
      return key.keys.map(metaNeeded).reduce(stronger, 'none');
    case 'OR':
      return stronger(metaNeeded(key.left), metaNeeded(key.right));
    case 'NOT':
      return metaNeeded(key.inner);
    default:
      return 'none';
  }
}

function stronger(a: MetaNeed, b: MetaNeed): MetaNeed {
  return NEED_ORDER.indexOf(a) >= NEED_ORDER.indexOf(b) ? a : b;
}

export function matches(key: SearchKey, m: SearchSubject, scope: SearchScope): boolean {
  switch (key.key) {
    case 'ALL':
    case 'SAVEDATESUPPORTED':
      return true;
    case 'AND':
      return key.keys.every((k) => matches(k, m, scope));
    case 'OR':
      return matches(key.left, m, scope) || matches(key.right, m, scope);
    case 'NOT':
      return !matches(key.inner, m, scope);
    case 'FLAG':
      return hasFlag(m, key.flag, scope) === key.set;
    case 'HEADER':
      return headerContains(m.meta?.headerText ?? '', key.field, key.value);
    case 'BODY':
      return contains(m.meta?.bodyText ?? '', key.value);
    case 'TEXT':
      return contains(m.meta?.headerText ?? '', key.value) || contains(m.meta?.bodyText ?? '', key.value);
    case 'DATE':
      return compareDay(dateOf(key.field, m), key.date, key.op);
    case 'SIZE':
      return key.op === 'larger' ? m.record.size > key.size : m.record.size < key.size;
    case 'AGE': {
      const age = (scope.now - m.record.internalDate.getTime()) / 1000;
      return key.op === 'older' ? age >= key.seconds : age <= key.seconds;
    }
    case 'SEQ':
      if (key.set.kind === 'saved') return scope.saved.has(m.record.uid);
      return seqSetContains(key.set, m.seq, scope.exists);
    case 'UID':
      if (key.set.kind === 'saved') return scope.saved.has(m.record.uid);
      return seqSetContains(key.set, m.record.uid, scope.lastUid);
    case 'MODSEQ':
      return m.record.modseq >= key.modseq;
    case 'EMAILID':
      return emailId(m.record.blobId) === key.id;
    case 'THREADID':
      return threadId(m.record.blobId, m.meta?.headerText ?? '') === key.id;
  }
}

function hasFlag(m: SearchSubject, flag: string, scope: SearchScope): boolean {
  if (flag.toLowerCase() === '\\recent') return scope.isRecent(m.record.uid);
  const wanted = flag.toLowerCase();
  return m.record.flags.some((f) => f.toLowerCase() === wanted);
}

function contains(haystack: string, needle: string): boolean {
  if (needle === '') return true;
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

/**
 * headerText holds one unfolded "Name: value" per line. An empty value matches any message that has
 * the field (RFC 9051 §6.4.4 HEADER). Address fields also match the addresses as ENVELOPE parses them.
 */
function headerContains(headerText: string, field: string, value: string): boolean {
  const needle = value.toLowerCase();
  const addresses = ADDRESS_FIELDS.has(field.toLowerCase());
  for (const text of headerFieldValues(headerText, field)) {
    if (needle === '' || text.toLowerCase().includes(needle)) return true;
    if (addresses && normalizedAddresses(text).toLowerCase().includes(needle)) return true;
  }
  return false;
}

/**
 * The instant whose UTC day is the day to compare: INTERNALDATE and SAVEDATE in UTC; the Date header
 * shifted by its own zone, so its calendar date is the one written (RFC 3501 §6.4.4: SENT* keys
 * disregard time and timezone; a Date of 25 Mar 2007 00:00 +0200 is SENTON 25-Mar-2007).
 */
function dateOf(field: 'internal' | 'sent' | 'saved', m: SearchSubject): number | null {
  if (field === 'internal') return m.record.internalDate.getTime();
  if (field === 'saved') return m.record.saveDate.getTime();
  const sent = m.meta?.sentDate ?? null;
  return sent === null ? null : sent + (m.meta?.sentZone ?? 0) * 60_000;
}

/** Day comparison disregarding time and timezone (RFC 9051 §6.4.4); days counted in UTC. */
function compareDay(ms: number | null, date: SearchDate, op: 'before' | 'on' | 'since'): boolean {
  if (ms === null) return false;
  const day = Math.floor(ms / 86_400_000);
  const wanted = Math.floor(Date.UTC(date.year, date.month - 1, date.day) / 86_400_000);
  if (op === 'before') return day < wanted;
  if (op === 'on') return day === wanted;
  return day >= wanted;
}
