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
import { READ_WHOLE_LIMIT, readWholeSync, UnknownCteError } from '../fetch/section.js';
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
/**
 * Bytes answered synchronously before the loop yields to the event loop (setImmediate), so a fast
 * client downloading a big mailbox does not hold up the other sessions for long.
 */
const SYNC_SLICE_BYTES = 4 * 1024 * 1024;

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

/**
 * Whether every body item of the plan is a whole message (BODY[], BODY.PEEK[], RFC822) without a
 * partial range: such a literal is the blob itself, so no section needs resolving (no structure parse).
 * Returns the response names in item order, or null.
 */
function wholeBodyNames(plan: Plan): (string | null)[] | null {
  if (!plan.hasBodies) return null;
  const names: (string | null)[] = [];
  for (const a of plan.items) {
    if (a.item === 'BODY[]') {
      if (a.section.part.length > 0 || a.section.kind !== '' || a.partial) return null;
      names.push('BODY[]');
    } else if (a.item === 'RFC822') names.push('RFC822');
    else if (BODY_ITEMS.has(a.item)) return null;
    else names.push(null);
  }
  return names;
}

const BODY_ITEMS = new Set(['BODY[]', 'BINARY[]', 'BINARY.SIZE', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT']);

async function writeBatch(
  session: ImapSession,
  _command: FetchCommand,
  plan: Plan,
  records: (MessageRecord & { meta?: IngestMeta; seenNow?: boolean })[],
): Promise<void> {
  const selected = session.requireSelected();
  const store = session.store;
  // Fast path: whole small bodies read synchronously (body cache or BlobStore.readSync), so a run of
  // small messages is answered without an await per message; the writer gathers them into large corked
  // writes and the loop waits only when the socket backs up.
  const wholeNames = store.blobs.readSync ? wholeBodyNames(plan) : null;
  const isFast = (r: MessageRecord) => wholeNames !== null && r.size <= READ_WHOLE_LIMIT;
  // Body reads run a few messages ahead of the writing, so they overlap without piling up in memory.
  const pieces: (Promise<Map<FetchAttribute, BodyPiece>> | null)[] = [];
  let aheadBytes = 0; // sizes of the messages read ahead and not yet written
  const readAhead = (upTo: number) => {
    for (let j = pieces.length; j < Math.min(upTo, records.length); j++) {
      const r = records[j] as MessageRecord & { meta?: IngestMeta };
      if (isFast(r)) {
        pieces.push(null);
        continue;
      }
      if (j > upTo - READ_AHEAD && aheadBytes > READ_AHEAD_BYTES) break;
      aheadBytes += Math.min(r.size, READ_WHOLE_LIMIT);
      const piece = plan.hasBodies ? bodyPieces(session, r, r.meta, plan.items) : NO_BODIES;
      piece.catch(() => {});
      pieces.push(piece);
    }
  };
  const writer = session.writer;
  const utf8 = session.utf8;
  const items = plan.items;
  let syncBytes = 0;
  for (let i = 0; i < records.length; i++) {
    readAhead(i + READ_AHEAD);
    const record = records[i] as MessageRecord & { meta?: IngestMeta; seenNow?: boolean };
    const seq = selected.seqOf(record.uid);
    if (wholeNames !== null && isFast(record)) {
      if (seq === 0) continue;
      writeWholeSync(session, record, seq, items, wholeNames, utf8);
      syncBytes += record.size;
      if (syncBytes > SYNC_SLICE_BYTES) {
        syncBytes = 0;
        writer.flush();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } else {
      aheadBytes -= Math.min(record.size, READ_WHOLE_LIMIT);
      const bodies = plan.hasBodies
        ? await (pieces[i] as Promise<Map<FetchAttribute, BodyPiece>>)
        : NO_PIECES;
      pieces[i] = null;
      if (seq === 0) continue;
      let line = `* ${seq} FETCH (`;
      let first = true;
      const add = (text: string) => {
        line += first ? text : ` ${text}`;
        first = false;
      };
      for (const a of items) {
        const body = bodies.get(a);
        if (body) {
          add(body.prefix);
          if (body.kind === 'bytes') {
            writer.push(line);
            writer.push(body.data);
          } else {
            writer.push(line);
            await writer.pipe(body.stream(), body.length);
          }
          line = '';
          continue;
        }
        const text = simpleItem(a, record, selected, utf8);
        if (text !== null) add(text);
      }
      line += seenSuffix(session, plan, record, first);
      writer.push(`${line})\r\n`);
    }
    if (writer.backlog() > MAX_BACKLOG) await writer.drained();
  }
}

/** One message's answer when all its body items are the whole (small) message: no awaits. */
function writeWholeSync(
  session: ImapSession,
  record: MessageRecord & { meta?: IngestMeta; seenNow?: boolean },
  seq: number,
  items: readonly FetchAttribute[],
  names: readonly (string | null)[],
  utf8: boolean,
): void {
  const selected = session.requireSelected();
  const writer = session.writer;
  let data: Buffer | undefined;
  let line = `* ${seq} FETCH (`;
  let first = true;
  for (let k = 0; k < items.length; k++) {
    const a = items[k] as FetchAttribute;
    const name = names[k];
    if (name) {
      data ??= readWholeSync(session.store, record) as Buffer;
      line += `${first ? '' : ' '}${name} {${data.length}}\r\n`;
      writer.push(line);
      writer.push(data);
      line = '';
    } else {
      const text = simpleItem(a, record, selected, utf8);
      if (text === null) continue;
      line += first ? text : ` ${text}`;
    }
    first = false;
  }
  writer.push(`${line}${seenSuffix(session, { items } as Plan, record, first)})\r\n`);
}

/** FLAGS (and MODSEQ) of a message this FETCH just marked \Seen, unless the client asked for them. */
function seenSuffix(
  session: ImapSession,
  plan: Plan,
  record: MessageRecord & { seenNow?: boolean },
  first: boolean,
): string {
  if (!record.seenNow || plan.items.some((a) => a.item === 'FLAGS')) return '';
  const selected = session.requireSelected();
  let out = `${first ? '' : ' '}FLAGS (${selected.flagList(record.uid, record.flags)})`;
  if (session.condstore && !plan.items.some((a) => a.item === 'MODSEQ')) out += ` MODSEQ (${record.modseq})`;
  return out;
}
