/**
 * How a command module declares itself (WildDuck/Stalwart style, DESIGN.md): the states it is allowed
 * in and whether its answer refers to sequence numbers. The session runs ONE allowed-check from these
 * before any handler.
 */
import type { Command, CommandName } from '../../protocol/imap/command.js';
import type { ResponseCode } from '../../protocol/imap/response.js';
import type { ImapSession } from './session.js';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** The AST variant(s) whose name overlaps N (SELECT and EXAMINE share one variant). */
export type CommandOf<N extends CommandName> = Command extends infer C
  ? C extends { name: infer M }
    ? [M & N] extends [never]
      ? never
      : C
    : never
  : never;

/** A tagged completion without its tag; `null` when the handler answers later (IDLE, AUTHENTICATE). */
export interface Completion {
  status: 'OK' | 'NO' | 'BAD';
  code?: ResponseCode;
  text: string;
}

export interface CommandSpec<N extends CommandName> {
  /** States in which the command may run (RFC 9051 §6). */
  readonly states: readonly SessionState[];
  /**
   * RFC 9051 §7.5.1: while answering FETCH, STORE, SEARCH (and COPY/MOVE) by sequence number, no
   * EXPUNGE may be sent. UID forms may see EXPUNGEs.
   */
  readonly usesSequenceNumbers?: (command: CommandOf<N>) => boolean;
  /**
   * The command renumbers messages itself (EXPUNGE, MOVE). Commands run strictly one after another, so
   * RFC 9051 §5.5 (wait for such a command before one that uses sequence numbers) holds by construction;
   * the flag lets the session flush other sessions' EXPUNGEs with the command's own.
   */
  readonly breaksSequenceNumbers?: (command: CommandOf<N>) => boolean;
  /** Requires a TLS or trusted connection unless plaintext auth is allowed (LOGIN, AUTHENTICATE). */
  readonly needsPrivacy?: boolean;
  handle(session: ImapSession, tag: string, command: CommandOf<N>): Promise<Completion | null>;
}

export const ANY_STATE: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];
export const NOT_AUTHENTICATED: readonly SessionState[] = ['not-authenticated'];

export function done(text: string, code?: ResponseCode): Completion {
  return code ? { status: 'OK', code, text } : { status: 'OK', text };
}

export function refuse(text: string, code?: ResponseCode): Completion {
  return code ? { status: 'NO', code, text } : { status: 'NO', text };
}

export function badCommand(text: string, code?: ResponseCode): Completion {
  return code ? { status: 'BAD', code, text } : { status: 'BAD', text };
}
