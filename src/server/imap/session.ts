/**
 * One IMAP connection: state machine (RFC 9051 §3), the one allowed-check before any handler, the
 * notification flush before every tagged answer, IDLE, bad-command and idle-timeout limits.
 *
 * Backpressure is structural: the socket is paused while a receiver event is handled and until its
 * output has drained; bytes are pulled from the receiver only after that (receiver-events.ts).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { BadInputError } from '../../lib/errors.js';
import { limitsOf } from '../../lib/limits.js';
import { decodeUtf7, Utf7Error } from '../../lib/utf7.js';
import type { Command } from '../../protocol/imap/command.js';
import { encodeContinuation, encodeUntaggedResponse } from '../../protocol/imap/encoder.js';
import { ImapReceiver } from '../../protocol/imap/receiver.js';
import type { ReceiverEvent } from '../../protocol/imap/receiver-events.js';
import type { ResponseCode, UntaggedResponse } from '../../protocol/imap/response.js';
import type { Account, Store } from '../../store/store.js';
import type { ChannelBindingSource } from '../auth/scram.js';
import type { ServerContext } from '../context.js';
import { channelBindingOf } from '../net/channel-binding.js';
import type { ConnectionInfo } from '../net/connection.js';
import { DeflateStream } from '../net/deflate-stream.js';
import type { SessionDetails } from '../net/user-connections.js';
import { AppendFlow } from './append-flow.js';
import { capabilities } from './capabilities.js';
import type { CommandSpec, Completion, SessionState } from './command-spec.js';
import { COMMANDS } from './commands/index.js';
import { ContextSearches } from './context-search.js';
import { imapFailure, isServerFault } from './error-map.js';
import { IdleMode } from './idle-mode.js';
import { checkMailboxName } from './mailbox-name.js';
import { NotifyMode } from './notify.js';
import { InvalidSequenceError, type SelectedMailbox } from './selected.js';
import type { MailboxIndexRegistry } from './shared-index.js';
import { formatStatus, mailboxName } from './wire.js';
import { ResponseWriter } from './writer.js';

export interface SessionServices {
  ctx: ServerContext;
  indexes: MailboxIndexRegistry;
  /** Takes a per-user slot (limits.maxConnectionsPerUser): the release function, or null when full. */
  claimUser(account: Account, details: SessionDetails): Promise<(() => void) | null>;
  onClose(session: ImapSession): void;
}

/** Continuation handler for AUTHENTICATE exchanges. */
export type ContinuationHandler = (line: string, cancelled: boolean) => Promise<Completion | null>;

export class ImapSession {
  state: SessionState = 'not-authenticated';
  account: Account | null = null;
  selected: SelectedMailbox | null = null;
  /** ENABLE IMAP4rev2 done: rev2 responses, UTF-8 names, no \Recent (RFC 9051 §6.3.1). */
  rev2 = false;
  /** ENABLE UTF8=ACCEPT done (RFC 6855 §3): the UTF-8 part of rev2 for a rev1 client. Read `utf8`. */
  utf8Accept = false;
  /** CONDSTORE enabled (RFC 7162 §3.1): MODSEQ in unsolicited FETCH, HIGHESTMODSEQ on SELECT. */
  condstore = false;
  /** RFC 5182 SEARCHRES result ("$"). */
  savedSearch: number[] = [];
  readonly writer: ResponseWriter;
  readonly receiver: ImapReceiver;
  log: Logger;
  /** The connection's logger before login (UNAUTHENTICATE returns to it). */
  private readonly connectionLog: Logger;
  /** What the session reads and writes: the transport, or the compressor over it after COMPRESS. */
  private socket: Duplex;
  /** The connection itself (TCP, or TLS after STARTTLS / on IMAPS). */
  private transport: Socket;
  /** COMPRESS=DEFLATE is on (RFC 4978). */
  compressed: DeflateStream | null = null;
  private badCommands = 0;
  private pumping = false;
  private closed = false;
  readonly idle: IdleMode = new IdleMode(this);
  readonly notify: NotifyMode = new NotifyMode(this);
  /** SEARCH/SORT RETURN (UPDATE) results kept up to date (RFC 5267). */
  readonly contexts: ContextSearches = new ContextSearches(this);
  private continuation: { tag: string; handler: ContinuationHandler } | null = null;
  private append: AppendFlow | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inputEnded = false;
  private releaseUserSlot: (() => void) | null = null;

  constructor(
    socket: Socket,
    readonly info: ConnectionInfo,
    log: Logger,
    readonly services: SessionServices,
  ) {
    this.socket = socket;
    this.transport = socket;
    this.log = log;
    this.connectionLog = log;
    this.writer = new ResponseWriter(socket);
    const limits = limitsOf(services.ctx.config);
    this.receiver = new ImapReceiver({
      maxLineLength: limits.maxLineLength,
      maxAppendSize: limits.maxMessageSize,
      literalPlus: true,
    });
    this.attach(socket);
  }

  get ctx(): ServerContext {
    return this.services.ctx;
  }

  get store(): Store {
    return this.services.ctx.store;
  }

  /**
   * UTF-8 on the wire (IMAP4rev2 or UTF8=ACCEPT): names unencoded (never modified UTF-7), quoted strings
   * may carry UTF-8, APPEND takes `UTF8 (~{n})`. Every UTF-8 decision reads this, not rev2.
   */
  get utf8(): boolean {
    return this.rev2 || this.utf8Accept;
  }

  /** ENABLE IMAP4rev2 or UTF8=ACCEPT: the receiver learns it too (APPEND UTF8 form). */
  enable(extension: 'rev2' | 'utf8Accept'): void {
    this[extension] = true;
    this.receiver.setUtf8(this.utf8);
  }

  start(): void {
    this.send({
      status: 'OK',
      code: { code: 'CAPABILITY', capabilities: this.capabilities() },
      text: 'Postyard ready',
    });
    this.writer.flush();
    this.touch();
  }

  capabilities(): string[] {
    return capabilities({
      authenticated: this.state !== 'not-authenticated',
      secure: this.info.secure,
      plaintextAuthAllowed: this.plaintextAuthAllowed(),
      appendLimit: limitsOf(this.ctx.config).maxMessageSize,
    });
  }

  /** A command (or another receiver event) is being handled: unsolicited output must wait. */
  get busy(): boolean {
    return this.pumping;
  }

  plaintextAuthAllowed(): boolean {
    return this.info.secure || this.info.trusted || this.ctx.config.allowPlaintextAuth;
  }

  /** Queues an untagged response, encoded for this session (UTF-8 strings and names once enabled). */
  send(response: UntaggedResponse): void {
    this.writer.push(encodeUntaggedResponse(response, { utf8: this.utf8 }));
  }

  /** QRESYNC enabled (RFC 7162 §3.2): VANISHED instead of EXPUNGE, SELECT (QRESYNC ...). */
  qresync = false;

  enableQresync(): void {
    this.qresync = true;
    this.enableCondstore();
    this.selected?.setQresync(true);
  }

  /**
   * RFC 7162 §3.1: ENABLE CONDSTORE or any CONDSTORE-enabling command turns it on for the session.
   * Turned on while a mailbox is selected (FETCH MODSEQ, SEARCH MODSEQ...), the client learns that
   * mailbox's HIGHESTMODSEQ at once, as SELECT (CONDSTORE) would have told it (Dovecot does the same).
   */
  enableCondstore(): void {
    if (this.condstore) return;
    this.condstore = true;
    const selected = this.selected;
    if (!selected) return;
    selected.setCondstore(true);
    this.send({
      status: 'OK',
      code: { code: 'HIGHESTMODSEQ', modseq: selected.index.highestModseq() },
      text: 'Highest',
    });
  }

  /** A mailbox name from the wire, decoded (modified UTF-7 for rev1) and validated. */
  mailboxFromWire(wire: string, options: { forCreate?: boolean } = {}): string {
    let name = wire;
    if (!this.utf8 && !/^INBOX$/i.test(wire)) {
      try {
        name = decodeUtf7(wire);
      } catch (err) {
        if (err instanceof Utf7Error) throw new BadInputError('Invalid modified UTF-7 in mailbox name');
        throw err;
      }
    }
    const checked = checkMailboxName(name, options);
    if (!checked.ok) throw new BadInputError(checked.reason);
    return checked.name;
  }

  /**
   * A LIST reference or pattern from the wire: decoded like a name, wildcards kept, not validated.
   * null when it is not valid modified UTF-7: no mailbox name can match it, so LIST answers OK with
   * nothing (as Dovecot does), not NO.
   */
  mailboxFromWirePattern(wire: string): string | null {
    if (this.utf8) return wire;
    try {
      return decodeUtf7(wire);
    } catch (err) {
      if (err instanceof Utf7Error) return null;
      throw err;
    }
  }

  mailboxToWire(name: string): string {
    return mailboxName(name, this.utf8);
  }

  requireAccount(): Account {
    if (!this.account) throw new Error('no account in an authenticated state');
    return this.account;
  }

  requireSelected(): SelectedMailbox {
    if (!this.selected) throw new Error('no mailbox in the selected state');
    return this.selected;
  }

  /** Logs in: the caller has authenticated. False when the account has too many sessions already. */
  async loggedIn(account: Account): Promise<boolean> {
    const release = await this.services.claimUser(account, {
      login: account.login,
      remoteAddress: this.info.remoteAddress,
      secure: this.info.secure,
    });
    if (!release) return false;
    if (this.closed) {
      release(); // the connection went away while the slot was being taken
      return false;
    }
    this.releaseUserSlot = release;
    this.account = account;
    this.state = 'authenticated';
    this.log = this.log.child({ user: account.login });
    return true;
  }

  /**
   * UNAUTHENTICATE (RFC 8437 §3): back to the not-authenticated state with what a new connection has
   * (no mailbox, no ENABLEd extension, the user slot released); TLS stays.
   */
  unauthenticate(): void {
    this.notify.clear();
    this.closeSelected();
    this.savedSearch = [];
    this.releaseUserSlot?.();
    this.releaseUserSlot = null;
    this.account = null;
    this.state = 'not-authenticated';
    this.rev2 = false;
    this.utf8Accept = false;
    this.condstore = false;
    this.qresync = false;
    this.receiver.setUtf8(false);
    this.log = this.connectionLog;
  }

  setSelected(selected: SelectedMailbox | null): void {
    this.closeSelected();
    this.savedSearch = []; // RFC 5182 §2.1: the saved result does not survive a mailbox change
    this.selected = selected;
    this.state = selected ? 'selected' : 'authenticated';
  }

  /** The selected mailbox's shared index has news: IDLE or NOTIFY may push it now. */
  readonly onSelectedChange = (): void => {
    this.contexts.markDirty();
    this.idle.onChange();
    this.notify.onSelectedChange();
  };

  /** IDLE: answer `+`, push notifications until DONE (idle-mode.ts); no autologout meanwhile. */
  startIdle(tag: string): void {
    this.stopTimer();
    this.idle.start(tag);
  }

  /** AUTHENTICATE: the next line from the client goes to `handler`. */
  expectContinuation(tag: string, prompt: string, handler: ContinuationHandler): void {
    this.continuation = { tag, handler };
    this.writer.push(encodeContinuation(prompt));
    this.receiver.expectContinuationLine();
  }

  /** SCRAM-SHA-256-PLUS: the TLS connection's channel bindings (null without TLS). */
  channelBinding(): ChannelBindingSource | null {
    return channelBindingOf(this.transport);
  }

  /** STARTTLS: the plaintext socket, detached from the session's listeners before the handshake. */
  socketForUpgrade(): Socket {
    if (this.compressed) throw new Error('STARTTLS under COMPRESS');
    this.detach(this.socket);
    return this.transport;
  }

  /** STARTTLS: swap to the TLS socket (the receiver's buffered plaintext has been discarded). */
  replaceSocket(socket: Socket): void {
    this.socket = socket;
    this.transport = socket;
    this.writer.replaceSocket(socket);
    this.info.secure = true;
    this.attach(socket);
  }

  /**
   * COMPRESS (RFC 4978 §3): after the tagged OK has been queued uncompressed, everything in both
   * directions goes through DEFLATE. Bytes the client pipelined after the command are compressed already.
   */
  startCompression(): void {
    this.writer.flush();
    this.detach(this.socket);
    const stream = new DeflateStream(this.transport, this.receiver.takeBuffered());
    this.compressed = stream;
    this.socket = stream;
    this.writer.replaceSocket(stream);
    this.attach(stream);
  }

  /** Sends BYE and closes (shutdown, autologout, too many errors). */
  async bye(text: string, code?: ResponseCode): Promise<void> {
    if (this.closed) return;
    this.writer.push(formatStatus({ status: 'BYE', text, ...(code ? { code } : {}) }));
    await this.writer.drained();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'logout';
    this.stopTimer();
    void this.idle.end();
    this.writer.flush();
    this.socket.end();
    // Keep reading (and discarding) so the client's FIN is seen and the socket closes at once; the timer
    // only catches peers that never close their side.
    this.socket.off('data', this.onData);
    this.socket.resume();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.cleanup();
  }

  isClosed(): boolean {
    return this.closed;
  }

  // -------------------------------------------------------------------------------------------
  // Input

  private readonly onData = (chunk: Buffer): void => {
    this.touch();
    this.receiver.push(chunk);
    void this.pump();
  };

  private readonly onEnd = (): void => {
    this.close();
  };

  /** The client finished sending: answer what it pipelined, then close (pump() checks inputEnded). */
  private readonly onInputEnd = (): void => {
    this.inputEnded = true;
    void this.pump();
  };

  private attach(socket: Duplex): void {
    socket.on('data', this.onData);
    socket.on('close', this.onEnd);
    socket.on('end', this.onInputEnd);
    socket.on('error', this.onSocketError);
  }

  private detach(socket: Duplex): void {
    socket.off('data', this.onData);
    socket.off('close', this.onEnd);
    socket.off('end', this.onInputEnd);
  }

  private readonly onSocketError = (err: Error): void => {
    this.log.debug({ err }, 'socket error');
    this.close();
  };

  /** Pulls and handles receiver events one at a time; input is paused while a handler runs. */
  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    const socket = this.socket;
    try {
      for (;;) {
        const event = this.receiver.next();
        if (!event) break;
        socket.pause();
        // A NOTIFY update being written finishes first (no await otherwise: this runs per receiver event).
        if (this.notify.writing) await this.notify.settled();
        await this.handleEvent(event);
        await this.writer.drained();
        if (this.closed) return;
        if (this.socket !== socket) {
          // STARTTLS: continue on the TLS socket (input that arrived meanwhile is in the receiver).
          queueMicrotask(() => void this.pump());
          return;
        }
      }
    } catch (err) {
      this.log.error({ err }, 'IMAP session failed');
      await this.bye('Internal server error', { code: 'SERVERBUG' });
      return;
    } finally {
      this.pumping = false;
    }
    if (this.notify.active) this.notify.schedule();
    if (this.inputEnded && !this.idle.active) this.close();
    else if (!this.closed) socket.resume();
  }

  private async handleEvent(event: ReceiverEvent): Promise<void> {
    switch (event.type) {
      case 'command':
        return this.runCommand(event.tag, event.command);
      case 'continue':
        this.writer.push(encodeContinuation('Ready for literal data'));
        return;
      case 'error':
        return this.onReceiverError(event);
      case 'appendBegin':
      case 'appendData':
      case 'appendMessageEnd':
      case 'appendCommit':
        return this.onAppendEvent(event);
      case 'idleDone':
        return this.endIdle();
      case 'continuationLine':
        return this.onContinuationLine(event.line, event.cancelled);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  private async runCommand(tag: string, command: Command): Promise<void> {
    const spec = COMMANDS[command.name] as unknown as CommandSpec<never>;
    const breaksSeq = spec.breaksSequenceNumbers?.(command as never) ?? false;
    const usesSeq = !breaksSeq && (spec.usesSequenceNumbers?.(command as never) ?? false);
    let completion: Completion | null = this.allowed(spec, command.name);
    if (!completion) {
      try {
        completion = await spec.handle(this, tag, command as never);
      } catch (err) {
        completion = this.failure(err);
      }
    }
    if (completion) await this.complete(tag, completion, usesSeq);
  }

  /** The one allowed-check (state, then privacy) before any handler; null when the command may run. */
  private allowed(spec: CommandSpec<never>, name: string): Completion | null {
    if (!spec.states.includes(this.state)) {
      return { status: 'BAD', code: { code: 'CLIENTBUG' }, text: `${name} not allowed in this state` };
    }
    if (spec.needsPrivacy && !this.plaintextAuthAllowed()) {
      return { status: 'NO', code: { code: 'PRIVACYREQUIRED' }, text: 'Use STARTTLS first' };
    }
    return null;
  }

  /** Maps a thrown error to a tagged answer; internal details are logged, never sent. */
  failure(err: unknown, options: { missingTarget?: boolean } = {}): Completion {
    if (err instanceof InvalidSequenceError) return { status: 'BAD', text: err.message };
    if (isServerFault(err)) this.log.error({ err }, 'IMAP command failed');
    const f = imapFailure(err, options);
    if (!f.code) return { status: f.status, text: f.text };
    return { status: f.status, code: { code: f.code } as ResponseCode, text: f.text };
  }

  /** Flushes owed notifications (where §7.5.1 allows), then writes the tagged status. */
  async complete(tag: string, completion: Completion, usesSequenceNumbers: boolean): Promise<void> {
    if (this.selected && this.state === 'selected') await this.flushNotifications(!usesSequenceNumbers);
    this.writer.push(formatStatus({ tag, ...completion }));
    if (completion.status === 'BAD') {
      this.badCommands++;
      if (this.badCommands >= limitsOf(this.ctx.config).maxBadCommands) {
        await this.bye('Too many invalid commands');
        return;
      }
    } else {
      this.badCommands = 0;
    }
    if (this.state === 'logout') {
      await this.writer.drained();
      this.close();
    }
  }

  /** Pulls pending changes for the selected mailbox and announces them. */
  async flushNotifications(allowExpunge: boolean, force = false): Promise<void> {
    const selected = this.selected;
    if (!selected) return;
    try {
      await selected.index.catchUp(force);
    } catch (err) {
      this.log.warn({ err }, 'index refresh failed');
    }
    await selected.flush(
      (response) => this.send(response),
      allowExpunge,
      () => this.store.claimRecent(selected.mailbox.id),
    );
    if (this.contexts.active) await this.contexts.refresh();
  }

  private async onReceiverError(event: Extract<ReceiverEvent, { type: 'error' }>): Promise<void> {
    const code = event.code ? ({ code: event.code } as ResponseCode) : undefined;
    if (event.fatal) {
      await this.bye(event.text, code);
      return;
    }
    if (this.append) {
      this.append.abort();
      this.append = null;
    }
    if (event.tag === undefined) {
      this.writer.push(formatStatus({ status: 'BAD', text: event.text, ...(code ? { code } : {}) }));
      this.badCommands++;
      if (this.badCommands >= limitsOf(this.ctx.config).maxBadCommands)
        await this.bye('Too many invalid commands');
      return;
    }
    await this.complete(
      event.tag,
      { status: event.status, text: event.text, ...(code ? { code } : {}) },
      true,
    );
  }

  private async onContinuationLine(line: string, cancelled: boolean): Promise<void> {
    const pending = this.continuation;
    this.continuation = null;
    if (!pending) return;
    let completion: Completion | null;
    try {
      completion = await pending.handler(line, cancelled);
    } catch (err) {
      completion = this.failure(err);
    }
    if (completion) await this.complete(pending.tag, completion, false);
  }

  private async onAppendEvent(event: ReceiverEvent): Promise<void> {
    if (event.type === 'appendBegin' && !this.append) {
      const name = event.replace ? 'REPLACE' : 'APPEND';
      const refused = this.allowed(COMMANDS[name] as unknown as CommandSpec<never>, name);
      if (refused) {
        this.receiver.abortAppend();
        await this.complete(event.tag, refused, false);
        return;
      }
      this.append = new AppendFlow(this, event.tag, event.mailbox, event.replace);
    }
    const flow = this.append;
    if (!flow) return;
    const completion = await flow.handle(event);
    if (completion) {
      this.append = null;
      await this.complete(flow.tag, completion, false);
    }
  }

  // -------------------------------------------------------------------------------------------
  // IDLE

  private async endIdle(): Promise<void> {
    const tag = await this.idle.end();
    this.touch();
    if (tag !== null) await this.complete(tag, { status: 'OK', text: 'IDLE terminated' }, false);
  }

  // -------------------------------------------------------------------------------------------
  // Lifetime

  /** Autologout timer (RFC 9051 §5.4: at least 30 minutes); off while idling. */
  private touch(): void {
    if (this.closed || this.idle.active) return;
    const ms = limitsOf(this.ctx.config).imapIdleTimeoutMs;
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => void this.bye('Autologout; idle for too long'), ms);
      this.timer.unref();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private closeSelected(): void {
    this.contexts.clear(); // RFC 5267 §4.3: updates end with the selection
    if (!this.selected) return;
    this.selected.close();
    this.services.indexes.release(this.selected.index);
    this.selected = null;
  }

  private cleanup(): void {
    const z = this.compressed;
    // What COMPRESS saved on this connection (bytes on the wire vs. IMAP bytes), for tuning the window.
    if (z)
      this.log.debug(
        { rawIn: z.rawIn, plainIn: z.plainIn, rawOut: z.rawOut, plainOut: z.plainOut },
        'compression',
      );
    this.notify.clear();
    this.append?.abort();
    this.append = null;
    this.closeSelected();
    this.releaseUserSlot?.();
    this.releaseUserSlot = null;
    this.services.onClose(this);
  }
}
