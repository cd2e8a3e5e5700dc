/**
 * POP3 state per account: every UIDL seen, when it was first seen, the Maildir base chosen for it and
 * when it was durably stored (NULL while a delivery is in flight: a crash leaves the record, and the
 * next run looks for the file before downloading again).
 */
import type Database from 'better-sqlite3';

export interface Pop3Record {
  uidl: string;
  firstSeen: number;
  base: string;
  storedAt: number | null;
}

interface Row {
  uidl: string;
  first_seen: number;
  base: string;
  stored_at: number | null;
}

export class Pop3State {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      list: db.prepare<[string], Row>(
        'SELECT uidl, first_seen, base, stored_at FROM pop_messages WHERE account = ?',
      ),
      begin: db.prepare(
        'INSERT INTO pop_messages (account, uidl, first_seen, base, stored_at) VALUES (?, ?, ?, ?, NULL) ' +
          'ON CONFLICT (account, uidl) DO UPDATE SET base = excluded.base, stored_at = NULL',
      ),
      stored: db.prepare('UPDATE pop_messages SET stored_at = ? WHERE account = ? AND uidl = ?'),
      forget: db.prepare('DELETE FROM pop_messages WHERE account = ? AND uidl = ?'),
      count: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM pop_messages WHERE account = ? AND stored_at IS NOT NULL',
      ),
    };
  }

  records(account: string): Map<string, Pop3Record> {
    const map = new Map<string, Pop3Record>();
    for (const row of this.statements.list.all(account)) {
      map.set(row.uidl, {
        uidl: row.uidl,
        firstSeen: row.first_seen,
        base: row.base,
        storedAt: row.stored_at,
      });
    }
    return map;
  }

  /** Records the intent to store `uidl` as `base` (before the file is written). */
  beginDelivery(account: string, uidl: string, base: string, firstSeen: number): void {
    this.statements.begin.run(account, uidl, firstSeen, base);
  }

  markStored(account: string, uidl: string, at: number): void {
    this.statements.stored.run(at, account, uidl);
  }

  forget(account: string, uidls: Iterable<string>): void {
    this.db.transaction(() => {
      for (const uidl of uidls) this.statements.forget.run(account, uidl);
    })();
  }

  storedCount(account: string): number {
    return this.statements.count.get(account)!.n;
  }
}
