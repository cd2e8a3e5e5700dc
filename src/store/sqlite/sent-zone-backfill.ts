/**
 * Schema step addSentZone: message_meta.sent_zone for rows stored before it existed, read from the Date
 * field of the stored header search text (the same field ingest parses: the last one). A row whose header
 * text no longer holds a Date field (cut at its length bound) keeps NULL, and SEARCH takes its day in UTC.
 */
import type Database from 'better-sqlite3';
import { parseDateWithZone } from '../../mime/index.js';

/** Rows read per statement, so a large store is not held in memory at once. */
const BATCH = 1000;

export function backfillSentZone(db: Database.Database): void {
  const select = db.prepare<[number, number], { id: number; header_text: string }>(
    `SELECT t.id, x.header_text FROM message_meta AS t JOIN message_text AS x ON x.meta_id = t.id
     WHERE t.id > ? AND t.sent_date IS NOT NULL ORDER BY t.id LIMIT ?`,
  );
  const update = db.prepare('UPDATE message_meta SET sent_zone = ? WHERE id = ?');
  let after = 0;
  for (;;) {
    const rows = select.all(after, BATCH);
    for (const row of rows) {
      const value = lastDateValue(row.header_text);
      const zone = value === null ? null : (parseDateWithZone(value)?.offsetMinutes ?? null);
      if (zone !== null) update.run(zone, row.id);
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** The value of the last "Date:" line of header search text (one unfolded "Name: value" per line). */
export function lastDateValue(headerText: string): string | null {
  let value: string | null = null;
  for (const line of headerText.split('\n')) {
    if (line.length > 5 && line.slice(0, 5).toLowerCase() === 'date:') value = line.slice(5);
  }
  return value;
}
