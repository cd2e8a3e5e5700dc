/** Dispatch: one handler per command (or small family), after the allowed-check in allowed.ts. */
import type { Pop3Command } from '../../../protocol/pop3/command.js';
import type { Pop3Session } from '../session.js';
import { auth } from './auth.js';
import { capa } from './capa.js';
import { list, stat, uidl } from './listing.js';
import { dele, noop, rset } from './marks.js';
import { quit } from './quit.js';
import { retr, top } from './retrieve.js';
import { stls } from './stls.js';
import { pass, user } from './user-pass.js';
import { utf8 } from './utf8.js';

type Handler<C> = (session: Pop3Session, command: C) => Promise<void> | void;
type Handlers = { readonly [N in Pop3Command['name']]: Handler<Extract<Pop3Command, { name: N }>> };

const HANDLERS: Handlers = {
  USER: user,
  PASS: pass,
  AUTH: auth,
  STLS: stls,
  UTF8: utf8,
  CAPA: capa,
  QUIT: quit,
  NOOP: noop,
  STAT: stat,
  LIST: list,
  UIDL: uidl,
  RETR: retr,
  TOP: top,
  DELE: dele,
  RSET: rset,
};

export function runCommand(session: Pop3Session, command: Pop3Command): Promise<void> | void {
  return (HANDLERS[command.name] as Handler<Pop3Command>)(session, command);
}
