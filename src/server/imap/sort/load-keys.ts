/**
 * Sort keys of the given messages of the selected mailbox: one narrow read of the fields the store keeps
 * at delivery (Store.getSortRows), or, from a store without them, computed from each message's header
 * text in batches.
 */
import type { SortColumns, SortField, SortTextField } from '../../../store/store.js';
import type { ImapSession } from '../session.js';
import { type SortKeys, sortKeysOf, sortKeysOfRow } from './sort-keys.js';

const BATCH = 2000;

/**
 * Keys for `uids` (ascending, in the session's view), with their current sequence numbers; `fields` are
 * the content fields the caller compares (others may be empty).
 */
export async function loadSortKeys(
  session: ImapSession,
  uids: readonly number[],
  fields: readonly SortField[],
): Promise<SortKeys[]> {
  const selected = session.requireSelected();
  const mailboxId = selected.mailbox.id;
  const store = session.store;
  const out: SortKeys[] = [];
  if (store.getSortRows) {
    // Rows and the view are both in UID order: one walk finds every sequence number.
    const view = selected.allUids();
    let at = 0;
    for (const row of await store.getSortRows(mailboxId, uids, fields)) {
      while (at < view.length && view[at]! < row.uid) at++;
      if (at < view.length && view[at] === row.uid) out.push(sortKeysOfRow(row, at + 1));
    }
    return out;
  }
  for (let i = 0; i < uids.length; i += BATCH) {
    const batch = uids.slice(i, i + BATCH);
    for (const record of await store.getMessagesWithMeta(mailboxId, batch, { searchText: true })) {
      const seq = selected.seqOf(record.uid);
      if (seq !== 0) out.push(sortKeysOf(record, record.meta, seq));
    }
  }
  return out;
}

/**
 * Store.getSortColumns for `uids` (ascending, in the session's view) with the places of the messages still
 * in the view, ascending (mailbox order); null when the store has no columns to give.
 */
export async function loadSortColumns(
  session: ImapSession,
  uids: readonly number[],
  fields: readonly SortTextField[],
): Promise<{ columns: SortColumns; places: Uint32Array } | null> {
  const store = session.store;
  if (!store.getSortColumns) return null;
  const selected = session.requireSelected();
  const columns = await store.getSortColumns(selected.mailbox.id, uids, fields);
  // Columns and the view are both in UID order: one walk.
  const view = selected.allUids();
  const places = new Uint32Array(columns.uids.length);
  let n = 0;
  let at = 0;
  for (let i = 0; i < columns.uids.length; i++) {
    const uid = columns.uids[i]!;
    while (at < view.length && view[at]! < uid) at++;
    if (at < view.length && view[at] === uid) places[n++] = i;
  }
  return { columns, places: places.subarray(0, n) };
}
