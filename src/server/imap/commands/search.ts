/**
 * SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 4731 ESEARCH, RFC 5182 SAVE). rev1 sessions without
 * RETURN get `* SEARCH`; rev2 sessions and RETURN (...) get `* ESEARCH (TAG ...)`.
 */
import { formatSequenceSet } from '../../../lib/seqset.js';
import type { SearchCommand } from '../../../protocol/imap/command.js';
import type { IngestMeta, MessageRecord } from '../../../store/store.js';
import { type CommandSpec, done, refuse, SELECTED } from '../command-spec.js';
import { matches, metaNeeded, type SearchScope } from '../search/evaluate.js';
import type { ImapSession } from '../session.js';
import { quoted } from '../wire.js';

const CHARSETS = ['UTF-8', 'US-ASCII'];
const BATCH = 2000;

export const search: CommandSpec<'SEARCH'> = {
  states: SELECTED,
  usesSequenceNumbers: (command) => !command.uid,
  async handle(session, tag, command) {
    if (command.charset !== undefined && !CHARSETS.includes(command.charset)) {
      return refuse('Unsupported charset', { code: 'BADCHARSET', charsets: CHARSETS });
    }
    const found = await findUids(session, command);
    answer(session, tag, command, found);
    return done('SEARCH completed');
  },
};

/** UIDs of the messages in the session's view that match, ascending. */
async function findUids(session: ImapSession, command: SearchCommand): Promise<number[]> {
  const selected = session.requireSelected();
  const view = Array.from(selected.allUids());
  const scope: SearchScope = {
    exists: selected.exists(),
    lastUid: selected.lastUid(),
    isRecent: (uid) => selected.isRecent(uid),
    saved: new Set(session.savedSearch),
    now: Date.now(),
  };
  const need = metaNeeded(command.criteria);
  const found: number[] = [];
  for (let i = 0; i < view.length; i += BATCH) {
    const batch = view.slice(i, i + BATCH);
    const records: (MessageRecord & { meta?: IngestMeta })[] =
      need === 'none'
        ? await session.store.getMessages(selected.mailbox.id, batch)
        : await session.store.getMessagesWithMeta(selected.mailbox.id, batch, {
            searchText: need === 'text',
          });
    for (const record of records) {
      const seq = selected.seqOf(record.uid);
      if (seq === 0) continue;
      const subject = record.meta ? { record, meta: record.meta, seq } : { record, seq };
      if (matches(command.criteria, subject, scope)) found.push(record.uid);
    }
  }
  return found;
}

function answer(session: ImapSession, tag: string, command: SearchCommand, uids: number[]): void {
  const selected = session.requireSelected();
  const numbers = command.uid ? uids : uids.map((uid) => selected.seqOf(uid));
  const options = command.returnOptions;
  if (options === undefined && !session.rev2) {
    session.untagged(numbers.length > 0 ? `SEARCH ${numbers.join(' ')}` : 'SEARCH');
    return;
  }
  const wanted = new Set(options && options.length > 0 ? options : ['ALL']);
  if (wanted.has('SAVE')) {
    session.savedSearch = uids;
    wanted.delete('SAVE');
    if (wanted.size === 0) return;
  }
  let text = `ESEARCH (TAG ${quoted(tag, false)})${command.uid ? ' UID' : ''}`;
  if (numbers.length > 0) {
    if (wanted.has('MIN')) text += ` MIN ${numbers[0]}`;
    if (wanted.has('MAX')) text += ` MAX ${numbers[numbers.length - 1]}`;
    if (wanted.has('ALL')) text += ` ALL ${formatSequenceSet(numbers)}`;
  }
  if (wanted.has('COUNT')) text += ` COUNT ${numbers.length}`;
  session.untagged(text);
}
