/**
 * What the resumable receiver (./receiver.ts) hands to the session. Pull model: the session calls
 * `receiver.push(bytes)` then `receiver.next()` until it returns undefined, handling each event
 * (awaiting the handler) before pulling the next one — that is the structural backpressure.
 * Stable API: additive changes only.
 */
import type { AppendMessageHead, Command, ReplaceTarget } from './command.js';

/** Why a line or literal was rejected; maps to the response code of the BAD/NO answer. */
/** PARSE (RFC 5530) is about message content, so syntax errors carry no code; kept for compatibility. */
export type ReceiverErrorCode = 'PARSE' | 'TOOBIG' | 'LIMIT' | 'BADCHARSET' | 'CLIENTBUG';

export type ReceiverEvent =
  /** A complete command (never APPEND: see the append* events). */
  | { readonly type: 'command'; readonly tag: string; readonly command: Command }
  /**
   * A synchronising literal `{n}` was announced: send `+ Ready` now; the client waits for it.
   * (Not emitted for APPEND message literals: the session answers those after `appendBegin`.)
   */
  | { readonly type: 'continue' }
  /**
   * The command (or continuation line) could not be parsed. `tag` is set when it was readable: answer
   * `tag BAD [code] text`, else `* BAD text`. `status` says whether to answer NO or BAD (TOOBIG on
   * APPEND is NO). `fatal`: the stream cannot be resynchronised (e.g. a huge non-synchronising literal
   * we refuse to skip): send BYE and close. Otherwise the receiver has skipped the rest of the command.
   */
  | {
      readonly type: 'error';
      readonly tag?: string;
      readonly status: 'BAD' | 'NO';
      readonly code?: ReceiverErrorCode;
      readonly text: string;
      readonly fatal: boolean;
    }
  /**
   * APPEND message literal announced (one per message; MULTIAPPEND repeats it). `index` counts from 0.
   * If `sync` is true the client waits: send `+ Ready` to receive the data, or answer NO and call
   * `receiver.abortAppend()`. If false (`{n+}`) the data follows anyway; `abortAppend()` discards it.
   */
  | {
      readonly type: 'appendBegin';
      readonly tag: string;
      readonly mailbox: string;
      readonly index: number;
      readonly message: AppendMessageHead;
      readonly sync: boolean;
      /** Present for REPLACE / UID REPLACE (RFC 8508): the message of the selected mailbox it replaces. */
      readonly replace?: ReplaceTarget;
    }
  /** A chunk of the current APPEND literal (a view into received bytes: copy or write it out now). */
  | { readonly type: 'appendData'; readonly chunk: Buffer }
  /** The current APPEND literal is complete. */
  | { readonly type: 'appendMessageEnd'; readonly tag: string; readonly index: number }
  /** The APPEND command line ended after the last message: commit all messages and answer. */
  | {
      readonly type: 'appendCommit';
      readonly tag: string;
      readonly mailbox: string;
      readonly messages: readonly AppendMessageHead[];
      readonly replace?: ReplaceTarget;
    }
  /** IDLE mode (after `startIdle()`): the client sent DONE; the receiver is back in command mode. */
  | { readonly type: 'idleDone' }
  /**
   * A continuation line (after `expectContinuationLine()`, e.g. AUTHENTICATE): the text without CRLF.
   * `cancelled` when the client sent `*` (RFC 9051 §6.2.2), or when the line exceeded maxLineLength (its
   * rest is skipped). Back in command mode afterwards.
   */
  | { readonly type: 'continuationLine'; readonly line: string; readonly cancelled: boolean };

export interface ReceiverOptions {
  /** Longest command line, literals excluded (bytes). */
  readonly maxLineLength: number;
  /** Largest non-APPEND literal held in memory (bytes). */
  readonly maxLiteralSize: number;
  /** Largest APPEND message literal (bytes); advertised as APPENDLIMIT. */
  readonly maxAppendSize: number;
  /** Total bytes of all literals in one non-APPEND command. */
  readonly maxCommandSize: number;
  /** Advertised LITERAL+ (true) or LITERAL- (false): LITERAL- refuses `{n+}` over 4096 (RFC 7888 §5). */
  readonly literalPlus: boolean;
  /** Non-synchronising literals we refuse but still read and discard up to this size; beyond: fatal. */
  readonly maxDiscardSize: number;
  /** Nesting bound for parentheses and SEARCH NOT/OR chains. */
  readonly maxNesting: number;
  /** Session accepts UTF-8 (IMAP4rev2 / UTF8=ACCEPT): the APPEND `UTF8 (~{n})` form is allowed (setUtf8). */
  readonly utf8?: boolean;
}

export const defaultReceiverOptions: ReceiverOptions = {
  maxLineLength: 64 * 1024,
  maxLiteralSize: 64 * 1024,
  maxAppendSize: 50 * 1024 * 1024,
  maxCommandSize: 1024 * 1024,
  literalPlus: true,
  maxDiscardSize: 64 * 1024 * 1024,
  // Clients build `OR a OR b OR c ...` chains one level per term; 100 keeps recursion shallow.
  maxNesting: 100,
};
