/**
 * APPEND (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 4315 APPENDUID, RFC 7889 APPENDLIMIT) as a flow
 * of receiver events: each literal streams into ingestMessage (never held by the session), the
 * messages are added when the command line ends, all or none (store.appendMany, RFC 3502 §3).
 * REPLACE / UID REPLACE (RFC 8508) is the same flow with one message and a message of the selected
 * mailbox to remove: both happen in one store transaction (store.replace), so a failure changes nothing.
 */
import { PassThrough } from 'node:stream';
import { limitsOf } from '../../lib/limits.js';
import { formatUidList } from '../../lib/seqset.js';
import type { AppendMessageHead, ReplaceTarget } from '../../protocol/imap/command.js';
import { encodeContinuation } from '../../protocol/imap/encoder.js';
import type { ReceiverEvent } from '../../protocol/imap/receiver-events.js';
import type { AppendResult, Mailbox } from '../../store/store.js';
import { type IngestedMessage, ingestMessage } from '../delivery/ingest.js';
import type { Completion } from './command-spec.js';
import { InvalidSequenceError } from './selected.js';
import type { ImapSession } from './session.js';

interface Pending {
  head: AppendMessageHead;
  ingested: IngestedMessage;
}

export class AppendFlow {
  private target: Mailbox | null = null;
  private stream: PassThrough | null = null;
  private ingesting: Promise<IngestedMessage> | null = null;
  private head: AppendMessageHead | null = null;
  private readonly ready: Pending[] = [];
  /** REPLACE: the UID of the selected mailbox's message being replaced, and its size (freed quota). */
  private replaced: { uid: number; size: number } | null = null;

  constructor(
    private readonly session: ImapSession,
    readonly tag: string,
    private readonly mailboxWire: string,
    private readonly replace?: ReplaceTarget,
  ) {}

  private get command(): string {
    return this.replace ? 'REPLACE' : 'APPEND';
  }

  /** Handles one event; returns the completion when the command is answered. */
  async handle(event: ReceiverEvent): Promise<Completion | null> {
    try {
      switch (event.type) {
        case 'appendBegin':
          return await this.begin(event.message, event.sync);
        case 'appendData':
          await this.write(event.chunk);
          return null;
        case 'appendMessageEnd':
          await this.endMessage();
          return null;
        case 'appendCommit':
          return await this.commit();
        default:
          return null;
      }
    } catch (err) {
      this.abort();
      if (event.type !== 'appendCommit') this.session.receiver.abortAppend();
      return this.session.failure(err, { missingTarget: true });
    }
  }

  abort(): void {
    this.stream?.destroy();
    this.stream = null;
    this.ingesting?.catch(() => {});
  }

  private async begin(head: AppendMessageHead, sync: boolean): Promise<Completion | null> {
    const session = this.session;
    if (this.replace && !this.replaced) {
      const refused = await this.findReplaced(this.replace);
      if (refused) return this.refuse(refused);
    }
    if (!this.target) {
      const name = session.mailboxFromWire(this.mailboxWire);
      const mailbox = await session.store.getMailbox(session.requireAccount().id, name);
      if (!mailbox)
        return this.refuse({ status: 'NO', code: { code: 'TRYCREATE' }, text: 'No such mailbox' });
      this.target = mailbox;
    }
    const maxSize = limitsOf(session.ctx.config).maxMessageSize;
    if (head.size > maxSize)
      return this.refuse({ status: 'NO', code: { code: 'TOOBIG' }, text: 'Message too big' });
    // The earlier messages of this MULTIAPPEND are not stored yet but will count (the store checks again).
    const usage = await session.store.getQuotaUsage(session.requireAccount().id);
    // A replaced message's space is freed in the same transaction (store.replace).
    const freedBytes = this.replaced?.size ?? 0;
    const freedMessages = this.replaced ? 1 : 0;
    const earlier = this.ready.reduce((sum, m) => sum + m.ingested.blob.size, 0);
    const bytes = usage.bytes - freedBytes + earlier + head.size;
    const messages = usage.messages - freedMessages + this.ready.length + 1;
    const overBytes = usage.limitBytes !== null && bytes > usage.limitBytes;
    const overCount = usage.limitMessages !== null && messages > usage.limitMessages;
    if (overBytes || overCount) {
      return this.refuse({ status: 'NO', code: { code: 'OVERQUOTA' }, text: 'Quota exceeded' });
    }
    this.head = head;
    this.stream = new PassThrough({ highWaterMark: 256 * 1024 });
    // RFC 3516 §4.2: a literal8 message is binary data, stored as sent (no CRLF normalisation).
    this.ingesting = ingestMessage(session.store, this.stream, { maxSize, binary: head.binary });
    this.ingesting.catch(() => {});
    if (sync) session.writer.push(encodeContinuation('Ready for literal data'));
    return null;
  }

  /**
   * REPLACE names a message of the selected mailbox: a sequence number outside 1..EXISTS is BAD (as in
   * every command), a UID that is not there is NO; a read-only mailbox cannot lose a message.
   */
  private async findReplaced(target: ReplaceTarget): Promise<Completion | null> {
    const selected = this.session.requireSelected();
    if (selected.readOnly) return { status: 'NO', code: { code: 'READ-ONLY' }, text: 'Mailbox is read-only' };
    let uid: number;
    if (target.uid) {
      if (selected.seqOf(target.id) === 0) {
        return { status: 'NO', code: { code: 'NONEXISTENT' }, text: 'No message with that UID' };
      }
      uid = target.id;
    } else {
      if (target.id > selected.exists()) throw new InvalidSequenceError('Invalid message sequence number');
      uid = selected.allUids()[target.id - 1] as number;
    }
    const [record] = await this.session.store.getMessages(selected.mailbox.id, [uid]);
    if (!record) return { status: 'NO', code: { code: 'NONEXISTENT' }, text: 'The message was expunged' };
    this.replaced = { uid, size: record.size };
    return null;
  }

  private refuse(completion: Completion): Completion {
    this.abort();
    this.session.receiver.abortAppend();
    return completion;
  }

  private async write(chunk: Buffer): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    if (!stream.write(Buffer.from(chunk))) {
      await new Promise<void>((resolve, reject) => {
        stream.once('drain', resolve);
        stream.once('close', resolve);
        this.ingesting?.catch(reject);
      });
    }
  }

  private async endMessage(): Promise<void> {
    const stream = this.stream;
    const ingesting = this.ingesting;
    const head = this.head;
    if (!stream || !ingesting || !head) return;
    stream.end();
    const ingested = await ingesting;
    this.stream = null;
    this.ingesting = null;
    this.ready.push({ head, ingested });
  }

  private async commit(): Promise<Completion> {
    const session = this.session;
    const target = this.target;
    if (!target) return { status: 'BAD', text: `${this.command} without a message` };
    if (this.replaced) return this.commitReplace(target);
    const requests = this.ready.map(({ head, ingested }) => ({
      accountId: session.requireAccount().id,
      mailboxId: target.id,
      blob: ingested.blob,
      meta: ingested.meta,
      ...messageAttributes(head),
    }));
    const selected = session.selected?.mailbox.id === target.id ? session.selected : null;
    let results: AppendResult[];
    if (selected?.rev1 && !selected.readOnly && session.store.appendClaimingRecent) {
      // The new messages are recent to this session (RFC 3501 §2.3.2): claimed in the APPEND's own
      // commit, so the flush that announces them finds nothing left to claim and writes nothing.
      const appended = await session.store.appendClaimingRecent(requests);
      selected.markRecent(appended.recent);
      results = appended.results;
    } else {
      results = await session.store.appendMany(requests);
    }
    if (selected) await selected.index.catchUp(true);
    const first = results[0];
    if (!first) return { status: 'OK', text: 'APPEND completed' };
    const uids = formatUidList(results.map((r) => r.uid));
    return {
      status: 'OK',
      code: { code: 'APPENDUID', uidValidity: first.uidValidity, uids },
      text: 'APPEND completed',
    };
  }

  /**
   * RFC 8508 §3.2/§4.3: the APPENDUID comes in an untagged OK, then the removed message's EXPUNGE (or
   * VANISHED), then the tagged OK; the new message's EXISTS is sent with the pending notifications.
   */
  private async commitReplace(target: Mailbox): Promise<Completion> {
    const session = this.session;
    const selected = session.requireSelected();
    const replaced = this.replaced!;
    const message = this.ready[0];
    if (!message) return { status: 'BAD', text: 'REPLACE without a message' };
    let result: AppendResult;
    try {
      result = await session.store.replace(
        {
          accountId: session.requireAccount().id,
          mailboxId: target.id,
          blob: message.ingested.blob,
          meta: message.ingested.meta,
          ...messageAttributes(message.head),
        },
        { mailboxId: selected.mailbox.id, uid: replaced.uid },
      );
    } catch (err) {
      // Another session expunged the message while its replacement was arriving: nothing was stored.
      const gone = (await session.store.getMessages(selected.mailbox.id, [replaced.uid])).length === 0;
      if (gone) return { status: 'NO', code: { code: 'NONEXISTENT' }, text: 'The message was expunged' };
      throw err;
    }
    session.send({
      status: 'OK',
      code: { code: 'APPENDUID', uidValidity: result.uidValidity, uids: String(result.uid) },
      text: 'Replacement message ready',
    });
    for (const response of selected.announceOwnExpunged([replaced.uid])) session.send(response);
    if (selected.mailbox.id === target.id) await selected.index.catchUp(true);
    return { status: 'OK', text: 'REPLACE completed' };
  }
}

/** What APPEND and REPLACE store of a message head: its flags (never \\Recent) and INTERNALDATE if given. */
function messageAttributes(head: AppendMessageHead): { flags: string[]; internalDate?: Date } {
  const flags = head.flags.filter((f) => f.toLowerCase() !== '\\recent');
  return head.date ? { flags, internalDate: head.date } : { flags };
}
