/**
 * Turns one received command (line segments + literals) into a TaggedCommand (RFC 9051 §9 `command`).
 * APPEND is handled by the receiver's streaming path; see ./append.ts.
 */
import type { Command, TaggedCommand } from '../command.js';
import { CharClass, Cursor, type Literal, ParseError } from './cursor.js';
import { parseFetch } from './fetch.js';
import { parseList } from './list.js';
import {
  parseCopyMove,
  parseCreate,
  parseLsub,
  parseOneMailbox,
  parseRename,
  parseSelect,
  parseUidExpunge,
} from './mailbox.js';
import { parseNotify } from './notify.js';
import { parseGetQuota, parseGetQuotaRoot, parseSetQuota } from './quota.js';
import { parseCancelUpdate, parseSearch } from './search.js';
import {
  parseAuthenticate,
  parseCompress,
  parseEnable,
  parseExpungePlain,
  parseId,
  parseLogin,
  parseNoArgs,
} from './simple.js';
import { parseSort, parseThread } from './sort.js';
import { parseStatus } from './status.js';
import { parseStore } from './store.js';

export type { Literal } from './cursor.js';
export { ParseError } from './cursor.js';

type Parser = (c: Cursor) => Command;

const COMMANDS: Record<string, Parser> = {
  CAPABILITY: () => parseNoArgs('CAPABILITY'),
  NOOP: () => parseNoArgs('NOOP'),
  LOGOUT: () => parseNoArgs('LOGOUT'),
  STARTTLS: () => parseNoArgs('STARTTLS'),
  IDLE: () => parseNoArgs('IDLE'),
  CHECK: () => parseNoArgs('CHECK'),
  CLOSE: () => parseNoArgs('CLOSE'),
  UNSELECT: () => parseNoArgs('UNSELECT'),
  NAMESPACE: () => parseNoArgs('NAMESPACE'),
  UNAUTHENTICATE: () => parseNoArgs('UNAUTHENTICATE'),
  EXPUNGE: () => parseExpungePlain(),
  APPEND: () => {
    // Reached only when no message literal was announced: the receiver streams real APPENDs.
    throw new ParseError('APPEND needs a message literal');
  },
  REPLACE: () => {
    throw new ParseError('REPLACE needs a message literal');
  },
  AUTHENTICATE: parseAuthenticate,
  COMPRESS: parseCompress,
  LOGIN: parseLogin,
  ENABLE: parseEnable,
  ID: parseId,
  SELECT: (c) => parseSelect(c, 'SELECT'),
  EXAMINE: (c) => parseSelect(c, 'EXAMINE'),
  CREATE: parseCreate,
  DELETE: (c) => parseOneMailbox(c, 'DELETE'),
  SUBSCRIBE: (c) => parseOneMailbox(c, 'SUBSCRIBE'),
  UNSUBSCRIBE: (c) => parseOneMailbox(c, 'UNSUBSCRIBE'),
  RENAME: parseRename,
  LIST: parseList,
  LSUB: parseLsub,
  STATUS: parseStatus,
  FETCH: (c) => parseFetch(c, false),
  SEARCH: (c) => parseSearch(c, false),
  STORE: (c) => parseStore(c, false),
  COPY: (c) => parseCopyMove(c, 'COPY', false),
  MOVE: (c) => parseCopyMove(c, 'MOVE', false),
  GETQUOTA: parseGetQuota,
  GETQUOTAROOT: parseGetQuotaRoot,
  SETQUOTA: parseSetQuota,
  NOTIFY: parseNotify,
  CANCELUPDATE: parseCancelUpdate,
  SORT: (c) => parseSort(c, false),
  THREAD: (c) => parseThread(c, false),
};

const UID_COMMANDS: Record<string, Parser> = {
  FETCH: (c) => parseFetch(c, true),
  SEARCH: (c) => parseSearch(c, true),
  SORT: (c) => parseSort(c, true),
  THREAD: (c) => parseThread(c, true),
  STORE: (c) => parseStore(c, true),
  COPY: (c) => parseCopyMove(c, 'COPY', true),
  MOVE: (c) => parseCopyMove(c, 'MOVE', true),
  EXPUNGE: parseUidExpunge,
  REPLACE: () => {
    throw new ParseError('REPLACE needs a message literal');
  },
};

/** A ParseError that knows the tag of the command it rejected (when the tag was readable). */
export class CommandParseError extends ParseError {
  readonly tag: string | undefined;
  constructor(cause: ParseError, tag: string | undefined) {
    super(cause.message, cause.code, cause.status);
    this.tag = tag;
  }
}

export interface CommandHead {
  readonly tag: string;
  /** Uppercased command name; `UID FETCH` is reported as name FETCH with uid true. */
  readonly name: string;
  readonly uid: boolean;
}

/** Reads `tag SP [UID SP] name` from the cursor. Throws CommandParseError (tag set when readable). */
export function readHead(c: Cursor): CommandHead {
  let tag: string | undefined;
  try {
    tag = c.run(CharClass.TAGCHAR, 'a tag');
    c.sp();
    let name = c.keyword();
    let uid = false;
    if (name === 'UID') {
      c.sp();
      name = c.keyword();
      uid = true;
    }
    return { tag, name, uid };
  } catch (err) {
    throw err instanceof ParseError ? new CommandParseError(err, tag) : err;
  }
}

/** Reads only the tag of a line (for error reports on lines that cannot be parsed). */
export function readTag(line: Buffer): string | undefined {
  let i = 0;
  while (i < line.length && i < 256 && CharClass.TAGCHAR[line[i]!] === 1) i++;
  if (i === 0 || line[i] !== 0x20) return undefined;
  return line.toString('latin1', 0, i);
}

export function parseCommand(
  segments: readonly Buffer[],
  literals: readonly Literal[],
  maxNesting = 100,
): TaggedCommand {
  const c = new Cursor(segments, literals, maxNesting);
  const head = readHead(c);
  try {
    const parser = head.uid ? UID_COMMANDS[head.name] : COMMANDS[head.name];
    if (!parser)
      throw new ParseError(
        head.uid
          ? `Unknown UID command ${head.name.slice(0, 20)}`
          : `Unknown command ${head.name.slice(0, 20)}`,
      );
    const command = parser(c);
    c.end();
    return { tag: head.tag, command };
  } catch (err) {
    throw err instanceof ParseError ? new CommandParseError(err, head.tag) : err;
  }
}
