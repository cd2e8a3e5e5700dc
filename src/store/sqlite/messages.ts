/** Message reads: the UID index, records by UID list, ingest metadata, STATUS counts, CONDSTORE changes. */
import type Database from 'better-sqlite3';
import type {
  FlagColumns,
  MessageFlagsRecord,
  MessageRecord,
  MessageWithMeta,
  MetaTextField,
  MetaTexts,
} from '../store.js';
import { DELETED_BIT, decodeFlags, SEEN_BIT } from './flags.js';
import {
  HEADER_TEXT_COLUMNS,
  MESSAGE_COLUMNS,
  META_COLUMNS,
  META_COLUMNS_NO_STRUCTURE,
  META_COLUMNS_SENT_ONLY,
  type MessageRow,
  type MetaJoinedRow,
  messageRowFromRaw,
  metaJoinedRowFromRaw,
  TEXT_COLUMNS,
  type TextRow,
  toLazyMeta,
  toMessage,
  toMeta,
} from './rows.js';
import { toUidRanges, type UidRange } from './uid-ranges.js';

export interface StatusCounts {
  messages: number;
  unseen: number;
  deleted: number;
  deleted_size: number;
  size: number;
  recent: number;
  first_unseen: number | null;
}

export type SearchTextMode = 'eager' | 'header' | 'lazy' | 'none';

/** Reads in a UID range list: one range is a plain b-tree range scan; many go through json_each. */
export class RangeQuery<Row> {
  private readonly single: Database.Statement<[number, number, number], unknown[]>;
  private readonly many: Database.Statement<[string, number], unknown[]>;

  constructor(
    db: Database.Database,
    select: string,
    from: string,
    private readonly fromRaw: (columns: unknown[]) => Row,
  ) {
    this.single = db
      .prepare<[number, number, number], unknown[]>(
        `${select} FROM ${from} WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?`,
      )
      .raw();
    // CROSS JOIN pins the range list as the outer loop, so each range is one index seek.
    this.many = db
      .prepare<[string, number], unknown[]>(
        `${select} FROM json_each(?) AS r CROSS JOIN ${from}
         WHERE m.mailbox_id = ? AND m.uid BETWEEN r.value ->> 0 AND r.value ->> 1`,
      )
      .raw();
  }

  all(mailboxId: number, ranges: UidRange[]): Row[] {
    if (ranges.length === 0) return [];
    const raw =
      ranges.length === 1
        ? this.single.all(mailboxId, ranges[0]![0], ranges[0]![1])
        : this.many.all(JSON.stringify(ranges), mailboxId);
    return raw.map(this.fromRaw);
  }
}

/** The message_meta column of each MetaTextField. */
const META_TEXT_COLUMNS: Record<MetaTextField, string> = {
  envelope: 't.envelope',
  bodyStructure: 't.body_structure',
  body: 't.body',
  blobId: 'm.blob_id',
};
const META_JOIN = 'messages AS m LEFT JOIN message_meta AS t ON t.id = m.meta_id';

export class MessageReader {
  /** metaTexts' queries by field list, prepared on first use (a client asks for few combinations). */
  private readonly metaTextQueries = new Map<string, RangeQuery<unknown[]>>();
  private readonly uidsStmt: Database.Statement<[number], number>;
  private readonly records: RangeQuery<MessageRow>;
  private readonly recordsWithMeta: RangeQuery<MetaJoinedRow>;
  private readonly recordsWithMetaNoStructure: RangeQuery<MetaJoinedRow>;
  private readonly recordsWithText: RangeQuery<MetaJoinedRow>;
  private readonly recordsWithHeaderText: RangeQuery<MetaJoinedRow>;
  private readonly statusStmt: Database.Statement<[number, number], StatusCounts>;
  private readonly recentCountStmt: Database.Statement<[number, number], number>;
  private readonly firstUnseenStmt: Database.Statement<[number], number | null>;
  private readonly changedStmt: Database.Statement<[number, number], MessageRow>;
  private readonly expungedStmt: Database.Statement<[number, number], number>;
  private readonly recentStmt: Database.Statement<[number, number], number>;
  private readonly textStmt: Database.Statement<[number], TextRow>;
  private readonly popStmt: Database.Statement<[number], unknown[]>;
  private readonly countStmt: Database.Statement<[number], number>;
  private readonly flagColumnsStmt: Database.Statement<[number], unknown[]>;
  private readonly nextKeywordsStmt: Database.Statement<[number, string], string>;
  private readonly blobInMailboxStmt: Database.Statement<[string, number], number>;

  constructor(private readonly db: Database.Database) {
    // messages_by_blob finds the (few) messages with these bytes; the mailbox narrows them.
    this.blobInMailboxStmt = db
      .prepare<[string, number], number>(
        'SELECT 1 FROM messages WHERE blob_id = ? AND mailbox_id = ? LIMIT 1',
      )
      .pluck();
    this.popStmt = db
      .prepare<[number], unknown[]>(
        'SELECT uid, size, blob_id FROM messages WHERE mailbox_id = ? AND pop_hidden = 0 ORDER BY uid',
      )
      .raw();
    this.countStmt = db
      .prepare<[number], number>('SELECT count(*) FROM messages WHERE mailbox_id = ?')
      .pluck();
    this.flagColumnsStmt = db
      .prepare<[number], unknown[]>(
        'SELECT uid, modseq, flags, keywords FROM messages WHERE mailbox_id = ? ORDER BY uid',
      )
      .raw();
    this.textStmt = db.prepare('SELECT header_text, body_text FROM message_text WHERE meta_id = ?');
    this.uidsStmt = db
      .prepare<[number], number>('SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid')
      .pluck();
    this.records = new RangeQuery(db, `SELECT ${MESSAGE_COLUMNS}`, 'messages AS m', messageRowFromRaw);
    const withMeta = `SELECT ${MESSAGE_COLUMNS}, ${META_COLUMNS}, t.id IS NOT NULL AS has_meta`;
    const metaJoin = META_JOIN;
    this.recordsWithMeta = new RangeQuery(db, withMeta, metaJoin, metaJoinedRowFromRaw);
    this.recordsWithMetaNoStructure = new RangeQuery(
      db,
      `SELECT ${MESSAGE_COLUMNS}, ${META_COLUMNS_NO_STRUCTURE}, t.id IS NOT NULL AS has_meta`,
      metaJoin,
      metaJoinedRowFromRaw,
    );
    const textJoin = `${metaJoin} LEFT JOIN message_text AS x ON x.meta_id = m.meta_id`;
    this.recordsWithText = new RangeQuery(db, `${withMeta}, ${TEXT_COLUMNS}`, textJoin, metaJoinedRowFromRaw);
    this.recordsWithHeaderText = new RangeQuery(
      db,
      `SELECT ${MESSAGE_COLUMNS}, ${META_COLUMNS_SENT_ONLY}, t.id IS NOT NULL AS has_meta, ${HEADER_TEXT_COLUMNS}`,
      textJoin,
      metaJoinedRowFromRaw,
    );
    this.statusStmt = db.prepare(
      `SELECT count(*) AS messages,
         coalesce(sum((flags & ${SEEN_BIT}) = 0), 0) AS unseen,
         coalesce(sum((flags & ${DELETED_BIT}) != 0), 0) AS deleted,
         coalesce(sum(size), 0) AS size,
         coalesce(sum(CASE WHEN (flags & ${DELETED_BIT}) != 0 THEN size END), 0) AS deleted_size,
         coalesce(sum(uid >= ?), 0) AS recent,
         min(CASE WHEN (flags & ${SEEN_BIT}) = 0 THEN uid END) AS first_unseen
       FROM messages WHERE mailbox_id = ?`,
    );
    this.recentCountStmt = db
      .prepare<[number, number], number>('SELECT count(*) FROM messages WHERE mailbox_id = ? AND uid >= ?')
      .pluck();
    // From the partial index messages_unseen (schema.ts; same expression). INDEXED BY because without
    // statistics the planner walks the primary key instead: a scan when only recent mail is unseen.
    this.firstUnseenStmt = db
      .prepare<[number], number | null>(
        `SELECT min(uid) FROM messages INDEXED BY messages_unseen
         WHERE mailbox_id = ? AND (flags & ${SEEN_BIT}) = 0`,
      )
      .pluck();
    // The next distinct keyword combination after `?` (a loose index scan over messages_keywords).
    this.nextKeywordsStmt = db
      .prepare<[number, string], string>(
        `SELECT keywords FROM messages INDEXED BY messages_keywords
         WHERE mailbox_id = ? AND keywords != '' AND keywords > ? ORDER BY keywords LIMIT 1`,
      )
      .pluck();
    this.changedStmt = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages AS m WHERE m.mailbox_id = ? AND m.modseq > ? ORDER BY m.uid`,
    );
    this.expungedStmt = db
      .prepare<[number, number], number>(
        'SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid',
      )
      .pluck();
    this.recentStmt = db
      .prepare<[number, number], number>(
        'SELECT uid FROM messages WHERE mailbox_id = ? AND uid >= ? ORDER BY uid',
      )
      .pluck();
  }

  /** POP3 login snapshot columns (messages not hidden from POP3), in UID order. */
  popMaildrop(mailboxId: number): { uids: Uint32Array; sizes: Float64Array; blobIds: string[] } {
    const rows = this.popStmt.all(mailboxId);
    const uids = new Uint32Array(rows.length);
    const sizes = new Float64Array(rows.length);
    const blobIds = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      uids[i] = row[0] as number;
      sizes[i] = row[1] as number;
      blobIds[i] = row[2] as string;
    }
    return { uids, sizes, blobIds };
  }

  /**
   * Store.getFlagColumns without the mailbox row: rows are iterated straight into typed arrays (no row
   * array, no record per message); the count comes first so the arrays are allocated once. Call inside
   * a read transaction (the count and the rows must agree).
   */
  flagColumns(mailboxId: number): Omit<FlagColumns, 'highestModseq'> {
    const count = this.countStmt.get(mailboxId) ?? 0;
    const uids = new Uint32Array(count);
    const modseqs = new Float64Array(count);
    const flagIds = new Uint32Array(count);
    const flagSets: string[][] = [];
    const ids = new Map<string | number, number>();
    let n = 0;
    for (const row of this.flagColumnsStmt.iterate(mailboxId)) {
      if (n === count) break;
      const bits = row[2] as number;
      const keywords = row[3] as string;
      const key = keywords.length === 0 ? bits : `${bits}|${keywords}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = flagSets.length;
        flagSets.push(decodeFlags(bits, keywords));
        ids.set(key, id);
      }
      uids[n] = row[0] as number;
      modseqs[n] = row[1] as number;
      flagIds[n] = id;
      n++;
    }
    return {
      uids: uids.subarray(0, n),
      modseqs: modseqs.subarray(0, n),
      flagIds: flagIds.subarray(0, n),
      flagSets,
    };
  }

  uids(mailboxId: number): Uint32Array {
    return Uint32Array.from(this.uidsStmt.all(mailboxId));
  }

  rows(mailboxId: number, uids: readonly number[]): MessageRow[] {
    return sortByUid(this.records.all(mailboxId, toUidRanges(uids)));
  }

  messages(mailboxId: number, uids: readonly number[]): MessageRecord[] {
    return this.rows(mailboxId, uids).map(toMessage);
  }

  /**
   * 'eager' joins the search text in (SEARCH), 'header' the header text only and of the other metadata
   * just the sent date and zone (SEARCH of header keys),
   * 'none' leaves it empty, 'lazy' (the default) loads it
   * per message on first access, so FETCH ENVELOPE/BODYSTRUCTURE never reads it. Without `structure`
   * the part tree (the largest column after the text) is left empty.
   */
  messagesWithMeta(
    mailboxId: number,
    uids: readonly number[],
    searchText: SearchTextMode,
    structure = true,
  ): MessageWithMeta[] {
    const eager = searchText === 'eager' || searchText === 'header';
    const query = eager
      ? searchText === 'header'
        ? this.recordsWithHeaderText
        : this.recordsWithText
      : structure
        ? this.recordsWithMeta
        : this.recordsWithMetaNoStructure;
    const rows = sortByUid(query.all(mailboxId, toUidRanges(uids)));
    return rows.map((row) => {
      const message = toMessage(row) as MessageWithMeta;
      message.meta =
        searchText === 'lazy' && row.has_meta
          ? toLazyMeta(row, () => this.textStmt.get(row.meta_id))
          : toMeta(row.has_meta ? row : undefined, eager ? (row as TextRow) : undefined);
      return message;
    });
  }

  /**
   * Store.getMetaTexts: only the asked columns, rows straight into the flat result (no row object or
   * record per message, no Date or flags array). Meta texts are NOT NULL, so null means no metadata row.
   */
  metaTexts(mailboxId: number, uids: readonly number[], fields: readonly MetaTextField[]): MetaTexts {
    const key = fields.join(' ');
    let query = this.metaTextQueries.get(key);
    if (!query) {
      const columns = fields.map((f) => `, ${META_TEXT_COLUMNS[f]}`).join('');
      query = new RangeQuery(this.db, `SELECT m.uid${columns}`, META_JOIN, (row) => row);
      this.metaTextQueries.set(key, query);
    }
    let rows = query.all(mailboxId, toUidRanges(uids));
    if (!ascending(rows)) rows = rows.sort((a, b) => (a[0] as number) - (b[0] as number));
    const width = fields.length;
    const out: MetaTexts = { uids: new Uint32Array(rows.length), texts: new Array(rows.length * width) };
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as unknown[];
      out.uids[i] = row[0] as number;
      for (let f = 0; f < width; f++) out.texts[i * width + f] = row[f + 1] as string | null;
    }
    return out;
  }

  status(mailboxId: number, firstRecentUid: number): StatusCounts {
    return this.statusStmt.get(firstRecentUid, mailboxId)!;
  }

  /** SELECT's counts by index range and partial index, never a scan of the mailbox. */
  selectCounts(mailboxId: number, firstRecentUid: number): { recent: number; firstUnseenUid: number | null } {
    return {
      recent: this.recentCountStmt.get(mailboxId, firstRecentUid) ?? 0,
      firstUnseenUid: this.firstUnseenStmt.get(mailboxId) ?? null,
    };
  }

  /**
   * Distinct keywords of the mailbox, first spelling kept: one index seek per distinct combination,
   * at most MAX_KEYWORD_COMBINATIONS of them, so a mailbox of unique combinations stays bounded too.
   */
  keywords(mailboxId: number, limit: number): string[] {
    const found = new Map<string, string>();
    let after = '';
    for (let n = 0; n < MAX_KEYWORD_COMBINATIONS && found.size < limit; n++) {
      const combination = this.nextKeywordsStmt.get(mailboxId, after);
      if (combination === undefined) break;
      for (const keyword of combination.split(' ')) {
        const lower = keyword.toLowerCase();
        if (!found.has(lower) && found.size < limit) found.set(lower, keyword);
      }
      after = combination;
    }
    return [...found.values()];
  }

  changedSince(mailboxId: number, modseq: number): MessageFlagsRecord[] {
    return this.changedStmt.all(mailboxId, modseq).map((row) => ({
      uid: row.uid,
      modseq: row.modseq,
      flags: decodeFlags(row.flags, row.keywords),
    }));
  }

  expungedSince(mailboxId: number, modseq: number): number[] {
    return this.expungedStmt.all(mailboxId, modseq);
  }

  uidsFrom(mailboxId: number, firstUid: number): number[] {
    return this.recentStmt.all(mailboxId, firstUid);
  }

  blobsInMailbox(mailboxId: number, blobIds: readonly string[]): Set<string> {
    return new Set(blobIds.filter((id) => this.blobInMailboxStmt.get(id, mailboxId) !== undefined));
  }
}

const MAX_KEYWORD_COMBINATIONS = 4096;

/** Range scans come back in UID order already; only re-sort if the planner surprised us. */
function sortByUid<T extends { uid: number }>(rows: T[]): T[] {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.uid <= rows[i - 1]!.uid) return rows.sort((a, b) => a.uid - b.uid);
  }
  return rows;
}

/** Whether raw rows (UID first) ascend, as a range scan returns them. */
function ascending(rows: unknown[][]): boolean {
  for (let i = 1; i < rows.length; i++)
    if ((rows[i - 1]![0] as number) >= (rows[i]![0] as number)) return false;
  return true;
}
