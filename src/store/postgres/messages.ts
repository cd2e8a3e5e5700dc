/** Message reads: the UID index, records by UID list, ingest metadata, STATUS counts, CONDSTORE changes. */
import type pg from 'pg';
import { DELETED_BIT, decodeFlags, SEEN_BIT } from '../sqlite/flags.js';
import { toUidRanges } from '../sqlite/uid-ranges.js';
import type { MessageFlagsRecord, MessageWithMeta, SearchTextWanted } from '../store.js';
import { row, rows, type Sql } from './db.js';
import { MESSAGE_COLUMNS, type MessageRow, type MetaRow, toMessage, toMeta } from './rows.js';

export interface StatusCounts {
  messages: number;
  unseen: number;
  deleted: number;
  deleted_size: number;
  size: number;
  recent: number;
  first_unseen: number | null;
}

/** `${select} FROM ${from}` restricted to the UID list, as merged ranges (one index range scan each). */
export async function inRanges<R extends pg.QueryResultRow>(
  sql: Sql,
  select: string,
  from: string,
  mailboxId: number,
  uids: readonly number[],
  lock = false,
): Promise<R[]> {
  const ranges = toUidRanges(uids);
  if (ranges.length === 0) return [];
  return rows<R>(
    sql,
    `${select} FROM unnest($2::bigint[], $3::bigint[]) AS r(lo, hi) JOIN ${from}
       ON m.mailbox_id = $1 AND m.uid BETWEEN r.lo AND r.hi ORDER BY m.uid${lock ? ' FOR UPDATE OF m' : ''}`,
    [mailboxId, ranges.map((r) => r[0]), ranges.map((r) => r[1])],
  );
}

export function messageRows(
  sql: Sql,
  mailboxId: number,
  uids: readonly number[],
  lock = false,
): Promise<MessageRow[]> {
  return inRanges<MessageRow>(sql, `SELECT ${MESSAGE_COLUMNS}`, 'messages AS m', mailboxId, uids, lock);
}

/**
 * Without a synchronous reader nothing can be loaded lazily: search text comes unless `searchText: false`;
 * `'header'` reads the header text only.
 */
export async function messagesWithMeta(
  sql: Sql,
  mailboxId: number,
  uids: readonly number[],
  searchText: SearchTextWanted,
): Promise<MessageWithMeta[]> {
  const meta = 't.envelope, t.body_structure, t.body, t.structure, t.preview, t.sent_date, t.sent_zone';
  const text =
    searchText === 'header'
      ? ", x.header_text, '' AS body_text"
      : searchText
        ? ', x.header_text, x.body_text'
        : '';
  const list = await inRanges<MessageRow & MetaRow>(
    sql,
    `SELECT ${MESSAGE_COLUMNS}, ${meta}${text}`,
    `messages AS m LEFT JOIN message_meta AS t ON t.id = m.meta_id${
      searchText ? ' LEFT JOIN message_text AS x ON x.meta_id = m.meta_id' : ''
    }`,
    mailboxId,
    uids,
  );
  return list.map((r) => {
    const message = toMessage(r) as MessageWithMeta;
    message.meta = toMeta(r);
    return message;
  });
}

export async function uidList(sql: Sql, mailboxId: number): Promise<Uint32Array> {
  const result = await sql.query({
    text: 'SELECT uid FROM messages WHERE mailbox_id = $1 ORDER BY uid',
    values: [mailboxId],
    rowMode: 'array',
  } as never);
  return Uint32Array.from((result.rows as unknown as number[][]).map((r) => r[0]!));
}

export async function popMaildrop(
  sql: Sql,
  mailboxId: number,
): Promise<{ uids: Uint32Array; sizes: Float64Array; blobIds: string[] }> {
  const list = await rows<{ uid: number; size: number; blob_id: string }>(
    sql,
    'SELECT uid, size, blob_id FROM messages WHERE mailbox_id = $1 AND NOT pop_hidden ORDER BY uid',
    [mailboxId],
  );
  return {
    uids: Uint32Array.from(list.map((r) => r.uid)),
    sizes: Float64Array.from(list.map((r) => r.size)),
    blobIds: list.map((r) => r.blob_id),
  };
}

export async function statusCounts(
  sql: Sql,
  mailboxId: number,
  firstRecentUid: number,
): Promise<StatusCounts> {
  return (await row<StatusCounts>(
    sql,
    `SELECT count(*) AS messages,
       count(*) FILTER (WHERE (flags & ${SEEN_BIT}) = 0) AS unseen,
       count(*) FILTER (WHERE (flags & ${DELETED_BIT}) <> 0) AS deleted,
       coalesce(sum(size), 0)::bigint AS size,
       coalesce(sum(size) FILTER (WHERE (flags & ${DELETED_BIT}) <> 0), 0)::bigint AS deleted_size,
       count(*) FILTER (WHERE uid >= $2) AS recent,
       min(uid) FILTER (WHERE (flags & ${SEEN_BIT}) = 0) AS first_unseen
     FROM messages WHERE mailbox_id = $1`,
    [mailboxId, firstRecentUid],
  ))!;
}

/** SELECT's counts by index range and the partial index messages_unseen, never a scan of the mailbox. */
export async function selectCounts(
  sql: Sql,
  mailboxId: number,
  firstRecentUid: number,
): Promise<{ recent: number; firstUnseenUid: number | null }> {
  const r = await row<{ recent: number; first_unseen: number | null }>(
    sql,
    `SELECT (SELECT count(*) FROM messages WHERE mailbox_id = $1 AND uid >= $2) AS recent,
       (SELECT min(uid) FROM messages WHERE mailbox_id = $1 AND (flags & ${SEEN_BIT}) = 0) AS first_unseen`,
    [mailboxId, firstRecentUid],
  );
  return { recent: r!.recent, firstUnseenUid: r!.first_unseen };
}

const MAX_KEYWORD_COMBINATIONS = 4096;

/** Distinct keywords, first spelling kept: one index seek per distinct combination (a loose index scan). */
export async function keywords(sql: Sql, mailboxId: number, limit: number): Promise<string[]> {
  const found = new Map<string, string>();
  let after = '';
  for (let n = 0; n < MAX_KEYWORD_COMBINATIONS && found.size < limit; n++) {
    const r = await row<{ keywords: string }>(
      sql,
      `SELECT keywords FROM messages WHERE mailbox_id = $1 AND keywords <> '' AND keywords COLLATE "C" > $2
       ORDER BY keywords COLLATE "C" LIMIT 1`,
      [mailboxId, after],
    );
    if (!r) break;
    for (const keyword of r.keywords.split(' ')) {
      const lower = keyword.toLowerCase();
      if (!found.has(lower) && found.size < limit) found.set(lower, keyword);
    }
    after = r.keywords;
  }
  return [...found.values()];
}

export async function changedSince(
  sql: Sql,
  mailboxId: number,
  modseq: number,
): Promise<MessageFlagsRecord[]> {
  const list = await rows<MessageRow>(
    sql,
    `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.mailbox_id = $1 AND m.modseq > $2 ORDER BY m.uid`,
    [mailboxId, modseq],
  );
  return list.map((r) => ({ uid: r.uid, modseq: r.modseq, flags: decodeFlags(r.flags, r.keywords) }));
}

export async function expungedSince(sql: Sql, mailboxId: number, modseq: number): Promise<number[]> {
  const list = await rows<{ uid: number }>(
    sql,
    'SELECT uid FROM expunged WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid',
    [mailboxId, modseq],
  );
  return list.map((r) => r.uid);
}

export async function blobsInMailbox(
  sql: Sql,
  mailboxId: number,
  blobIds: readonly string[],
): Promise<Set<string>> {
  const list = await rows<{ blob_id: string }>(
    sql,
    'SELECT DISTINCT blob_id FROM messages WHERE mailbox_id = $1 AND blob_id = ANY($2::text[])',
    [mailboxId, [...blobIds]],
  );
  return new Set(list.map((r) => r.blob_id));
}
