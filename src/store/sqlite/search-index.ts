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
    const candidates = this.candidatesStmt.all(mailboxId, query);
    if (!proofPossible) return { candidates, proven: [] };
    const bodyQuery = inBody.join(' AND ');
    // BODY needles only: the candidates query already was the proof.
    return {
      candidates,
      proven: bodyQuery === query ? candidates : this.candidatesStmt.all(mailboxId, bodyQuery),
    };
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
