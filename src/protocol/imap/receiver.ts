/**
 * Resumable IMAP command receiver (RFC 9051 §2.2.1, §4.3 literals, §7.5 continuation requests;
 * RFC 7888 LITERAL+/LITERAL-; RFC 3516 literal8; RFC 3502 MULTIAPPEND; RFC 8508 REPLACE; RFC 6855 §4 APPEND UTF8;
 * RFC 2177 IDLE).
 *
 * Pull model: `push(bytes)` queues input, `next()` returns one event or undefined when it needs more.
 * The session handles each event before pulling the next, so pipelined commands wait (backpressure);
 * mode switches (startIdle, expectContinuationLine, abortAppend, discardBuffered, takeBuffered) take effect for the
 * bytes not yet consumed. Memory is bounded by the limits in ReceiverOptions plus what the caller
 * pushes: pause the socket when `bufferedBytes` grows.
 */
import type { AppendMessageHead, ReplaceTarget } from './command.js';
import { findLiteralMarker } from './literal-marker.js';
import { isAppendEnd, parseAppendOptions } from './parser/append.js';
import { Cursor, type Literal, ParseError } from './parser/cursor.js';
import { CommandParseError, parseCommand, readHead, readTag } from './parser/index.js';
import type { ReceiverErrorCode, ReceiverEvent, ReceiverOptions } from './receiver-events.js';
import { defaultReceiverOptions } from './receiver-events.js';

type Mode =
  | 'line' // reading a command line (or the tail of one after a literal)
  | 'literal' // filling a buffered literal
  | 'append-data' // streaming an APPEND message literal
  | 'discard' // skipping literal bytes we refused
  | 'skip-line' // skipping the rest of a rejected line (honouring literal markers)
  | 'idle' // waiting for DONE
  | 'continuation' // waiting for one continuation line
  | 'fatal'; // unrecoverable: drop everything

/** RFC 7888 §5: with LITERAL- a non-synchronising literal may be at most 4096 bytes. */
const LITERAL_MINUS_MAX = 4096;
const IDLE_LINE_MAX = 1024;
const PENDING: Literal = { data: Buffer.alloc(0), binary: false };

interface AppendState {
  readonly tag: string;
  readonly mailbox: string;
  readonly heads: AppendMessageHead[];
  /** Set for REPLACE / UID REPLACE (RFC 8508), which carries exactly one message. */
  readonly replace?: ReplaceTarget;
}

export class ImapReceiver {
  readonly options: ReceiverOptions;

  // Input queue: pushed chunks, consumed from `queue[0]` at `qpos`.
  private queue: Buffer[] = [];
  private qpos = 0;
  private queued = 0;

  private mode: Mode = 'line';
  private readonly events: ReceiverEvent[] = [];

  // Current line.
  private lineParts: Buffer[] = [];
  private lineLen = 0;
  /** Last bytes of a line being skipped (to spot a literal marker at its end). */
  private skipTail: Buffer[] = [];
  /** Mode to return to after skipping a line (IDLE stays in IDLE). */
  private afterSkip: Mode = 'line';

  // Current command.
  private segments: Buffer[] = [];
  private literals: Literal[] = [];
  private commandLineBytes = 0;
  private commandLiteralBytes = 0;

  // Literal in progress.
  private literal: Buffer | undefined;
  private literalBinary = false;
  private literalFill = 0;
  private remaining = 0;
  /** The current APPEND literal was synchronising and no byte of it arrived yet. */
  private appendWaiting = false;

  private append: AppendState | undefined;
  private utf8 = false;

  constructor(options: Partial<ReceiverOptions> = {}) {
    this.options = { ...defaultReceiverOptions, ...options };
    this.utf8 = this.options.utf8 ?? false;
  }

  /** Queues received bytes. The buffer must not be modified afterwards (it is sliced, not copied). */
  push(chunk: Buffer): void {
    if (this.mode === 'fatal' || chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  /** Bytes queued and not yet consumed: pause the socket when this grows. */
  get bufferedBytes(): number {
    return this.queued;
  }

  /** Bytes held for the command in progress (line, segments, literals): bounded by the limits. */
  get heldBytes(): number {
    let n = this.lineLen + (this.literal?.length ?? 0);
    for (const s of this.segments) n += s.length;
    for (const l of this.literals) n += l.data.length;
    return n;
  }

  /** True when the receiver is in the middle of a command (bytes of it consumed, not yet complete). */
  get inCommand(): boolean {
    return this.mode !== 'line' || this.lineLen > 0 || this.segments.length > 0 || this.append !== undefined;
  }

  /** The next event, or undefined when more bytes are needed. */
  next(): ReceiverEvent | undefined {
    while (this.events.length === 0) {
      if (this.mode === 'fatal') return undefined;
      if (!this.step()) break;
    }
    return this.events.shift();
  }

  /** After answering `+ idling` to IDLE (RFC 2177): watch for DONE. */
  startIdle(): void {
    this.resetCommand();
    this.mode = 'idle';
  }

  /** After sending a `+ ...` continuation for AUTHENTICATE: the next line is a continuation line. */
  expectContinuationLine(): void {
    this.resetCommand();
    this.mode = 'continuation';
  }

  /**
   * After answering NO/BAD to an APPEND (at `appendBegin` or while streaming): a synchronising literal
   * the client has not started is simply not expected any more; otherwise the rest of the literal is
   * read and discarded and the rest of the command line skipped.
   */
  abortAppend(): void {
    if (!this.append) return;
    this.append = undefined;
    if (this.mode === 'append-data') {
      if (this.appendWaiting) {
        this.resetCommand();
        this.mode = 'line';
      } else this.mode = 'discard';
    } else if (this.mode === 'line') {
      this.skipTail = [tailOf(this.lineParts)];
      this.startSkipLine();
    }
    this.resetCommand();
    this.events.length = 0;
  }

  /**
   * Hands back the bytes not yet consumed and forgets them (COMPRESS, RFC 4978 §3: what follows the
   * command is compressed, so it goes through the inflater before coming back here).
   */
  takeBuffered(): Buffer {
    const rest = Buffer.concat(this.queue).subarray(this.qpos);
    this.discardBuffered();
    return rest;
  }

  /** Drops all buffered bytes and state (STARTTLS: bytes sent before the handshake must be ignored). */
  discardBuffered(): void {
    this.queue = [];
    this.qpos = 0;
    this.queued = 0;
    this.events.length = 0;
    this.resetCommand();
    this.append = undefined;
    this.mode = 'line';
  }

  /**
   * The session accepts UTF-8 (after ENABLE IMAP4rev2 / UTF8=ACCEPT): allows the APPEND `UTF8 (...)`
   * form. Quoted UTF-8 is accepted either way.
   */
  setUtf8(on: boolean): void {
    this.utf8 = on;
  }

  get utf8Enabled(): boolean {
    return this.utf8;
  }

  // ---------------------------------------------------------------------------------------------
  // State machine

  /** Advances by one unit of work; false when nothing can be done without more input. */
  private step(): boolean {
    if (this.queued === 0 && !this.completesWithoutInput()) return false;
    switch (this.mode) {
      case 'line':
      case 'idle':
      case 'continuation':
        return this.readLine();
      case 'skip-line':
        return this.skipLine();
      case 'literal':
        return this.readLiteral();
      case 'append-data':
        return this.readAppendData();
      case 'discard':
        return this.discard();
      default:
        return false;
    }
  }

  /** Zero-length literals (`{0}`) complete without further bytes. */
  private completesWithoutInput(): boolean {
    if (this.mode === 'literal') return this.literalFill === this.literal!.length;
    return (this.mode === 'append-data' || this.mode === 'discard') && this.remaining === 0;
  }

  private current(): Buffer {
    return this.queue[0]!;
  }

  private consume(n: number): void {
    this.qpos += n;
    this.queued -= n;
    if (this.qpos >= this.queue[0]!.length) {
      this.queue.shift();
      this.qpos = 0;
    }
  }

  private lineLimit(): number {
    if (this.mode === 'idle') return IDLE_LINE_MAX;
    return this.options.maxLineLength;
  }

  private readLine(): boolean {
    const chunk = this.current();
    const lf = chunk.indexOf(0x0a, this.qpos);
    const end = lf < 0 ? chunk.length : lf;
    const piece = chunk.subarray(this.qpos, end);
    const used = this.commandLineBytes + this.lineLen + piece.length;
    if (used > this.lineLimit()) {
      // Too long: report now and skip to the end of the line without storing it.
      if (this.mode === 'continuation') {
        // The exchange cannot continue: report it as cancelled (the session answers BAD).
        this.events.push({ type: 'continuationLine', line: '', cancelled: true });
      } else {
        const first = this.segments[0] ?? headOf([...this.lineParts, piece]);
        const tag = this.mode === 'line' ? (this.append?.tag ?? readTag(first)) : undefined;
        this.error('Command line too long', 'LIMIT', tag);
      }
      this.append = undefined;
      this.lineParts.push(piece);
      this.skipTail = [tailOf(this.lineParts)];
      this.resetCommand();
      this.startSkipLine();
      this.consume(end - this.qpos);
      return true;
    }
    if (piece.length > 0) this.lineParts.push(piece);
    this.lineLen += piece.length;
    if (lf < 0) {
      this.consume(end - this.qpos);
      return true;
    }
    this.consume(end + 1 - this.qpos);
    let line = this.lineParts.length === 1 ? this.lineParts[0]! : Buffer.concat(this.lineParts, this.lineLen);
    this.lineParts = [];
    this.lineLen = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (this.mode === 'idle') this.idleLine(line);
    else if (this.mode === 'continuation') this.continuationLine(line);
    else this.commandLine(line);
    return true;
  }

  private idleLine(line: Buffer): void {
    if (line.length === 4 && line.toString('latin1').toUpperCase() === 'DONE') {
      this.mode = 'line';
      this.events.push({ type: 'idleDone' });
    } else this.error('Expected DONE', undefined, undefined);
  }

  private continuationLine(line: Buffer): void {
    this.mode = 'line';
    const text = line.toString('latin1');
    this.events.push({ type: 'continuationLine', line: text, cancelled: text === '*' });
  }

  /** One line of a command, ending either the command or announcing a literal. */
  private commandLine(line: Buffer): void {
    const marker = findLiteralMarker(line);
    if (!marker) {
      this.segments.push(line);
      if (this.append) this.appendTail();
      else this.completeCommand();
      return;
    }
    const segment = line.subarray(0, marker.start);
    this.segments.push(segment);
    this.commandLineBytes += segment.length;
    const tag = this.append?.tag ?? readTag(this.segments[0]!);
    const sync = !marker.nonSync;

    // An APPEND message literal streams; the mailbox literal of an APPEND is an ordinary literal.
    const appendHead = this.appendMessageHead(marker.size, marker.binary);
    if (appendHead instanceof ParseError) {
      this.append = undefined; // the whole APPEND fails, whichever message was bad
      this.rejectLiteral(appendHead, tag, marker.size, sync);
      return;
    }
    if (appendHead) {
      if (marker.size > this.options.maxAppendSize) {
        this.append = undefined;
        this.rejectLiteral(new ParseError('Message too big', 'TOOBIG', 'NO'), tag, marker.size, sync);
        return;
      }
      if (!sync && !this.options.literalPlus && marker.size > LITERAL_MINUS_MAX) {
        this.append = undefined;
        this.rejectLiteral(
          new ParseError('Non-synchronizing literal too big', 'TOOBIG'),
          tag,
          marker.size,
          sync,
        );
        return;
      }
      const state = this.append!;
      state.heads.push(appendHead);
      this.commandLineBytes = 0; // each MULTIAPPEND message gets its own line budget
      this.remaining = marker.size;
      this.appendWaiting = sync;
      this.mode = 'append-data';
      this.events.push({
        type: 'appendBegin',
        tag: state.tag,
        mailbox: state.mailbox,
        index: state.heads.length - 1,
        message: appendHead,
        sync,
        ...(state.replace ? { replace: state.replace } : {}),
      });
      return;
    }

    const limit = Math.min(
      this.options.maxLiteralSize,
      this.options.maxCommandSize - this.commandLiteralBytes,
    );
    if (marker.size > limit) {
      this.rejectLiteral(new ParseError('Literal too big', 'TOOBIG'), tag, marker.size, sync);
      return;
    }
    if (!sync && !this.options.literalPlus && marker.size > LITERAL_MINUS_MAX) {
      this.rejectLiteral(
        new ParseError('Non-synchronizing literal too big', 'TOOBIG'),
        tag,
        marker.size,
        sync,
      );
      return;
    }
    this.commandLiteralBytes += marker.size;
    this.literal = Buffer.allocUnsafe(marker.size);
    this.literalBinary = marker.binary;
    this.literalFill = 0;
    this.mode = 'literal';
    if (sync) this.events.push({ type: 'continue' });
  }

  /**
   * When the current command is an APPEND and the pending literal is a message (not the mailbox name),
   * returns the message head (and sets up `this.append`); a ParseError when the APPEND head is invalid;
   * undefined for ordinary literals.
   */
  private appendMessageHead(size: number, binary: boolean): AppendMessageHead | ParseError | undefined {
    try {
      if (this.append) {
        // RFC 8508 §5: replace = "REPLACE" SP seq-number SP mailbox append-message (one message only).
        if (this.append.replace) return new ParseError('REPLACE takes exactly one message');
        const c = new Cursor([this.segments[this.segments.length - 1]!], [PENDING], this.options.maxNesting);
        const opts = parseAppendOptions(c, this.append.heads.at(-1)?.utf8);
        this.segments = [];
        return this.checkUtf8({ ...opts, size, binary });
      }
      const c = new Cursor(this.segments, [...this.literals, PENDING], this.options.maxNesting);
      const head = readHead(c);
      let replace: ReplaceTarget | undefined;
      if (head.name === 'REPLACE') {
        c.sp();
        replace = { uid: head.uid, id: c.nzNumber() };
      } else if (head.name !== 'APPEND' || head.uid) return undefined;
      c.sp();
      const mailbox = c.mailbox();
      if (c.literalsConsumed > this.literals.length) return undefined; // the pending literal is the mailbox
      const opts = parseAppendOptions(c);
      this.append = { tag: head.tag, mailbox, heads: [], ...(replace ? { replace } : {}) };
      this.segments = [];
      this.literals = [];
      return this.checkUtf8({ ...opts, size, binary });
    } catch (err) {
      if (err instanceof ParseError) return err;
      throw err;
    }
  }

  /**
   * RFC 6855 §4: `UTF8 (` literal8 `)` exists only for a session that accepts UTF-8 (ENABLE UTF8=ACCEPT
   * or IMAP4rev2); without that it is not valid syntax, so BAD.
   */
  private checkUtf8(head: AppendMessageHead): AppendMessageHead | ParseError {
    if (!head.utf8) return head;
    if (!this.utf8) return new ParseError('APPEND UTF8 needs ENABLE UTF8=ACCEPT');
    if (!head.binary) return new ParseError('APPEND UTF8 needs a literal8 (~{n})');
    return head;
  }

  /** The line after an APPEND message literal ended without another literal: commit or error. */
  private appendTail(): void {
    const state = this.append!;
    const tail = this.segments[this.segments.length - 1]!;
    this.append = undefined;
    this.resetCommand();
    if (isAppendEnd(tail, state.heads.at(-1)?.utf8 ?? false)) {
      this.events.push({
        type: 'appendCommit',
        tag: state.tag,
        mailbox: state.mailbox,
        messages: state.heads,
        ...(state.replace ? { replace: state.replace } : {}),
      });
    } else {
      const command = state.replace ? 'REPLACE' : 'APPEND';
      this.error(`Unexpected characters after ${command} message`, undefined, state.tag);
    }
  }

  /** Refuses an announced literal: answer now, then skip what the client will still send. */
  private rejectLiteral(err: ParseError, tag: string | undefined, size: number, sync: boolean): void {
    this.resetCommand();
    if (!sync && size > this.options.maxDiscardSize) {
      this.fatal(`${err.message}; closing`, tag);
      return;
    }
    this.error(err.message, err.code, tag, err.status);
    if (sync) {
      this.mode = 'line'; // RFC 9051 §7.5: the client does not send a literal we did not invite
      return;
    }
    this.startDiscard(size);
  }

  private startDiscard(size: number): void {
    if (size > this.options.maxDiscardSize) {
      this.fatal('Literal too big to skip');
      return;
    }
    this.remaining = size;
    this.mode = 'discard';
  }

  private startSkipLine(): void {
    this.afterSkip = this.mode === 'idle' ? 'idle' : 'line';
    this.mode = 'skip-line';
  }

  private completeCommand(): void {
    const segments = this.segments;
    const literals = this.literals;
    this.resetCommand();
    try {
      const { tag, command } = parseCommand(segments, literals, this.options.maxNesting);
      this.events.push({ type: 'command', tag, command });
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      const tag = err instanceof CommandParseError ? err.tag : readTag(segments[0]!);
      this.error(err.message, err.code, tag, err.status);
    }
  }

  private readLiteral(): boolean {
    const lit = this.literal!;
    if (this.literalFill < lit.length) {
      const chunk = this.current();
      const n = Math.min(lit.length - this.literalFill, chunk.length - this.qpos);
      chunk.copy(lit, this.literalFill, this.qpos, this.qpos + n);
      this.literalFill += n;
      this.consume(n);
    }
    if (this.literalFill === lit.length) {
      this.literals.push({ data: lit, binary: this.literalBinary });
      this.literal = undefined;
      this.mode = 'line';
    }
    return true;
  }

  private readAppendData(): boolean {
    const state = this.append!;
    if (this.remaining > 0) {
      const chunk = this.current();
      const n = Math.min(this.remaining, chunk.length - this.qpos);
      const data = chunk.subarray(this.qpos, this.qpos + n);
      this.consume(n);
      this.remaining -= n;
      this.appendWaiting = false;
      this.events.push({ type: 'appendData', chunk: data });
    }
    if (this.remaining === 0) {
      this.mode = 'line';
      this.events.push({ type: 'appendMessageEnd', tag: state.tag, index: state.heads.length - 1 });
    }
    return true;
  }

  private discard(): boolean {
    if (this.remaining > 0) {
      const chunk = this.current();
      const n = Math.min(this.remaining, chunk.length - this.qpos);
      this.consume(n);
      this.remaining -= n;
    }
    if (this.remaining === 0) {
      this.afterSkip = 'line';
      this.mode = 'skip-line';
      this.skipTail = [];
    }
    return true;
  }

  /** Skips to the end of the line; a non-synchronising literal announced at its end is skipped too. */
  private skipLine(): boolean {
    const chunk = this.current();
    const lf = chunk.indexOf(0x0a, this.qpos);
    const end = lf < 0 ? chunk.length : lf;
    // Keep at most the last 32 bytes: enough for `~{4294967295+}\r`.
    if (end > this.qpos) this.skipTail.push(chunk.subarray(Math.max(this.qpos, end - 32), end));
    if (this.skipTail.length > 4) this.skipTail = [Buffer.concat(this.skipTail).subarray(-32)];
    this.consume(end - this.qpos + (lf < 0 ? 0 : 1));
    if (lf < 0) return true;
    let tail = Buffer.concat(this.skipTail);
    this.skipTail = [];
    if (tail.length > 0 && tail[tail.length - 1] === 0x0d) tail = tail.subarray(0, tail.length - 1);
    const marker = this.afterSkip === 'line' ? findLiteralMarker(tail) : undefined;
    this.mode = this.afterSkip;
    if (marker?.nonSync) this.startDiscard(marker.size);
    return true;
  }

  private resetCommand(): void {
    this.segments = [];
    this.literals = [];
    this.commandLineBytes = 0;
    this.commandLiteralBytes = 0;
    this.literal = undefined;
    this.lineParts = [];
    this.lineLen = 0;
  }

  private error(
    text: string,
    code: ReceiverErrorCode | undefined,
    tag: string | undefined,
    status: 'BAD' | 'NO' = 'BAD',
  ): void {
    const ev: {
      type: 'error';
      text: string;
      status: 'BAD' | 'NO';
      fatal: boolean;
      tag?: string;
      code?: ReceiverErrorCode;
    } = {
      type: 'error',
      text,
      status,
      fatal: false,
    };
    if (tag !== undefined) ev.tag = tag;
    if (code !== undefined) ev.code = code;
    this.events.push(ev);
  }

  private fatal(text: string, tag?: string): void {
    this.events.push(
      tag === undefined
        ? { type: 'error', status: 'BAD', code: 'TOOBIG', text, fatal: true }
        : { type: 'error', tag, status: 'BAD', code: 'TOOBIG', text, fatal: true },
    );
    this.mode = 'fatal';
    this.append = undefined;
    this.queue = [];
    this.qpos = 0;
    this.queued = 0;
    this.resetCommand();
  }
}

/** The last (up to) 32 bytes of a list of pieces. */
function tailOf(parts: readonly Buffer[]): Buffer {
  let start = parts.length;
  let bytes = 0;
  while (start > 0 && bytes < 32) bytes += parts[--start]!.length;
  const last = parts.slice(start);
  const joined = last.length === 1 ? last[0]! : Buffer.concat(last);
  return joined.subarray(Math.max(0, joined.length - 32));
}

/** The first (up to) 300 bytes of a list of pieces: enough to read a tag. */
function headOf(parts: readonly Buffer[]): Buffer {
  let end = 0;
  let bytes = 0;
  while (end < parts.length && bytes < 300) bytes += parts[end++]!.length;
  return end === 1 ? parts[0]! : Buffer.concat(parts.slice(0, end));
}
