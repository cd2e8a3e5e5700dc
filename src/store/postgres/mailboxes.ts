/**
 * Mailbox rows: names, UIDVALIDITY allocation, UIDNEXT/HIGHESTMODSEQ counters, subscriptions, and the
 * structural changes (create, delete, rename with children and the INBOX special case).
 */
import { BadInputError, ExistsError, NotAllowedError, NotFoundError } from '../../lib/errors.js';
import { normalizeMailboxName, validateMailboxName } from '../sqlite/mailboxes.js';
import { HIERARCHY_DELIMITER, type Mailbox, type SpecialUse } from '../store.js';
import { mustGetAccountById, release } from './accounts.js';
import { row, rows, type Sql } from './db.js';
import { MAILBOX_COLUMNS, type MailboxRow, toMailbox } from './rows.js';

/** Records a changed mailbox for the notification published after commit. */
export type Touch = (accountId: number, mailboxId: number, modseq: number, structural?: boolean) => void;

/** Prefix for names during the two-phase rename; control characters are not allowed in real names. */
const RENAME_TEMP_PREFIX = '\u0001renaming-';

export async function mailboxRow(sql: Sql, id: number, lock = false): Promise<MailboxRow> {
  const r = await row<MailboxRow>(
    sql,
    `SELECT ${MAILBOX_COLUMNS} FROM mailboxes b WHERE b.id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  if (!r) throw new NotFoundError(`Mailbox ${id} not found`);
  return r;
}

export async function mailboxById(sql: Sql, id: number): Promise<Mailbox | null> {
  const r = await row<MailboxRow>(sql, `SELECT ${MAILBOX_COLUMNS} FROM mailboxes b WHERE b.id = $1`, [id]);
  return r ? toMailbox(r) : null;
}

export async function mailboxByName(sql: Sql, accountId: number, name: string): Promise<Mailbox | null> {
  const r = await row<MailboxRow>(
    sql,
    `SELECT ${MAILBOX_COLUMNS} FROM mailboxes b WHERE b.account_id = $1 AND b.name = $2`,
    [accountId, normalizeMailboxName(name)],
  );
  return r ? toMailbox(r) : null;
}

export async function mustGetMailboxByName(sql: Sql, accountId: number, name: string): Promise<Mailbox> {
  const mailbox = await mailboxByName(sql, accountId, name);
  if (!mailbox) throw new NotFoundError(`Mailbox ${name} not found`, { public: true });
  return mailbox;
}

export async function listMailboxes(sql: Sql, accountId: number): Promise<Mailbox[]> {
  // COLLATE "C": byte order, as SQLite sorts.
  const list = await rows<MailboxRow>(
    sql,
    `SELECT ${MAILBOX_COLUMNS} FROM mailboxes b WHERE b.account_id = $1 ORDER BY b.name COLLATE "C"`,
    [accountId],
  );
  return list.map(toMailbox);
}

async function insertMailbox(
  sql: Sql,
  accountId: number,
  name: string,
  specialUse: SpecialUse | null,
): Promise<Mailbox> {
  const normalized = normalizeMailboxName(name);
  validateMailboxName(normalized);
  if (await mailboxByName(sql, accountId, normalized)) {
    throw new ExistsError(`Mailbox ${normalized} already exists`, { public: true });
  }
  const validity = await nextUidValidity(sql);
  const inserted = await row<{ id: number }>(
    sql,
    `INSERT INTO mailboxes (account_id, name, special_use, uid_validity, object_id) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (account_id, name) DO NOTHING RETURNING id`,
    [accountId, normalized, specialUse, validity],
  );
  if (!inserted) throw new ExistsError(`Mailbox ${normalized} already exists`, { public: true });
  return (await mailboxById(sql, inserted.id))!;
}

/** Strictly increasing across the whole store, on every node (the counter row is locked by the upsert). */
async function nextUidValidity(sql: Sql): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const r = await row<{ value: number }>(
    sql,
    `INSERT INTO counters (name, value) VALUES ('uidvalidity', $1)
     ON CONFLICT (name) DO UPDATE SET value = greatest(counters.value + 1, $1) RETURNING value`,
    [now],
  );
  return r!.value;
}

/** Bumps HIGHESTMODSEQ and returns the new value (the modseq of this mutation). */
export async function bumpModseq(sql: Sql, id: number): Promise<number> {
  const r = await row<{ highest_modseq: number }>(
    sql,
    'UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = $1 RETURNING highest_modseq',
    [id],
  );
  if (!r) throw new NotFoundError(`Mailbox ${id} not found`);
  return r.highest_modseq;
}

/**
 * Reserves `count` UIDs and one new modseq; returns the first UID. The UPDATE takes the mailbox row's
 * lock until commit, so two nodes appending to one mailbox get disjoint UIDs and ascending modseqs, and
 * commit in allocation order per mailbox.
 */
export async function allocateUids(
  sql: Sql,
  id: number,
  count: number,
): Promise<{ firstUid: number; modseq: number }> {
  const r = await row<{ uid_next: number; highest_modseq: number }>(
    sql,
    `UPDATE mailboxes SET uid_next = uid_next + $1, highest_modseq = highest_modseq + 1 WHERE id = $2
     RETURNING uid_next, highest_modseq`,
    [count, id],
  );
  if (!r) throw new NotFoundError(`Mailbox ${id} not found`);
  return { firstUid: r.uid_next - count, modseq: r.highest_modseq };
}

export async function setSubscribed(
  sql: Sql,
  accountId: number,
  name: string,
  subscribed: boolean,
): Promise<void> {
  const normalized = normalizeMailboxName(name);
  if (subscribed) {
    await sql.query('INSERT INTO subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      accountId,
      normalized,
    ]);
  } else {
    await sql.query('DELETE FROM subscriptions WHERE account_id = $1 AND name = $2', [accountId, normalized]);
  }
}

export async function subscriptions(sql: Sql, accountId: number): Promise<string[]> {
  const list = await rows<{ name: string }>(
    sql,
    'SELECT name FROM subscriptions WHERE account_id = $1 ORDER BY name COLLATE "C"',
    [accountId],
  );
  return list.map((r) => r.name);
}

export async function createMailbox(
  sql: Sql,
  accountId: number,
  name: string,
  specialUse: SpecialUse | null,
  touch: Touch,
): Promise<Mailbox> {
  await mustGetAccountById(sql, accountId);
  const mailbox = await insertMailbox(sql, accountId, name, specialUse);
  touch(accountId, mailbox.id, mailbox.highestModseq, true);
  return mailbox;
}

/** Deletes one mailbox and its messages (children stay, IMAP semantics), returning their quota. */
export async function deleteMailbox(sql: Sql, accountId: number, name: string, touch: Touch): Promise<void> {
  const mailbox = await mustGetMailboxByName(sql, accountId, name);
  if (mailbox.name === 'INBOX') throw new NotAllowedError('INBOX cannot be deleted');
  // Locked first: a concurrent append on another node either committed (and is counted) or waits and
  // then finds the mailbox gone.
  await mailboxRow(sql, mailbox.id, true);
  const usage = await row<{ bytes: number; messages: number }>(
    sql,
    'SELECT coalesce(sum(size), 0)::bigint AS bytes, count(*) AS messages FROM messages WHERE mailbox_id = $1',
    [mailbox.id],
  );
  await release(sql, accountId, usage!.bytes, usage!.messages);
  await sql.query('DELETE FROM mailboxes WHERE id = $1', [mailbox.id]);
  touch(accountId, mailbox.id, mailbox.highestModseq + 1, true);
}

export async function renameMailbox(
  sql: Sql,
  accountId: number,
  oldName: string,
  newName: string,
  touch: Touch,
): Promise<void> {
  const from = normalizeMailboxName(oldName);
  const to = normalizeMailboxName(newName);
  const source = await mustGetMailboxByName(sql, accountId, from);
  if (from === to) throw new ExistsError(`Mailbox ${to} already exists`, { public: true });
  if (from === 'INBOX') {
    await renameInbox(sql, source, to, touch);
    return;
  }
  if (to.startsWith(`${from}${HIERARCHY_DELIMITER}`)) {
    throw new BadInputError('A mailbox cannot be renamed into its own hierarchy', { public: true });
  }
  validateMailboxName(to);
  // substr() instead of LIKE: names may contain % and _.
  const family = await rows<{ id: number; name: string }>(
    sql,
    'SELECT id, name FROM mailboxes WHERE account_id = $1 AND (name = $2 OR substr(name, 1, length($3)) = $3)',
    [accountId, from, `${from}${HIERARCHY_DELIMITER}`],
  );
  const targets = family.map((m) => ({ id: m.id, oldName: m.name, newName: to + m.name.slice(from.length) }));
  const renamedIds = new Set(family.map((m) => m.id));
  for (const target of targets) {
    const existing = await mailboxByName(sql, accountId, target.newName);
    if (existing && !renamedIds.has(existing.id)) {
      throw new ExistsError(`Mailbox ${target.newName} already exists`, { public: true });
    }
  }
  // Two phases, so a target name that is also a source name never collides mid-way.
  for (const target of targets) {
    await sql.query('UPDATE mailboxes SET name = $1 WHERE id = $2', [
      `${RENAME_TEMP_PREFIX}${target.id}`,
      target.id,
    ]);
  }
  for (const target of targets) {
    // A fresh UIDVALIDITY: a name never sees one value twice.
    const r = await row<{ highest_modseq: number }>(
      sql,
      `UPDATE mailboxes SET name = $1, uid_validity = $2, highest_modseq = highest_modseq + 1 WHERE id = $3
       RETURNING highest_modseq`,
      [target.newName, await nextUidValidity(sql), target.id],
    );
    await sql.query(
      `UPDATE subscriptions SET name = $1 WHERE account_id = $2 AND name = $3
         AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE account_id = $2 AND name = $1)`,
      [target.newName, accountId, target.oldName],
    );
    touch(accountId, target.id, r!.highest_modseq, true);
  }
}

/** RFC 9051 6.3.9: INBOX's messages move to a new mailbox and INBOX stays, empty. Children do not move. */
async function renameInbox(sql: Sql, inbox: Mailbox, to: string, touch: Touch): Promise<void> {
  const target = await insertMailbox(sql, inbox.accountId, to, null);
  const modseq = await bumpModseq(sql, inbox.id);
  const locked = await mailboxRow(sql, inbox.id, true);
  await sql.query(
    `INSERT INTO expunged (mailbox_id, uid, modseq) SELECT mailbox_id, uid, $1 FROM messages WHERE mailbox_id = $2
     ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq`,
    [modseq, inbox.id],
  );
  await sql.query('UPDATE messages SET mailbox_id = $1 WHERE mailbox_id = $2', [target.id, inbox.id]);
  await sql.query('UPDATE mailboxes SET uid_next = $1, highest_modseq = $2 WHERE id = $3', [
    locked.uid_next,
    modseq,
    target.id,
  ]);
  touch(inbox.accountId, inbox.id, modseq);
  touch(inbox.accountId, target.id, modseq, true);
}
