/**
 * The full-text index behind SEARCH TEXT/BODY/HEADER (Store.searchCandidates): an FTS5 table with the
 * trigram tokenizer over the search text of every message_meta row, so one row serves every copy of the
 * same bytes. Contentless (the text is in message_text already); it holds the text case-folded by
 * searchFold and is case-sensitive itself, so its notion of "contains" is exactly the folded substring
 * relation and the index can only ever answer a superset of the evaluator's matches.
 *
 * While the counter `search_index_stale` is set (a rebuild in progress, or one that has not finished),
 * the index narrows nothing and SEARCH falls back to reading every message.
 */
import type Database from 'better-sqlite3';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import { indexedHeaderText, searchFold } from '../../mime/search-text.js';
import type { IndexedSearch, TextNeedle } from '../store.js';

/** FTS5's trigram tokenizer matches nothing for a phrase shorter than three characters. */
const MIN_NEEDLE_CHARS = 3;
/** message_text rows indexed per write transaction by a rebuild, so deliveries are not held up long. */
const REBUILD_BATCH = 500;
const STALE = 'search_index_stale';
/** Candidate meta ids up to which SQLite tests membership while scanning the mailbox's messages. */
const FEW_CANDIDATES = 2000;

/**
 * Whether a match of this folded needle in the body column proves what SEARCH's check would find. The
 * column holds searchFold(bodyText) exactly and a trigram phrase of three or more characters matches
 * exactly where it is a substring, so the index and the check (lower-cased substring) agree unless the
 * needle has a σ (searchFold also turns ς into σ) or characters that do not survive the round trip
 * through SQLite's UTF-8 unchanged (lone surrogates become U+FFFD).
 */
function provable(folded: string): boolean {
  return !/[σ\uFFFD\uD800-\uDFFF]/.test(folded);
}

/**
 * Schema step: the table, filled from the existing search text in the step's own transaction, so the
 * index is complete from the first start of the new version. Costs about 1 ms per message on the
 * 2-core benchmark machine: a 100,000-message store starts a minute or two later, once.
 */
export function createSearchIndex(db: Database.Database): void {
  db.exec(`
  -- Full-text search (search-index.ts): rowid = message_meta.id; header and body as searchFold folds them.
  CREATE VIRTUAL TABLE message_search USING fts5(
    header, body, tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1
  );
  `);
  const index = new SearchIndex(db);
  for (let after = 0; after >= 0; ) after = index.indexBatch(after);
}

export interface SearchIndexState {
  /** Search text rows that are not in the index, and index rows whose text is gone. */
  missing: number;
  extra: number;
  /** Marked stale: a rebuild started and has not finished (a crash or kill in the middle). */
  stale: boolean;
}

export class SearchIndex {
  private readonly insertStmt: Database.Statement;
  private readonly staleStmt: Database.Statement<[], number>;
  private readonly setStaleStmt: Database.Statement;
  private readonly dropUnusedStmt: Database.Statement;
  private readonly missingStmt: Database.Statement<[], number>;
  private readonly extraStmt: Database.Statement<[], number>;
  private readonly textBatchStmt: Database.Statement<
    [number, number],
    { meta_id: number; header_text: string; body_text: string }
  >;
  private readonly presentStmt: Database.Statement<[number], unknown>;
  private readonly candidatesStmt: Database.Statement<[number, string], number>;
  private readonly metaIdsStmt: Database.Statement<[string], string | null>;
  private readonly fewStmt: Database.Statement<[number, string], [number, number]>;
  private readonly pairsStmt: Database.Statement<[number], [string | null, string | null]>;
  private batchRows = 0;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare('INSERT INTO message_search (rowid, header, body) VALUES (?, ?, ?)');
    this.staleStmt = db
      .prepare<[], number>(`SELECT coalesce((SELECT value FROM counters WHERE name = '${STALE}'), 0)`)
      .pluck();
    this.setStaleStmt = db.prepare(
      `INSERT INTO counters (name, value) VALUES ('${STALE}', ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    // Meta rows garbage collection is about to drop (maintenance.ts dropUnusedMeta, same condition).
    this.dropUnusedStmt = db.prepare(
      `DELETE FROM message_search WHERE rowid IN (SELECT id FROM message_meta
         WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.blob_id = message_meta.blob_id))`,
    );
    // message_search_docsize has one row per indexed document (FTS5's shadow table).
    this.missingStmt = db
      .prepare<[], number>(
        `SELECT count(*) FROM message_text AS x
         WHERE NOT EXISTS (SELECT 1 FROM message_search_docsize AS d WHERE d.id = x.meta_id)`,
      )
      .pluck();
    this.extraStmt = db
      .prepare<[], number>(
        `SELECT count(*) FROM message_search_docsize AS d
         WHERE NOT EXISTS (SELECT 1 FROM message_text AS x WHERE x.meta_id = d.id)`,
      )
      .pluck();
    this.textBatchStmt = db.prepare(
      'SELECT meta_id, header_text, body_text FROM message_text WHERE meta_id > ? ORDER BY meta_id LIMIT ?',
    );
    this.presentStmt = db.prepare<[number], unknown>('SELECT 1 FROM message_search_docsize WHERE id = ?');
    // The FTS query yields meta ids store-wide; the mailbox's messages are then one primary-key range
    // scan testing membership.
    this.candidatesStmt = db
      .prepare<[number, string], number>(
        `SELECT m.uid FROM messages AS m WHERE m.mailbox_id = ? AND m.meta_id IN
           (SELECT rowid FROM message_search WHERE message_search MATCH ?) ORDER BY m.uid`,
      )
      .pluck();
    this.metaIdsStmt = db
      .prepare<[string], string | null>(
        'SELECT group_concat(rowid) FROM message_search WHERE message_search MATCH ?',
      )
      .pluck();
    this.fewStmt = db
      .prepare<[number, string], [number, number]>(
        `SELECT uid, meta_id FROM messages WHERE mailbox_id = ?
           AND meta_id IN (SELECT value FROM json_each(?)) ORDER BY uid`,
      )
      .raw();
    // Both lists in primary-key (uid) order, so they pair up by position.
    this.pairsStmt = db
      .prepare<[number], [string | null, string | null]>(
        'SELECT group_concat(uid), group_concat(meta_id) FROM messages WHERE mailbox_id = ?',
      )
      .raw();
  }

  /** Indexes one new meta row; runs in the transaction that inserts it. */
  add(metaId: number, meta: Pick<IngestMeta, 'headerText' | 'bodyText'>): void {
    this.insertStmt.run(metaId, indexedHeaderText(meta.headerText), searchFold(meta.bodyText));
  }

  /** Removes the rows of meta no message uses; runs in the transaction that deletes that meta. */
  dropUnused(): void {
    this.dropUnusedStmt.run();
  }

  /**
   * UIDs in the mailbox whose text may hold every usable needle, ascending; undefined when none is
   * usable or the index is stale. Needles the index cannot look for (too short) are left to the caller.
   */
  candidates(mailboxId: number, needles: readonly TextNeedle[]): number[] | undefined {
    return this.indexed(mailboxId, needles, false)?.candidates;
  }

  /**
   * The candidates and, with `prove`, those among them certain to match (Store.searchIndexed): every
   * needle found in the body column, which holds exactly the text the BODY and TEXT checks read. A
   * TEXT needle found in the header column only still needs the check (that column also holds
   * normalized addresses the TEXT check does not look at), and HEADER needles always do.
   */
  indexed(mailboxId: number, needles: readonly TextNeedle[], prove = true): IndexedSearch | undefined {
    const phrases: string[] = [];
    const inBody: string[] = [];
    let proofPossible = prove;
    for (const needle of needles) {
      const folded = searchFold(needle.value);
      // NUL cannot be passed inside an FTS5 query string.
      if ([...folded].length < MIN_NEEDLE_CHARS || folded.includes('\0')) {
        proofPossible = false;
        continue;
      }
      const phrase = `"${folded.replace(/"/g, '""')}"`;
      phrases.push(needle.where === 'text' ? phrase : `${needle.where} : ${phrase}`);
      if (needle.where === 'header' || !provable(folded)) proofPossible = false;
      inBody.push(`body : ${phrase}`);
    }
    if (phrases.length === 0 || this.staleStmt.get() !== 0) return undefined;
    const query = phrases.join(' AND ');
    if (!proofPossible) return { candidates: this.candidatesStmt.all(mailboxId, query), proven: [] };
    // Meta ids store-wide first, then one pass over the mailbox's messages maps them to UIDs: SQLite's IN
    // (subquery) would build a b-tree of a common word's 90,000 ids for each of the two sets.
    const bodyQuery = inBody.join(' AND ');
    const proven = this.metaIds(bodyQuery);
    let candidates = proven;
    if (bodyQuery !== query) {
      // One TEXT needle: candidates = body matches + header matches, and the header column's list is
      // far shorter than the needle's list over both columns.
      const only = needles.length === 1 && phrases.length === 1 ? phrases[0]! : null;
      candidates = only ? union(proven, this.metaIds(`header : ${only}`)) : this.metaIds(query);
    }
    if (candidates.length === 0) return { candidates: [], proven: [] };
    return this.uidsOf(mailboxId, candidates, proven);
  }

  /** The meta ids (store-wide) whose index row matches the FTS query, ascending. */
  private metaIds(query: string): number[] {
    return parseJoinedIds(this.metaIdsStmt.get(query) ?? null);
  }

  /** The mailbox's UIDs (ascending) whose meta id is among the candidates, and those proven too. */
  private uidsOf(mailboxId: number, candidates: number[], proven: number[]): IndexedSearch {
    // Meta ids are small dense integers: one byte each marks candidate (1) and proven (2).
    let max = 0;
    for (const id of candidates) if (id > max) max = id;
    const marks = new Uint8Array(max + 1);
    for (const id of candidates) marks[id] = 1;
    for (const id of proven) marks[id] = 3;
    const out: IndexedSearch = { candidates: [], proven: [] };
    const take = (uid: number, metaId: number) => {
      const mark = metaId <= max ? marks[metaId]! : 0;
      if (mark === 0) return;
      out.candidates.push(uid);
      if (mark === 3) out.proven.push(uid);
    };
    // A few candidates (a rare word): SQLite tests them while scanning; otherwise every (uid, meta id)
    // pair of the mailbox comes back as two joined columns (a row each costs µs in better-sqlite3).
    if (candidates.length <= FEW_CANDIDATES) {
      for (const [uid, metaId] of this.fewStmt.all(mailboxId, JSON.stringify(candidates))) take(uid, metaId);
      return out;
    }
    const [uids, metaIds] = this.pairsStmt.get(mailboxId) ?? [null, null];
    const uidList = parseJoinedIds(uids);
    const metaList = parseJoinedIds(metaIds);
    for (let i = 0; i < uidList.length; i++) take(uidList[i]!, metaList[i]!);
    // The scan is in primary-key order; should the planner ever pick another, the pairs still match up.
    if (!isAscending(out.candidates)) {
      out.candidates.sort((a, b) => a - b);
      out.proven.sort((a, b) => a - b);
    }
    return out;
  }

  state(): SearchIndexState {
    return {
      missing: this.missingStmt.get()!,
      extra: this.extraStmt.get()!,
      stale: this.staleStmt.get() !== 0,
    };
  }

  /**
   * Rebuilds from message_text in batches (each its own transaction, through `write`), marked stale
   * meanwhile so no SEARCH trusts a half-built index. Deliveries during the rebuild index their own rows;
   * a batch skips rows that are already in.
   */
  async rebuild(write: (job: () => void) => Promise<void>): Promise<number> {
    await write(() => {
      this.setStaleStmt.run(1);
      this.db.exec(`INSERT INTO message_search (message_search) VALUES ('delete-all')`);
    });
    let indexed = 0;
    for (let after = 0; after >= 0; ) {
      await write(() => {
        const next = this.indexBatch(after);
        indexed += this.batchRows;
        after = next;
      });
    }
    await write(() => this.setStaleStmt.run(0));
    return indexed;
  }

  /** Indexes the message_text rows after `after` not yet in; returns where to go on, -1 at the end. */
  indexBatch(after: number): number {
    const rows = this.textBatchStmt.all(after, REBUILD_BATCH);
    for (const row of rows) {
      if (this.presentStmt.get(row.meta_id) === undefined) {
        this.add(row.meta_id, { headerText: row.header_text, bodyText: row.body_text });
      }
    }
    this.batchRows = rows.length;
    return rows.length < REBUILD_BATCH ? -1 : rows[rows.length - 1]!.meta_id;
  }
}

/** Sorted union of two ascending id lists. */
function union(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  return out;
}

/**
 * "12,345,6789" (group_concat of non-negative integers) as numbers, without the intermediate strings of
 * split/map: a common word's 90,000 ids parse in about 1 ms instead of 15.
 */
export function parseJoinedIds(joined: string | null): number[] {
  const out: number[] = [];
  if (!joined) return out;
  let n = 0;
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 44) {
      out.push(n);
      n = 0;
    } else n = n * 10 + (c - 48);
  }
  out.push(n);
  return out;
}

function isAscending(list: readonly number[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]! < list[i - 1]!) return false;
  return true;
}
