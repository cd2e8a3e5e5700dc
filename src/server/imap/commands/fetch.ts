/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2; RFC 3516 BINARY; rev1 RFC822 forms).
 * ENVELOPE/BODYSTRUCTURE are column reads (encoded at ingest); bodies stream from blobs with
 * backpressure, small ones are read whole and several are read ahead in parallel.
 */
import type { FetchAttribute, FetchCommand } from '../../../protocol/imap/command.js';
import type { IngestMeta, MessageRecord } from '../../../store/store.js';
import { badCommand, type CommandSpec, done, refuse, SELECTED } from '../command-spec.js';
import { type BodyPiece, bodyPieces } from '../fetch/body.js';
import { simpleItem } from '../fetch/items.js';
import { type Plan, planOf } from '../fetch/plan.js';
import { READ_WHOLE_LIMIT, UnknownCteError } from '../fetch/section.js';
import type { ImapSession } from '../session.js';
import { sendVanishedEarlier } from './qresync.js';

/** Messages whose records are read in one store call. */
const BATCH = 500;
/** Messages whose bodies are read ahead of the one being written. */
const READ_AHEAD = 32;
/** ...but no more than about this many bytes of them. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;
/** Bytes queued for the socket before the command waits for the client to read (backpressure). */
const MAX_BACKLOG = 1024 * 1024;

export const fetch: CommandSpec<'FETCH'> = {
  states: SELECTED,
  usesSequenceNumbers: (command) => !command.uid,
  async handle(session, _tag, command) {
    const wantsModseq = command.attributes.some((a) => a.item === 'MODSEQ');
    if (wantsModseq || command.modifiers.changedSince !== undefined) session.enableCondstore();
    const selected = session.requireSelected();
    const uids = command.uid
      ? selected.resolveUidSet(command.set, session.savedSearch)
      : selected.resolveSequenceSet(command.set, session.savedSearch);
    if (command.modifiers.vanished) {
      if (!session.qresync) return badCommand('ENABLE QRESYNC first');
      await sendVanishedEarlier(session, selected, command.modifiers.changedSince ?? 0, command.set);
    }
    const plan = planOf(command);
    try {
      await fetchAll(session, command, plan, uids);
    } catch (err) {
      if (err instanceof UnknownCteError)
        return refuse('Unknown Content-Transfer-Encoding', { code: 'UNKNOWN-CTE' });
      throw err;
    }
    return done('FETCH completed');
  },
};

async function fetchAll(
  session: ImapSession,
  command: FetchCommand,
  plan: Plan,
  uids: number[],
): Promise<void> {
  const selected = session.requireSelected();
  for (let i = 0; i < uids.length; i += BATCH) {
    const batch = uids.slice(i, i + BATCH);
    let records: (MessageRecord & { meta?: IngestMeta })[] = plan.needsMeta
      ? await session.store.getMessagesWithMeta(selected.mailbox.id, batch, { searchText: false })
      : await session.store.getMessages(selected.mailbox.id, batch);
    if (command.modifiers.changedSince !== undefined) {
      const since = command.modifiers.changedSince;
      records = records.filter((r) => r.modseq > since);
    }
    if (plan.setsSeen && !selected.readOnly) await markSeen(session, records);
    await writeBatch(session, command, plan, records);
  }
}

const NO_PIECES = new Map<FetchAttribute, BodyPiece>();
const NO_BODIES = Promise.resolve(NO_PIECES);

/** Non-peek body fetches set \Seen (RFC 9051 §6.4.5); the FETCH answer then includes FLAGS. */
async function markSeen(session: ImapSession, records: MessageRecord[]): Promise<void> {
  const selected = session.requireSelected();
  const unseen = records.filter((r) => !r.flags.includes('\\Seen')).map((r) => r.uid);
  if (unseen.length === 0) return;
  const result = await session.store.storeFlags({
    mailboxId: selected.mailbox.id,
    uids: unseen,
    operation: 'add',
    flags: ['\\Seen'],
  });
  selected.noteOwnFlags(result.changed);
  const changed = new Map(result.changed.map((r) => [r.uid, r]));
  for (const record of records) {
    const c = changed.get(record.uid);
    if (c) {
      record.flags = c.flags;
      record.modseq = c.modseq;
      (record as MessageRecord & { seenNow?: boolean }).seenNow = true;
    }
  }
}

async function writeBatch(
  session: ImapSession,
  _command: FetchCommand,
  plan: Plan,
  records: (MessageRecord & { meta?: IngestMeta; seenNow?: boolean })[],
): Promise<void> {
  const selected = session.requireSelected();
  // Body reads run a few messages ahead of the writing, so they overlap without piling up in memory.
  const pieces: Promise<Map<FetchAttribute, BodyPiece>>[] = [];
  let aheadBytes = 0; // sizes of the messages read ahead and not yet written
  const readAhead = (upTo: number) => {
    for (let j = pieces.length; j < Math.min(upTo, records.length); j++) {
      const r = records[j] as MessageRecord & { meta?: IngestMeta };
      if (j > upTo - READ_AHEAD && aheadBytes > READ_AHEAD_BYTES) break;
      aheadBytes += Math.min(r.size, READ_WHOLE_LIMIT);
      const piece = plan.hasBodies ? bodyPieces(session, r, r.meta, plan.items) : NO_BODIES;
      piece.catch(() => {});
      pieces.push(piece);
    }
  };
  for (let i = 0; i < records.length; i++) {
    readAhead(i + READ_AHEAD);
    aheadBytes -= Math.min((records[i] as MessageRecord).size, READ_WHOLE_LIMIT);
    const record = records[i] as MessageRecord & { meta?: IngestMeta; seenNow?: boolean };
    const seq = selected.seqOf(record.uid);
    const bodies = plan.hasBodies ? await (pieces[i] as Promise<Map<FetchAttribute, BodyPiece>>) : NO_PIECES;
    delete pieces[i];
    if (seq === 0) continue;
    const utf8 = session.utf8;
    let line = `* ${seq} FETCH (`;
    let first = true;
    const add = (text: string) => {
      line += first ? text : ` ${text}`;
      first = false;
    };
    for (const a of plan.items) {
      const body = bodies.get(a);
      if (body) {
        add(body.prefix);
        if (body.kind === 'bytes') {
          session.writer.push(line);
          session.writer.push(body.data);
        } else {
          session.writer.push(line);
          await session.writer.pipe(body.stream(), body.length);
        }
        line = '';
        continue;
      }
      const text = simpleItem(a, record, selected, utf8);
      if (text !== null) add(text);
    }
    if (record.seenNow && !plan.items.some((a) => a.item === 'FLAGS')) {
      add(`FLAGS (${selected.flagList(record.uid, record.flags)})`);
      if (session.condstore && !plan.items.some((a) => a.item === 'MODSEQ')) add(`MODSEQ (${record.modseq})`);
    }
    session.writer.push(`${line})\r\n`);
    if (session.writer.backlog() > MAX_BACKLOG) await session.writer.drained();
  }
}
