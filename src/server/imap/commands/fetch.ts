/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2; RFC 3516 BINARY; rev1 RFC822 forms).
 * ENVELOPE/BODYSTRUCTURE are column reads (encoded at ingest); bodies stream from blobs with
 * backpressure, small ones are read whole and several are read ahead in parallel.
 */

import type { IngestMeta } from '../../../mime/ingest-meta.js';
import type { FetchAttribute, FetchCommand } from '../../../protocol/imap/command.js';
import { encodeFetchDataItem } from '../../../protocol/imap/encoder.js';
import { fetchResponseStart } from '../../../protocol/imap/fetch-response.js';
import type { MessageRecord, MetaTextField, MetaTexts } from '../../../store/store.js';
import { READ_WHOLE_LIMIT } from '../../net/body-slabs.js';
import { badCommand, type CommandSpec, done, refuse, SELECTED } from '../command-spec.js';
import { type BodyPiece, bodyPieces } from '../fetch/body.js';
import { bodyCacheOf } from '../fetch/body-cache.js';
import { ByteOut } from '../fetch/byte-out.js';
import { simpleItem } from '../fetch/items.js';
import { type Plan, planOf } from '../fetch/plan.js';
import { readWholeSync, UnknownCteError } from '../fetch/section.js';
import type { FlagIndex } from '../flag-index.js';
import { emailId } from '../object-id.js';
import type { ImapSession } from '../session.js';
import { sendVanishedEarlier } from './qresync.js';

/** Messages whose records are read in one store call. */
const BATCH = 500;
/** Messages whose bodies are read ahead of the one being written. */
const READ_AHEAD = 32;
/** ...but no more than about this many bytes of them. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;
/** Fast-path bodies read in one go before they are written (one writer slab). */
const READ_GROUP_BYTES = 1024 * 1024;
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
  const lean = leanItems(session, plan);
  if (lean && (uids.length >= FLAG_INDEX_MIN || selected.index.hasFlags())) {
    const index = await selected.index.flags();
    if (index) {
      // Answer from the store's state now, as the record path would: pull what other sessions changed.
      await selected.index.catchUp(true);
      return fetchFromFlagIndex(session, plan, lean, uids, index, command.modifiers.changedSince);
    }
  }
  for (let i = 0; i < uids.length; i += BATCH) {
    const batch = uids.slice(i, i + BATCH);
    let records: (MessageRecord & { meta?: IngestMeta })[] = plan.needsMeta
      ? await session.store.getMessagesWithMeta(selected.mailbox.id, batch, {
          searchText: plan.needsHeaderText,
          structure: plan.needsStructure,
        })
      : await session.store.getMessages(selected.mailbox.id, batch);
    if (command.modifiers.changedSince !== undefined) {
      const since = command.modifiers.changedSince;
      records = records.filter((r) => r.modseq > since);
    }
    if (plan.setsSeen && !selected.readOnly) await markSeen(session, records);
    // FLAGS read from the store may show a keyword this session has not announced yet.
    if (plan.showsFlags) for (const response of selected.keywordAnnouncement(records)) session.send(response);
    if (plan.hasBodies) await writeBatch(session, command, plan, records);
    else await writeLines(session, plan, records);
  }
}

const STAR = Buffer.from('* ');
const FETCH_OPEN = Buffer.from(' FETCH (');
const SPACE = Buffer.from(' ');
const UID_ITEM = Buffer.from('UID ');
const MODSEQ_ITEM = Buffer.from('MODSEQ (');
const CLOSE = Buffer.from(')');
const LINE_END = Buffer.from(')\r\n');
/** Bytes of a flag-index FETCH line besides its FLAGS and texts: the fixed words and three numbers. */
const LINE_BYTES = 96;

/** A FETCH of at least this many messages loads the mailbox's flag index (then kept for any FETCH). */
const FLAG_INDEX_MIN = 256;
const FLAG_ITEMS = new Set(['UID', 'FLAGS', 'MODSEQ']);
/** The items answered from Store.getMetaTexts, by the field that holds each. */
const META_TEXT_ITEMS: Partial<Record<string, MetaTextField>> = {
  ENVELOPE: 'envelope',
  BODYSTRUCTURE: 'bodyStructure',
  BODY: 'body',
  EMAILID: 'blobId', // imapflow asks for it in every FETCH
};

/**
 * The store texts a FETCH needs when the flag index and Store.getMetaTexts have every answer (UID,
 * FLAGS, MODSEQ, ENVELOPE, BODYSTRUCTURE, BODY, EMAILID; nothing that sets \Seen): no record per
 * message is read. Null when some item needs the record path.
 */
function leanItems(session: ImapSession, plan: Plan): MetaTextField[] | null {
  if (plan.setsSeen) return null;
  const fields: MetaTextField[] = [];
  for (const a of plan.items) {
    if (FLAG_ITEMS.has(a.item)) continue;
    const field = META_TEXT_ITEMS[a.item];
    if (!field || !session.store.getMetaTexts) return null;
    if (!fields.includes(field)) fields.push(field);
  }
  return fields;
}

const NO_TEXTS: MetaTexts = { uids: new Uint32Array(0), texts: [] };

/**
 * FETCH (UID FLAGS MODSEQ ENVELOPE BODYSTRUCTURE BODY) from the in-memory flag index and, for the
 * texts, Store.getMetaTexts: the same lines as the record path (same batches, keyword announcements
 * before the batch showing a new keyword), written as bytes.
 */
async function fetchFromFlagIndex(
  session: ImapSession,
  plan: Plan,
  fields: readonly MetaTextField[],
  uids: number[],
  index: FlagIndex,
  changedSince: number | undefined,
): Promise<void> {
  const selected = session.requireSelected();
  const writer = session.writer;
  const items = plan.items;
  const textOf = items.map((a) => fields.indexOf(META_TEXT_ITEMS[a.item] as MetaTextField));
  const width = fields.length;
  const positions = new Int32Array(Math.min(BATCH, uids.length));
  const rev1 = selected.rev1;
  const out = new ByteOut();
  for (let b = 0; b < uids.length; b += BATCH) {
    const end = Math.min(b + BATCH, uids.length);
    // Texts first: after this await, the positions are taken from the index as it is now.
    const meta =
      width > 0
        ? await (session.store.getMetaTexts as NonNullable<typeof session.store.getMetaTexts>)(
            selected.mailbox.id,
            uids.slice(b, end),
            fields,
          )
        : NO_TEXTS;
    let t = 0;
    // Both lists ascend: one walk finds every position (the index may have changed since the last batch).
    let j = index.lowerBound(uids[b] as number);
    const shown = new Set<number>();
    for (let k = b; k < end; k++) {
      const uid = uids[k] as number;
      while (j < index.length && index.uidAt(j) < uid) j++;
      let pos = j < index.length && index.uidAt(j) === uid ? j : -1;
      if (pos >= 0 && changedSince !== undefined && index.modseqAt(pos) <= changedSince) pos = -1;
      positions[k - b] = pos;
      if (pos >= 0) shown.add(index.flagIdAt(pos));
    }
    if (plan.showsFlags) {
      const sets = [...shown].map((id) => ({ uid: 0, modseq: 0, flags: index.flagSet(id) as string[] }));
      for (const response of selected.keywordAnnouncement(sets)) session.send(response);
    }
    // The session's view ascends too: a second walk gives sequence numbers without a search each.
    let v = b === 0 ? 0 : Math.max(0, selected.seqOf(uids[b] as number) - 1);
    const view = selected.allUids();
    for (let k = b; k < end; k++) {
      const pos = positions[k - b] as number;
      if (pos < 0) continue;
      const uid = uids[k] as number;
      while (v < view.length && (view[v] as number) < uid) v++;
      if (v === view.length || view[v] !== uid) continue;
      let row = -1;
      if (width > 0) {
        while (t < meta.uids.length && (meta.uids[t] as number) < uid) t++;
        // Gone from the store since the index was read: the record path would not find it either.
        if (t === meta.uids.length || meta.uids[t] !== uid) continue;
        row = t * width;
      }
      const flags = index.flagsBytes(index.flagIdAt(pos), rev1 && selected.isRecent(uid));
      out.reserve(LINE_BYTES + flags.length);
      out.bytes(STAR);
      out.uint(v + 1);
      out.bytes(FETCH_OPEN);
      for (let n = 0; n < items.length; n++) {
        out.reserve(LINE_BYTES + flags.length);
        if (n > 0) out.bytes(SPACE);
        const item = (items[n] as FetchAttribute).item;
        const text = textOf[n] as number;
        if (text >= 0) {
          const value = meta.texts[row + text] ?? null;
          if (item === 'EMAILID') {
            out.text(`EMAILID (${emailId(value as string)})`);
            continue;
          }
          // Encoded at ingest: copied as they are (DESIGN.md "Where the speed comes from").
          out.bytes(item === 'ENVELOPE' ? ENVELOPE_ITEM : item === 'BODY' ? BODY_ITEM : BODYSTRUCTURE_ITEM);
          out.text(value ?? NIL);
          continue;
        }
        switch (item) {
          case 'UID':
            out.bytes(UID_ITEM);
            out.uint(uid);
            break;
          case 'FLAGS':
            // As selected.flagsOf: \Recent last, for a rev1 session holding it.
            out.bytes(flags);
            break;
          case 'MODSEQ':
            out.bytes(MODSEQ_ITEM);
            out.uint(index.modseqAt(pos));
            out.bytes(CLOSE);
            break;
        }
      }
      out.reserve(LINE_BYTES);
      out.bytes(LINE_END);
    }
    // Bytes, not strings: flags are atoms, the rest digits and stored texts, and UTF-8 encoding one string per batch
    // measured a third of the server's time on 100,000 messages.
    for (const chunk of out.take()) writer.push(chunk);
    if (writer.backlog() > MAX_BACKLOG) await writer.drained();
  }
}

/** A message as FETCH writes it: its record, ingest metadata, and whether this FETCH just set \Seen. */
type FetchRecord = MessageRecord & { meta?: IngestMeta; seenNow?: boolean };

const ENVELOPE_ITEM = Buffer.from('ENVELOPE ');
const BODYSTRUCTURE_ITEM = Buffer.from('BODYSTRUCTURE ');
const BODY_ITEM = Buffer.from('BODY ');
const NIL = 'NIL';
/** Room for the fixed words and numbers written between two text() calls. */
const ITEM_BYTES = 64;

/**
 * FETCH without literals (ENVELOPE, BODYSTRUCTURE, FLAGS...): the batch's lines written as bytes. The
 * stored ENVELOPE/BODYSTRUCTURE texts are copied into the output one by one; joining them into one
 * string per write and UTF-8 encoding that was about 40% of a 10,000-message FETCH.
 */
async function writeLines(session: ImapSession, plan: Plan, records: FetchRecord[]): Promise<void> {
  const selected = session.requireSelected();
  const utf8 = session.utf8;
  const items = plan.items;
  const out = new ByteOut();
  for (const record of records) {
    const seq = selected.seqOf(record.uid);
    if (seq === 0) continue;
    const meta = record.meta;
    out.reserve(ITEM_BYTES);
    out.bytes(STAR);
    out.uint(seq);
    out.bytes(FETCH_OPEN);
    for (let k = 0; k < items.length; k++) {
      const a = items[k] as FetchAttribute;
      out.reserve(ITEM_BYTES);
      if (k > 0) out.bytes(SPACE);
      // Encoded at ingest: copied as they are (DESIGN.md "Where the speed comes from").
      switch (a.item) {
        case 'UID':
          out.bytes(UID_ITEM);
          out.uint(record.uid);
          break;
        case 'ENVELOPE':
          out.bytes(ENVELOPE_ITEM);
          out.text(meta?.envelope ?? NIL);
          break;
        case 'BODYSTRUCTURE':
          out.bytes(BODYSTRUCTURE_ITEM);
          out.text(meta?.bodyStructure ?? NIL);
          break;
        case 'BODY':
          out.bytes(BODY_ITEM);
          out.text(meta?.body ?? NIL);
          break;
        default:
          // Without literals in the plan every item has a text (simpleItem is null only for literals).
          out.text(simpleItem(a, record, selected, utf8) ?? NIL);
      }
    }
    out.text(seenSuffix(session, plan, record, items.length === 0));
    out.reserve(ITEM_BYTES);
    out.bytes(LINE_END);
  }
  for (const chunk of out.take()) session.writer.push(chunk);
  if (session.writer.backlog() > MAX_BACKLOG) await session.writer.drained();
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
  records: FetchRecord[],
): Promise<void> {
  const selected = session.requireSelected();
  const store = session.store;
  const writer = session.writer;
  // Fast path: messages whose body items are all the whole (small) message. Their bodies are read
  // synchronously (body cache, or straight into the writer's reusable slabs), so a run of them is
  // answered without an await per message and gathered into large corked writes; the loop waits only
  // when the socket backs up. (Reading on another thread to overlap reads with socket writes was tried:
  // on two cores shared with the client it was no faster, see BENCHMARKS.md.)
  const wholeNames = store.blobs.readSync ? wholeBodyNames(plan) : null;
  const isFast = (r: MessageRecord) => wholeNames !== null && r.size <= READ_WHOLE_LIMIT;
  // Other body reads run a few messages ahead of the writing, so they overlap without piling up in memory.
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
  // Fast-path bodies are read in groups (a run of messages, up to READ_GROUP_BYTES) before the group
  // is written: many opens and reads back to back, then many socket writes, measured faster than
  // alternating one read and one write per message.
  const fastBodies: (Buffer | undefined)[] = [];
  const readGroup = (from: number) => {
    let bytes = 0;
    for (let j = from; j < records.length && bytes < READ_GROUP_BYTES; j++) {
      const r = records[j] as MessageRecord;
      if (!isFast(r)) break;
      if (selected.seqOf(r.uid) === 0) continue;
      fastBodies[j] = readWholeForWriter(session, r);
      bytes += r.size;
    }
  };
  const utf8 = session.utf8;
  const items = plan.items;
  let syncBytes = 0;
  try {
    for (let i = 0; i < records.length; i++) {
      readAhead(i + READ_AHEAD);
      const record = records[i] as FetchRecord;
      const seq = selected.seqOf(record.uid);
      if (wholeNames !== null && isFast(record)) {
        if (seq === 0) continue;
        if (!fastBodies[i]) readGroup(i);
        const body = fastBodies[i] as Buffer;
        fastBodies[i] = undefined;
        writeWholeSync(session, record, seq, items, wholeNames, utf8, body);
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
        let line = fetchResponseStart(seq);
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
  } finally {
    // After a failure: bodies read and never written give their slab space back.
    for (const body of fastBodies) if (body) writer.release(body);
  }
}

/** One message's answer when all its body items are the whole (small) message `data`: no awaits. */
function writeWholeSync(
  session: ImapSession,
  record: FetchRecord,
  seq: number,
  items: readonly FetchAttribute[],
  names: readonly (string | null)[],
  utf8: boolean,
  data: Buffer,
): void {
  const selected = session.requireSelected();
  const writer = session.writer;
  let line = fetchResponseStart(seq);
  let first = true;
  for (let k = 0; k < items.length; k++) {
    const a = items[k] as FetchAttribute;
    const name = names[k];
    if (name) {
      line += `${first ? '' : ' '}${name} {${data.length}}\r\n`;
      writer.push(line);
      writer.pushBody(data);
      line = '';
    } else {
      const text = simpleItem(a, record, selected, utf8);
      if (text === null) continue;
      line += first ? text : ` ${text}`;
    }
    first = false;
  }
  writer.push(`${line}${seenSuffix(session, { items } as Plan, record, first)})\r\n`);
  writer.release(data);
}

/**
 * A small whole message for writeWholeSync: from the body cache, else read into the writer's reusable
 * slab (no allocation per message). Not cached: a whole-message download is normally once per device,
 * while section reads, which do fill the cache, come in runs.
 */
function readWholeForWriter(session: ImapSession, record: MessageRecord): Buffer {
  const blobs = session.store.blobs;
  // Without readIntoSync, readWholeSync does the cache lookup (and fills the cache) itself.
  if (!blobs.readIntoSync) return readWholeSync(session.store, record) as Buffer;
  const cached = bodyCacheOf(session.store).get(record.blobId);
  if (cached) return cached;
  const target = session.writer.reserve(record.size);
  try {
    blobs.readIntoSync(record.blobId, target, 0, record.size);
  } catch (err) {
    session.writer.release(target);
    throw err;
  }
  return target;
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
  let out = `${first ? '' : ' '}${encodeFetchDataItem({ item: 'FLAGS', flags: selected.flagsOf(record.uid, record.flags) })}`;
  if (session.condstore && !plan.items.some((a) => a.item === 'MODSEQ'))
    out += ` ${encodeFetchDataItem({ item: 'MODSEQ', modseq: record.modseq })}`;
  return out;
}
