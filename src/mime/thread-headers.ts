/**
 * Threading headers read from the search header text ("Name: decoded value" lines, see text.ts):
 * message ids of Message-ID, In-Reply-To and References (RFC 5256 §3, RFC 5322 §3.6.4), for IMAP
 * THREAD and OBJECTID's THREADID. Pure.
 */

/** The first field `name` (case-insensitive) of the header text, or null. */
export function headerField(headerText: string, name: string): string | null {
  const prefix = `${name.toLowerCase()}:`;
  let start = 0;
  while (start < headerText.length) {
    let end = headerText.indexOf('\n', start);
    if (end < 0) end = headerText.length;
    if (
      end - start >= prefix.length &&
      headerText.slice(start, start + prefix.length).toLowerCase() === prefix
    ) {
      return headerText.slice(start + prefix.length, end).trim();
    }
    start = end + 1;
  }
  return null;
}

/**
 * The `<...>` message ids of a field, in order, without the brackets (RFC 5256 §3 step 1.A: ids are
 * compared as written, case-sensitively); an id with whitespace inside is read without it.
 */
export function messageIds(value: string | null): string[] {
  if (!value) return [];
  const ids: string[] = [];
  let i = 0;
  for (;;) {
    const open = value.indexOf('<', i);
    if (open < 0) return ids;
    const close = value.indexOf('>', open + 1);
    if (close < 0) return ids;
    const id = value.slice(open + 1, close).replace(/\s+/g, '');
    if (id.length > 0) ids.push(id);
    i = close + 1;
  }
}

/** Message-ID, In-Reply-To and References of a message (ids only). */
export interface ThreadHeaders {
  messageId: string | null;
  references: string[];
}

/**
 * RFC 5256 §3 step 1.A: the parent chain from References; without References, the first id of
 * In-Reply-To (REFERENCES algorithm as Dovecot reads it).
 */
export function threadHeaders(headerText: string): ThreadHeaders {
  const messageId = messageIds(headerField(headerText, 'message-id'))[0] ?? null;
  let references = messageIds(headerField(headerText, 'references'));
  if (references.length === 0) references = messageIds(headerField(headerText, 'in-reply-to')).slice(0, 1);
  return { messageId, references };
}

/** The id at the root of the message's thread as its headers know it: the first reference, else its own. */
export function threadRootId(headerText: string): string | null {
  const h = threadHeaders(headerText);
  return h.references[0] ?? h.messageId;
}
