/**
 * The full-text index behind SEARCH TEXT/BODY/HEADER (Store.searchCandidates): an FTS5 table with the
 * trigram tokenizer over the search text of every message_meta row, so one row serves every copy of the
 * same bytes. Contentless (the text is in message_text already); it holds the text case-folded by
 * searchFold and is case-sensitive itself, so its notion of "contains" is exactly the folded substring
 * relation and the index can only ever answer a superset of the evaluator's matches. A second table,
 * message_fields, has a column per common header field (FROM, TO, CC, BCC, SUBJECT keys) holding exactly
 * what the HEADER check reads, so those keys are proven by the index alone.
 *
 * While the counter `search_index_stale` is set (a rebuild in progress, or one that has not finished),
 * the index narrows nothing and SEARCH falls back to reading every message.
 */
import type Database from 'better-sqlite3';
import { intersectAscending, isAscending, unionAscending } from '../../lib/ascending.js';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import { INDEXED_FIELDS, indexedFieldText, indexedHeaderText, searchFold } from '../../mime/search-text.js';
import type { IndexedSearch, TextNeedle } from '../store.js';

/** FTS5's trigram tokenizer matches nothing for a phrase shorter than three characters. */
const MIN_NEEDLE_CHARS = 3;
/** message_text rows indexed per write transaction by a rebuild, so deliveries are not held up long. */
const REBUILD_BATCH = 500;
const STALE = 'search_index_stale';
/** Mailboxes whose (uid, meta id) pairs are kept between searches (about 1.6 MB per 100,000 messages). */
const KEPT_PAIRS = 4;
/** Candidate meta ids up to which SQLite tests membership while scanning the mailbox's messages. */
const FEW_CANDIDATES = 2000;
const EMPTY: Uint32Array = new Uint32Array(0);

/** IndexedSearch as this index answers it. */
interface IndexedUids extends IndexedSearch {
  candidates: Uint32Array;
  proven: Uint32Array;
}

/** A mailbox's (uid, meta id) pairs in UID order, and the mailbox's state they were read at. */
interface MailboxPairs {
  uidValidity: number;
  uidNext: number;
  lastExpunge: number;
  uids: Uint32Array;
  metaIds: Uint32Array;
}

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

/** message_fields' column of each indexed header field ("from" and "to" are SQL keywords). */
const FIELD_COLUMNS: ReadonlyMap<string, string> = new Map(INDEXED_FIELDS.map((f) => [f, `f_${f}`]));

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
  // Its own statement, not SearchIndex.add: a step must not depend on tables of later steps.
  const insert = db.prepare('INSERT INTO message_search (rowid, header, body) VALUES (?, ?, ?)');
  forEachText(db, (row) => insert.run(row.meta_id, ...searchColumns(row.header_text, row.body_text)));
}

/** Schema step: message_fields, filled from the stored header text (about 30 µs per message). */
export function createFieldIndex(db: Database.Database): void {
  db.exec(`
  -- Header fields as SEARCH HEADER reads them (search-index.ts, indexedFieldText); rowid = message_meta.id.
  CREATE VIRTUAL TABLE message_fields USING fts5(
    ${[...FIELD_COLUMNS.values()].join(', ')},
    tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1
  );
  `);
  const insert = db.prepare(FIELDS_INSERT);
  forEachText(db, (row) => insert.run(row.meta_id, ...fieldTexts(row.header_text)));
}

const FIELDS_INSERT = `INSERT INTO message_fields (rowid, ${[...FIELD_COLUMNS.values()].join(', ')})
  VALUES (?${', ?'.repeat(FIELD_COLUMNS.size)})`;

function fieldTexts(headerText: string): string[] {
  return INDEXED_FIELDS.map((field) => indexedFieldText(headerText, field));
}

/** message_text rows after a meta id, a batch at a time (schema steps and rebuilds). */
const TEXT_BATCH =
  'SELECT meta_id, header_text, body_text FROM message_text WHERE meta_id > ? ORDER BY meta_id LIMIT ?';

/** message_search's header and body columns for a message's search text. */
function searchColumns(headerText: string, bodyText: string): [string, string] {
  return [indexedHeaderText(headerText), searchFold(bodyText)];
}

interface TextRow {
  meta_id: number;
  header_text: string;
  body_text: string;
}

function forEachText(db: Database.Database, each: (row: TextRow) => void): void {
  const batch = db.prepare<[number, number], TextRow>(TEXT_BATCH);
  for (let after = 0; ; ) {
    const rows = batch.all(after, REBUILD_BATCH);
    for (const row of rows) each(row);
    if (rows.length < REBUILD_BATCH) return;
    after = rows[rows.length - 1]!.meta_id;
  }
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
  private readonly insertFieldsStmt: Database.Statement;
  private readonly staleStmt: Database.Statement<[], number>;
  private readonly setStaleStmt: Database.Statement;
  private readonly dropUnusedStmts: Database.Statement[];
  private readonly missingStmts: Database.Statement<[], number>[];
  private readonly extraStmts: Database.Statement<[], number>[];
  private readonly textBatchStmt: Database.Statement<[number, number], TextRow>;
  private readonly presentStmt: Database.Statement<[number], unknown>;
  private readonly fieldsPresentStmt: Database.Statement<[number], unknown>;
  private readonly metaIdsStmt: Database.Statement<[string], string | null>;
  private readonly fieldIdsStmt: Database.Statement<[string], string | null>;
  private readonly fewStmt: Database.Statement<[number, string], [number, number]>;
  private readonly pairsStmt: Database.Statement<[number, number], [string | null, string | null]>;
  private readonly versionStmt: Database.Statement<[number], [number, number, number]>;
  /** pairsOf's mailboxes, least recently filled first. */
  private readonly pairs = new Map<number, MailboxPairs>();
  private batchRows = 0;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare('INSERT INTO message_search (rowid, header, body) VALUES (?, ?, ?)');
    this.insertFieldsStmt = db.prepare(FIELDS_INSERT);
    this.staleStmt = db
      .prepare<[], number>(`SELECT coalesce((SELECT value FROM counters WHERE name = '${STALE}'), 0)`)
      .pluck();
    this.setStaleStmt = db.prepare(
      `INSERT INTO counters (name, value) VALUES ('${STALE}', ?)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
    );
    const tables = ['message_search', 'message_fields'];
    // Meta rows garbage collection is about to drop (maintenance.ts dropUnusedMeta, same condition).
    this.dropUnusedStmts = tables.map((table) =>
      db.prepare(
        `DELETE FROM ${table} WHERE rowid IN (SELECT id FROM message_meta
           WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.blob_id = message_meta.blob_id))`,
      ),
    );
    // <table>_docsize has one row per indexed document (FTS5's shadow table).
    this.missingStmts = tables.map((table) =>
      db
        .prepare<[], number>(
          `SELECT count(*) FROM message_text AS x
           WHERE NOT EXISTS (SELECT 1 FROM ${table}_docsize AS d WHERE d.id = x.meta_id)`,
        )
        .pluck(),
    );
    this.extraStmts = tables.map((table) =>
      db
        .prepare<[], number>(
          `SELECT count(*) FROM ${table}_docsize AS d
           WHERE NOT EXISTS (SELECT 1 FROM message_text AS x WHERE x.meta_id = d.id)`,
        )
        .pluck(),
    );
    this.textBatchStmt = db.prepare(TEXT_BATCH);
    this.presentStmt = db.prepare<[number], unknown>('SELECT 1 FROM message_search_docsize WHERE id = ?');
    this.fieldsPresentStmt = db.prepare<[number], unknown>(
      'SELECT 1 FROM message_fields_docsize WHERE id = ?',
    );
    // FTS queries yield meta ids store-wide, joined in one row (a row each costs µs in better-sqlite3).
    this.metaIdsStmt = db
      .prepare<[string], string | null>(
        'SELECT group_concat(rowid) FROM message_search WHERE message_search MATCH ?',
      )
      .pluck();
    this.fieldIdsStmt = db
      .prepare<[string], string | null>(
        'SELECT group_concat(rowid) FROM message_fields WHERE message_fields MATCH ?',
      )
      .pluck();
    this.fewStmt = db
      .prepare<[number, string], [number, number]>(
        `SELECT uid, meta_id FROM messages WHERE mailbox_id = ?
           AND meta_id IN (SELECT value FROM json_each(?)) ORDER BY uid`,
      )
      .raw();
    // What changes the mailbox's pairs: an append raises uid_next, an expunge logs its UID (expunged keeps
    // every one, for QRESYNC) at a new modseq. Flag changes raise highest_modseq but leave the pairs alone.
    this.versionStmt = db
      .prepare<[number], [number, number, number]>(
        `SELECT uid_validity, uid_next,
           coalesce((SELECT max(modseq) FROM expunged WHERE mailbox_id = mailboxes.id), 0)
         FROM mailboxes WHERE id = ?`,
      )
      .raw();
    // The pairs from a UID on; both lists in primary-key (uid) order, so they pair up by position.
    this.pairsStmt = db
      .prepare<[number, number], [string | null, string | null]>(
        'SELECT group_concat(uid), group_concat(meta_id) FROM messages WHERE mailbox_id = ? AND uid >= ?',
      )
      .raw();
  }

  /** Indexes one new meta row; runs in the transaction that inserts it. */
  add(metaId: number, meta: Pick<IngestMeta, 'headerText' | 'bodyText'>): void {
    this.insertStmt.run(metaId, ...searchColumns(meta.headerText, meta.bodyText));
    this.insertFieldsStmt.run(metaId, ...fieldTexts(meta.headerText));
  }

  /** Removes the rows of meta no message uses; runs in the transaction that deletes that meta. */
  dropUnused(): void {
    for (const stmt of this.dropUnusedStmts) stmt.run();
  }

  /**
   * UIDs in the mailbox whose text may hold every usable needle, ascending; undefined when none is
   * usable or the index is stale. Needles the index cannot look for (too short) are left to the caller.
   */
  candidates(mailboxId: number, needles: readonly TextNeedle[]): Uint32Array | undefined {
    return this.indexed(mailboxId, needles, false)?.candidates;
  }

  /**
   * The candidates and, with `prove`, those among them certain to match (Store.searchIndexed): every
   * needle found in the body column, which holds exactly the text the BODY and TEXT checks read, or in
   * its field's column of message_fields (FROM, TO, CC, BCC, SUBJECT). A TEXT needle found in the header
   * column only still needs the check (that column also holds normalized addresses the TEXT check does
   * not look at), and HEADER needles of other fields always do.
   */
  indexed(mailboxId: number, needles: readonly TextNeedle[], prove = true): IndexedUids | undefined {
    const anyTerms: string[] = [];
    const bodyTerms: string[] = [];
    const fieldTerms: string[] = [];
    let textPhrase: string | null = null;
    let proofPossible = prove;
    for (const needle of needles) {
      const folded = searchFold(needle.value);
      // NUL cannot be passed inside an FTS5 query string.
      if ([...folded].length < MIN_NEEDLE_CHARS || folded.includes('\0')) {
        proofPossible = false;
        continue;
      }
      const phrase = `"${folded.replace(/"/g, '""')}"`;
      const column = needle.where === 'header' ? FIELD_COLUMNS.get(needle.field ?? '') : undefined;
      if (column) {
        fieldTerms.push(`${column} : ${phrase}`);
        // A line break may span two values of the column, which the check reads one by one.
        if (!provable(folded) || folded.includes('\n')) proofPossible = false;
        continue;
      }
      anyTerms.push(needle.where === 'text' ? phrase : `${needle.where} : ${phrase}`);
      if (needle.where === 'text') textPhrase = phrase;
      if (needle.where === 'header' || !provable(folded)) proofPossible = false;
      bodyTerms.push(`body : ${phrase}`);
    }
    if (anyTerms.length + fieldTerms.length === 0 || this.staleStmt.get() !== 0) return undefined;
    // Meta ids store-wide first, then one pass over the mailbox's messages maps them to UIDs: SQLite's IN
    // (subquery) would build a b-tree of a common word's 90,000 ids for each set.
    const fieldIds = fieldTerms.length > 0 ? this.ids(this.fieldIdsStmt, fieldTerms.join(' AND ')) : null;
    const withFields = (ids: Uint32Array) => (fieldIds ? intersectAscending(ids, fieldIds) : ids);
    let candidates: Uint32Array;
    let proven: Uint32Array = EMPTY;
    if (anyTerms.length === 0) {
      candidates = fieldIds!;
      if (proofPossible) proven = candidates;
    } else if (!proofPossible) {
      candidates = withFields(this.ids(this.metaIdsStmt, anyTerms.join(' AND ')));
    } else {
      const query = anyTerms.join(' AND ');
      const bodyQuery = bodyTerms.join(' AND ');
      const inBody = this.ids(this.metaIdsStmt, bodyQuery);
      let any = inBody;
      if (bodyQuery !== query) {
        // One TEXT needle: its matches are the body matches and the header matches, and the header
        // column's list is far shorter than the needle's list over both columns.
        any =
          anyTerms.length === 1 && textPhrase
            ? unionAscending(inBody, this.ids(this.metaIdsStmt, `header : ${textPhrase}`))
            : this.ids(this.metaIdsStmt, query);
      }
      candidates = withFields(any);
      proven = withFields(inBody);
    }
    if (candidates.length === 0) return { candidates: EMPTY, proven: EMPTY };
    return this.uidsOf(mailboxId, candidates, proven);
  }

  /** The meta ids (store-wide) an FTS query matches, ascending. */
  private ids(stmt: Database.Statement<[string], string | null>, query: string): Uint32Array {
    const ids = parseJoinedIds(stmt.get(query) ?? null);
    // FTS5 yields ascending rowids; the merges rely on it, so make sure.
    if (!isAscending(ids)) ids.sort();
    return ids;
  }

  /** The mailbox's UIDs (ascending) whose meta id is among the candidates, and those proven too. */
  private uidsOf(mailboxId: number, candidates: Uint32Array, proven: Uint32Array): IndexedUids {
    // Meta ids are small dense integers: one byte each marks candidate (1) and proven (3).
    let max = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i]! > max) max = candidates[i]!;
    const marks = new Uint8Array(max + 1);
    for (let i = 0; i < candidates.length; i++) marks[candidates[i]!] = 1;
    for (let i = 0; i < proven.length; i++) marks[proven[i]!] = 3;
    // A few candidates (a rare word): SQLite tests them while scanning; otherwise every (uid, meta id)
    // pair of the mailbox comes back as two joined columns.
    let uidList: ArrayLike<number>;
    let metaList: ArrayLike<number>;
    if (candidates.length <= FEW_CANDIDATES) {
      const rows = this.fewStmt.all(mailboxId, JSON.stringify(Array.from(candidates)));
      uidList = rows.map((row) => row[0]);
      metaList = rows.map((row) => row[1]);
    } else {
      ({ uids: uidList, metaIds: metaList } = this.pairsOf(mailboxId));
    }
    const found = new Uint32Array(uidList.length);
    const sure = new Uint32Array(uidList.length);
    let nFound = 0;
    let nSure = 0;
    for (let i = 0; i < uidList.length; i++) {
      const metaId = metaList[i]!;
      const mark = metaId <= max ? marks[metaId]! : 0;
      if (mark === 0) continue;
      found[nFound++] = uidList[i]!;
      if (mark === 3) sure[nSure++] = uidList[i]!;
    }
    const out: IndexedUids = { candidates: found.subarray(0, nFound), proven: sure.subarray(0, nSure) };
    // The scans are in primary-key order; should the planner ever pick another, the pairs still match up.
    if (!isAscending(out.candidates)) {
      out.candidates.sort();
      out.proven.sort();
    }
    return out;
  }

  /**
   * Every (uid, meta id) pair of the mailbox, in UID order. The last few mailboxes' pairs are kept and
   * brought up to date: while the mailbox's UIDVALIDITY and last expunge stay the same, only messages
   * appended since (UIDs above the last kept one) are read and added; an expunge (or a new UIDVALIDITY)
   * reads them all again. Whichever process makes the change, and a message's meta id never changes.
   */
  private pairsOf(mailboxId: number): MailboxPairs {
    const [uidValidity, uidNext, lastExpunge] = this.versionStmt.get(mailboxId) ?? [0, 0, 0];
    const stored = this.pairs.get(mailboxId);
    const kept = stored?.uidValidity === uidValidity && stored.lastExpunge === lastExpunge ? stored : null;
    if (kept?.uidNext === uidNext) return kept;
    // The pairs may have been read after the version (another process appending in between): the last
    // kept UID, not the kept uid_next, says where the new ones start.
    const from = kept && kept.uids.length > 0 ? kept.uids[kept.uids.length - 1]! + 1 : 0;
    const [uids, metaIds] = this.pairsStmt.get(mailboxId, from) ?? [null, null];
    const pairs: MailboxPairs = {
      uidValidity,
      uidNext,
      lastExpunge,
      uids: concatUint32(kept?.uids ?? EMPTY, parseJoinedIds(uids)),
      metaIds: concatUint32(kept?.metaIds ?? EMPTY, parseJoinedIds(metaIds)),
    };
    this.pairs.delete(mailboxId);
    this.pairs.set(mailboxId, pairs);
    if (this.pairs.size > KEPT_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
    return pairs;
  }

  state(): SearchIndexState {
    const sum = (stmts: Database.Statement<[], number>[]) => stmts.reduce((n, s) => n + s.get()!, 0);
    return {
      missing: sum(this.missingStmts),
      extra: sum(this.extraStmts),
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
      this.db.exec(`INSERT INTO message_fields (message_fields) VALUES ('delete-all')`);
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
        this.insertStmt.run(row.meta_id, ...searchColumns(row.header_text, row.body_text));
      }
      if (this.fieldsPresentStmt.get(row.meta_id) === undefined) {
        this.insertFieldsStmt.run(row.meta_id, ...fieldTexts(row.header_text));
      }
    }
    this.batchRows = rows.length;
    return rows.length < REBUILD_BATCH ? -1 : rows[rows.length - 1]!.meta_id;
  }
}

/**
 * "12,345,6789" (group_concat of non-negative integers below 2^32) as numbers, without the intermediate
 * strings of split/map: a common word's 90,000 ids parse in about 1 ms instead of 15.
 */
export function parseJoinedIds(joined: string | null): Uint32Array {
  if (!joined) return EMPTY;
  let count = 1;
  for (let i = 0; i < joined.length; i++) if (joined.charCodeAt(i) === 44) count++;
  const out = new Uint32Array(count);
  let at = 0;
  let n = 0;
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 44) {
      out[at++] = n;
      n = 0;
    } else n = n * 10 + (c - 48);
  }
  out[at] = n;
  return out;
}

function concatUint32(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Uint32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
