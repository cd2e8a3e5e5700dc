/**
 * STORE and UID STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3 UNCHANGEDSINCE). Without .SILENT every named
 * message gets a FETCH (FLAGS) answer, with UID for UID STORE (§6.4.9).
 */
import { formatSequenceSet } from '../../../lib/seqset.js';
import type { MessageFlagsRecord } from '../../../store/store.js';
import { type CommandSpec, done, refuse, SELECTED } from '../command-spec.js';

export const store: CommandSpec<'STORE'> = {
  states: SELECTED,
  usesSequenceNumbers: (command) => !command.uid,
  async handle(session, _tag, command) {
    if (command.unchangedSince !== undefined) session.enableCondstore();
    const selected = session.requireSelected();
    const uids = command.uid
      ? selected.resolveUidSet(command.set, session.savedSearch)
      : selected.resolveSequenceSet(command.set, session.savedSearch);
    if (selected.readOnly) return refuse('Mailbox is read-only', { code: 'READ-ONLY' });
    if (uids.length === 0) return done('STORE completed');
    const flags = command.flags.filter((f) => f.toLowerCase() !== '\\recent');
    const operation = command.operation === 'replace' ? 'set' : command.operation;
    const result = await session.store.storeFlags({
      mailboxId: selected.mailbox.id,
      uids,
      operation,
      flags,
      ...(command.unchangedSince !== undefined ? { unchangedSince: command.unchangedSince } : {}),
    });
    selected.noteOwnFlags(result.changed);
    // A keyword new to the mailbox: FLAGS first, even for .SILENT (the client must know it; as Dovecot).
    for (const response of selected.keywordAnnouncement(result.changed)) session.send(response);
    if (!command.silent) {
      const byUid = new Map<number, MessageFlagsRecord>(result.changed.map((r) => [r.uid, r]));
      const modified = new Set(result.modified);
      const unchanged = uids.filter((uid) => !byUid.has(uid) && !modified.has(uid));
      if (unchanged.length > 0) {
        const records = await session.store.getMessages(selected.mailbox.id, unchanged);
        // Unchanged by this STORE, but another session may have given them a keyword meanwhile.
        for (const response of selected.keywordAnnouncement(records)) session.send(response);
        for (const r of records) byUid.set(r.uid, r);
      }
      for (const uid of uids) {
        const record = byUid.get(uid);
        const seq = selected.seqOf(uid);
        if (!record || seq === 0) continue;
        session.send(selected.flagUpdate(seq, record, { uid: command.uid }));
      }
    }
    if (result.modified.length > 0) {
      const set = command.uid
        ? formatSequenceSet(result.modified)
        : formatSequenceSet(result.modified.map((uid) => selected.seqOf(uid)));
      return done('Conditional STORE failed for some messages', { code: 'MODIFIED', set });
    }
    return done('STORE completed');
  },
};
