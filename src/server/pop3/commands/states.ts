/** Which commands each state accepts (RFC 1939 4-6, RFC 2449 5, RFC 2595 4, RFC 5034 4, RFC 6856 3). */
import type { Pop3CommandName } from '../../../protocol/pop3/command.js';
import type { SessionState } from '../session.js';

const AUTHORIZATION: readonly SessionState[] = ['authorization'];
const TRANSACTION: readonly SessionState[] = ['transaction'];
const BOTH: readonly SessionState[] = ['authorization', 'transaction'];

export const COMMAND_STATES: { readonly [N in Pop3CommandName]: readonly SessionState[] } = {
  USER: AUTHORIZATION,
  PASS: AUTHORIZATION,
  AUTH: AUTHORIZATION,
  STLS: AUTHORIZATION,
  UTF8: AUTHORIZATION,
  CAPA: BOTH,
  QUIT: BOTH,
  NOOP: TRANSACTION,
  STAT: TRANSACTION,
  LIST: TRANSACTION,
  UIDL: TRANSACTION,
  RETR: TRANSACTION,
  TOP: TRANSACTION,
  DELE: TRANSACTION,
  RSET: TRANSACTION,
};
