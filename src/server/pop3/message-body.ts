/**
 * Sends a message (RETR) or its top (TOP) as a dot-stuffed multi-line response. Blobs up to
 * READ_WHOLE_LIMIT are read in one call, as IMAP FETCH reads them; larger ones stream chunk by chunk with
 * backpressure, so a 50 MB message never sits in memory. Failures before "+OK" become an ordinary -ERR; a failure mid-body can only drop the connection.
 */
import type { Readable } from 'node:stream';
import { DotStuffer } from '../../protocol/pop3/dot-stuffer.js';
import { okLine } from '../../protocol/pop3/response.js';
import { TopFilter } from '../../protocol/pop3/top-filter.js';
import { READ_WHOLE_LIMIT } from '../net/body-slabs.js';
import type { MaildropMessage } from './maildrop.js';
import type { Pop3Session } from './session.js';

/** The longest end of a multi-line reply: CRLF for an unterminated last line, then ".CRLF". */
const MAX_TERMINATOR = 5;
/** How many pipelined commands are looked at for read-ahead. */
const LOOKAHEAD_COMMANDS = 16;

/** `topLines` undefined = the whole message (RETR). */
export async function sendMessage(
  session: Pop3Session,
  message: MaildropMessage,
  status: string,
  topLines?: number,
): Promise<void> {
  const filter = topLines === undefined ? null : new TopFilter(topLines);
  const stuffer = new DotStuffer();

  if (message.size <= READ_WHOLE_LIMIT) {
    const { blobs } = session.ctx.store;
    let blob: Buffer;
    if (blobs.readIntoSync && !filter) {
      // RETR: status line, body and terminator laid out in the writer's reusable slab, where the replies
      // to pipelined RETRs follow one another and go out as one write (ReplyWriter.writeFromSlab).
      const writer = session.writer;
      const head = okLine(status);
      const space = writer.reserve(head.length + message.size + MAX_TERMINATOR);
      try {
        blobs.readIntoSync(message.blobId, space, head.length, message.size);
        space.write(head, 0, 'latin1');
        const body = space.subarray(head.length, head.length + message.size);
        const stuffed = stuffer.push(body);
        if (stuffed === body) {
          // Nothing to stuff (the usual CRLF message): the terminator goes right after the body.
          const end = stuffer.end();
          end.copy(space, head.length + message.size);
          writer.writeFromSlab(writer.shrink(space, head.length + message.size + end.length));
        } else {
          writer.writeFromSlab(space.subarray(0, head.length));
          session.reply(stuffed);
          session.reply(stuffer.end());
        }
      } finally {
        writer.release(space);
      }
      return;
    }
    if (blobs.readSync) blob = blobs.readSync(message.blobId);
    else {
      const reading = session.prefetcher.read(message.blobId);
      prefetchUpcoming(session);
      blob = await reading;
    }
    // Three writes, not one concatenated buffer: the blob goes to writev as is (a copy measured slower).
    session.reply(okLine(status));
    session.reply(stuffer.push(filter ? filter.push(blob) : blob));
    session.reply(stuffer.end());
    return;
  }

  const stream = session.ctx.store.blobs.stream(message.blobId);
  const chunks = stream[Symbol.asyncIterator]();
  try {
    let next = await chunks.next(); // Errors here (missing blob) still get a clean -ERR.
    session.reply(okLine(status));
    try {
      while (!next.done && !session.isClosed) {
        const chunk = next.value as Buffer;
        session.reply(stuffer.push(filter ? filter.push(chunk) : chunk));
        if (filter?.done) break;
        await session.writer.backpressure();
        next = await chunks.next();
      }
      session.reply(stuffer.end());
    } catch (err) {
      session.abort('message stream failed mid-body', err);
    }
  } finally {
    destroy(stream);
  }
}

/** Starts reading the blobs of pipelined RETR/TOP commands that follow this one. */
function prefetchUpcoming(session: Pop3Session): void {
  if (session.prefetcher.readsSynchronously) return;
  const maildrop = session.maildrop!;
  const wanted = new Set<string>();
  for (const command of session.peekCommands(LOOKAHEAD_COMMANDS)) {
    if (command.name !== 'RETR' && command.name !== 'TOP') continue;
    const message = maildrop.get(command.msg);
    if (!message || message.size > READ_WHOLE_LIMIT) continue;
    wanted.add(message.blobId);
    session.prefetcher.prefetch(message.blobId, message.size);
  }
  session.prefetcher.retainOnly(wanted);
}

function destroy(stream: Readable): void {
  if (!stream.destroyed) stream.destroy();
}
