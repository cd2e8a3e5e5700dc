/**
 * One POP3 connection: the AUTHORIZATION / TRANSACTION / UPDATE state machine (RFC 1939 3) and its
 * single command pipeline. Input is pushed into the line receiver and the socket is paused until the
 * pipeline has consumed it, so pipelined commands (RFC 2449 6.6) run strictly in order and a message
 * body is fully written before the next command is even parsed.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { limitsOf } from '../../lib/limits.js';
import type { ParsedCommand, Pop3Command } from '../../protocol/pop3/command.js';
import { LineReceiver, type ReceivedLine } from '../../protocol/pop3/line-receiver.js';
import { parseCommand } from '../../protocol/pop3/parse-command.js';
import { errLine, okLine } from '../../protocol/pop3/response.js';
import type { Account } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import type { ConnectionInfo } from '../net/connection.js';
import { checkAllowed } from './allowed.js';
import { BlobPrefetcher } from './blob-prefetch.js';
import { runCommand } from './commands/index.js';
import { errorReply } from './error-replies.js';
import type { Maildrop } from './maildrop.js';
import { ReplyWriter } from './reply-writer.js';

export type SessionState = 'authorization' | 'transaction' | 'update';

/** How long a client gets to read our last words before the socket is destroyed. */
const CLOSE_LINGER_MS = 5_000;
/** Shutdown waits this long for a command in progress (e.g. a RETR to a slow client). */
const SHUTDOWN_GRACE_MS = 10_000;

export class Pop3Session {
  state: SessionState = 'authorization';
  socket: Socket;
  readonly writer: ReplyWriter;
  readonly receiver: LineReceiver;
  /** Name given by USER, waiting for PASS. */
  pendingUser: string | null = null;
  account: Account | null = null;
  maildrop: Maildrop | null = null;
  /** RFC 6856 3: the client sent UTF8. */
  utf8 = false;
  /** Lock on the maildrop, released when the connection closes (after any UPDATE commit). */
  releaseLock: (() => void) | null = null;
  /** The UPDATE-state commit in progress, so the lock outlives it. */
  commit: Promise<void> | null = null;
  /** UIDs RETRieved whose \Seen flag is still to be stored (config.pop3.markSeenOnRetr). */
  readonly seenQueue: number[] = [];
  readonly prefetcher: BlobPrefetcher;
  /** Lines taken from the receiver early so pipelined RETRs can be prefetched; consumed first. */
  private readonly lookahead: ReceivedLine[] = [];
  /** Parse results of lines seen by peekCommands, so no line is parsed twice. */
  private readonly parsedLines = new WeakMap<Buffer, ParsedCommand>();

  private badCommands = 0;
  private closed = false;
  private ending = false;
  private shutdownRequested = false;
  private wake: (() => void) | null = null;
  private resolveClosed!: () => void;
  readonly closedPromise = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(
    readonly ctx: ServerContext,
    socket: Socket,
    readonly info: ConnectionInfo,
    readonly log: Logger,
  ) {
    this.socket = socket;
    this.writer = new ReplyWriter(socket);
    this.receiver = new LineReceiver(limitsOf(ctx.config).maxLineLength);
    this.prefetcher = new BlobPrefetcher(ctx.store.blobs);
  }

  start(): void {
    this.attach(this.socket);
    // RFC 1939 4: the greeting. No version or host details for strangers.
    this.reply(okLine('Postyard POP3 server ready'));
    void this.run();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Plaintext credentials are acceptable here (issue 5: TLS, loopback/trusted, or explicitly allowed). */
  get plaintextAuthAllowed(): boolean {
    return this.info.secure || this.info.trusted || this.ctx.config.allowPlaintextAuth;
  }

  reply(data: string | Buffer): void {
    this.writer.write(data);
  }

  /** Counts a bad command; closes the connection when there were too many in a row (issue 5). */
  badCommand(reply: string): void {
    this.reply(reply);
    this.badCommands++;
    if (this.badCommands >= limitsOf(this.ctx.config).maxBadCommands) {
      this.log.info({ badCommands: this.badCommands }, 'too many bad commands, closing');
      this.reply(errLine('Too many bad commands, closing connection'));
      this.end();
    }
  }

  /**
   * The next input line, for the command loop and for SASL continuations. Resumes the socket only
   * when everything buffered has been consumed. Null once the session is ending.
   */
  async nextInput(): Promise<ReceivedLine | null> {
    for (;;) {
      if (this.closed || this.ending) return null;
      if (this.shutdownRequested) {
        this.reply(errLine('Server shutting down', 'SYS/TEMP'));
        this.end();
        return null;
      }
      const input = this.lookahead.shift() ?? this.receiver.next();
      if (input) return input;
      this.writer.flush();
      if (this.seenQueue.length > 0) {
        // Replies first: the store update must not delay the bytes the client is waiting for.
        await this.writer.drained();
        await this.flushSeen();
      }
      if (this.closed || this.ending || this.shutdownRequested) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.socket.resume();
      });
    }
  }

  /**
   * Up to `max` pipelined commands already received but not yet executed, for read-ahead. Each line is
   * parsed once: the command loop reuses the result.
   */
  peekCommands(max: number): Pop3Command[] {
    while (this.lookahead.length < max) {
      const input = this.receiver.next();
      if (!input) break;
      this.lookahead.push(input);
    }
    const commands: Pop3Command[] = [];
    for (const input of this.lookahead.slice(0, max)) {
      if (input.kind !== 'line') continue;
      const parsed = this.parse(input.line);
      if (parsed.ok) commands.push(parsed.command);
    }
    return commands;
  }

  /** Drops all received input not yet executed (RFC 2595 4: nothing pipelined survives STLS). */
  discardInput(): void {
    this.lookahead.length = 0;
    this.receiver.clear();
  }

  /** Ends the connection gracefully after pending replies; deletes nothing by itself. */
  end(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    this.writer.flush();
    this.socket.end();
    // Keep reading (and dropping) input so the client's FIN is seen and the socket closes promptly;
    // the timer covers a client that never closes its side.
    this.socket.off('data', this.onData);
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
    this.wakeUp();
  }

  /** Drops the connection at once (broken stream, protocol state unknown). */
  abort(reason: string, err?: unknown): void {
    this.log.warn({ err, reason }, 'aborting connection');
    this.ending = true;
    this.socket.destroy();
    this.wakeUp();
  }

  /** SIGTERM: finish the command in progress, say goodbye, close; nothing is deleted. */
  shutdown(): Promise<void> {
    this.shutdownRequested = true;
    this.wakeUp();
    const timer = setTimeout(() => this.socket.destroy(), SHUTDOWN_GRACE_MS);
    timer.unref();
    return this.closedPromise.finally(() => clearTimeout(timer));
  }

  /** After STLS: from now on read and write only the TLS socket. */
  switchSocket(secure: Socket): void {
    this.detach(this.socket);
    this.socket = secure;
    this.writer.replaceSocket(secure);
    this.info.secure = true;
    this.attach(secure);
  }

  /** Applies queued \Seen flags (batched so a pipelined download costs one store call). */
  async flushSeen(): Promise<void> {
    if (this.seenQueue.length === 0 || !this.maildrop) return;
    const uids = this.seenQueue.splice(0);
    try {
      await this.ctx.store.storeFlags({
        mailboxId: this.maildrop.mailboxId,
        uids,
        operation: 'add',
        flags: ['\\Seen'],
      });
    } catch (err) {
      this.log.warn({ err }, 'could not set \\Seen after RETR');
    }
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const input = await this.nextInput();
        if (!input) break;
        await this.handle(input);
        await this.writer.backpressure();
      }
    } catch (err) {
      this.abort('session failed', err);
    }
  }

  private async handle(input: ReceivedLine): Promise<void> {
    if (input.kind === 'too-long') return this.badCommand(errLine('Line too long'));
    const parsed = this.parse(input.line);
    if (!parsed.ok) return this.badCommand(errLine(parsed.text));
    const { command } = parsed;
    const refusal = checkAllowed(this, command);
    if (refusal) return this.badCommand(refusal);
    this.badCommands = 0;
    this.log.debug({ command: command.name }, 'command');
    try {
      await runCommand(this, command);
    } catch (err) {
      this.reply(errorReply(err, this.log, command.name));
    }
  }

  private parse(line: Buffer): ParsedCommand {
    let parsed = this.parsedLines.get(line);
    if (!parsed) {
      parsed = parseCommand(line);
      this.parsedLines.set(line, parsed);
    }
    return parsed;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.receiver.push(chunk);
    this.socket.pause();
    this.wakeUp();
  };

  private readonly onClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.wakeUp();
    // A dropped connection deletes nothing (RFC 1939 6); a commit already running finishes first.
    const commit = this.commit ?? Promise.resolve();
    void commit
      .catch(() => {})
      .then(() => this.flushSeen())
      .finally(() => {
        this.releaseLock?.();
        this.resolveClosed();
      });
  };

  private readonly onTimeout = (): void => {
    // RFC 1939 3: close without removing messages or sending a response.
    this.log.info('idle timeout');
    this.socket.destroy();
  };

  private readonly onError = (err: Error): void => {
    this.log.debug({ err }, 'socket error');
  };

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.on('timeout', this.onTimeout);
    socket.setTimeout(limitsOf(this.ctx.config).pop3IdleTimeoutMs);
  }

  private detach(socket: Socket): void {
    socket.off('data', this.onData);
    socket.off('close', this.onClose);
    socket.off('timeout', this.onTimeout);
    socket.setTimeout(0);
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
