/**
 * CAPABILITY lists per connection state (RFC 9051 §6.1.1, §7.2.2). Before login the list depends on
 * TLS: STARTTLS while plaintext, LOGINDISABLED and no AUTH= when plaintext auth is refused (issue 5).
 */
import { scramMechanisms } from '../auth/scram-exchange.js';

export interface CapabilityContext {
  authenticated: boolean;
  secure: boolean;
  plaintextAuthAllowed: boolean;
  appendLimit: number;
}

const BASE = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ENABLE', 'IDLE', 'ID'];

const AFTER_LOGIN = [
  'NAMESPACE',
  'UNSELECT',
  'UIDPLUS',
  // RFC 3502: APPEND of several messages, all or none (store.appendMany).
  'MULTIAPPEND',
  // RFC 8508: REPLACE / UID REPLACE, one store transaction (append-flow.ts, store.replace).
  'REPLACE',
  'MOVE',
  'CHILDREN',
  'LIST-EXTENDED',
  'LIST-STATUS',
  'SPECIAL-USE',
  'ESEARCH',
  'CONDSTORE',
  'QRESYNC',
  'SEARCHRES',
  'BINARY',
  'STATUS=SIZE',
  // RFC 6855: rev1 clients may ENABLE UTF-8 names/strings and the APPEND UTF8 form.
  'UTF8=ACCEPT',
  // RFC 9208: GETQUOTA/GETQUOTAROOT over the store's limits, STATUS DELETED-STORAGE (commands/quota.ts).
  'QUOTA',
  'QUOTA=RES-STORAGE',
  'QUOTA=RES-MESSAGE',
  // RFC 8514: SAVEDATE in FETCH and SEARCH SAVED* (messages.save_date).
  'SAVEDATE',
  // RFC 5032: SEARCH OLDER/YOUNGER.
  'WITHIN',
  // RFC 8970: FETCH PREVIEW from the preview stored at ingest.
  'PREVIEW',
  // RFC 8474: EMAILID, THREADID, MAILBOXID (object-id.ts).
  'OBJECTID',
  // RFC 8437: back to the not-authenticated state (commands/unauthenticate.ts).
  'UNAUTHENTICATE',
  // RFC 5256, RFC 5267 (ESORT), RFC 5957 (DISPLAYFROM/DISPLAYTO): commands/sort.ts, thread.ts.
  'SORT',
  'ESORT',
  // RFC 5267: RETURN (PARTIAL/UPDATE/CONTEXT) for SEARCH and SORT, CANCELUPDATE (context-search.ts).
  'CONTEXT=SEARCH',
  'CONTEXT=SORT',
  'SORT=DISPLAY',
  'THREAD=ORDEREDSUBJECT',
  'THREAD=REFERENCES',
  // RFC 5465: NOTIFY SET/NONE (notify.ts), STATUS and LIST updates for other mailboxes.
  'NOTIFY',
  // RFC 4978: commands/compress.ts, server/net/deflate-stream.ts.
  'COMPRESS=DEFLATE',
];

export function capabilities(c: CapabilityContext): string[] {
  const list = [...BASE];
  if (!c.authenticated) {
    if (!c.secure) list.push('STARTTLS');
    // SCRAM (server/auth/scram.ts) under the same privacy rule; -PLUS needs TLS to bind to.
    if (c.plaintextAuthAllowed) {
      list.push('AUTH=PLAIN', 'AUTH=LOGIN', ...scramMechanisms(c.secure).map((m) => `AUTH=${m}`));
    } else list.push('LOGINDISABLED');
    return list;
  }
  return [...list, ...AFTER_LOGIN, `APPENDLIMIT=${c.appendLimit}`];
}
