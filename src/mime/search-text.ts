/**
 * Search text helpers shared by the SEARCH evaluator (the exact check) and the stores' full-text index
 * (which only narrows): what an address field also matches, and the case folding the index uses.
 */
import { parseAddressList } from './address.js';

/** Header fields whose SEARCH HEADER also matches the addresses as ENVELOPE parses them. */
export const ADDRESS_FIELDS: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'resent-from',
  'resent-to',
  'resent-cc',
]);

/**
 * An address field as `Name <local@domain>, ...`, with comments, quoting and the obsolete syntax gone:
 * FROM user-from@domain.org matches `<user-from (comment)@ (comment) domain.org>` (as Dovecot's SEARCH).
 */
export function normalizedAddresses(value: string): string {
  const out: string[] = [];
  for (const a of parseAddressList(value)) {
    if (a.host === null) continue; // group start or end
    const address = `<${a.mailbox ?? ''}@${a.host}>`;
    out.push(a.name ? `${a.name} ${address}` : address);
  }
  return out.join(', ');
}

/**
 * Case folding for the index: toLowerCase, then final sigma as sigma. toLowerCase maps every character on
 * its own except Σ, whose lower case depends on its neighbours (ς at a word's end); folding ς away makes
 * the whole a per-character map, so a substring of a folded part of a text is a substring of the folded
 * whole. Hence "the evaluator's lower-cased haystack contains the lower-cased needle" implies "the folded
 * index text contains the folded needle", whatever slice of the text the evaluator looked at.
 */
export function searchFold(text: string): string {
  return text.toLowerCase().replace(/ς/g, 'σ');
}

/**
 * The header text as the index holds it: every header line, plus each address field's normalized form
 * (a needle may match only that form), folded. A superset of what HEADER, FROM, TO... and TEXT look at.
 */
export function indexedHeaderText(headerText: string): string {
  let extra = '';
  for (const line of headerText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !ADDRESS_FIELDS.has(line.slice(0, colon).toLowerCase())) continue;
    const normalized = normalizedAddresses(line.slice(colon + 1));
    if (normalized !== '') extra += `\n${normalized}`;
  }
  return searchFold(headerText + extra);
}

/**
 * The values of `field` in headerText (one unfolded "Name: value" per line) as SEARCH HEADER reads them:
 * the text after the colon of each line whose name is the field.
 */
export function headerFieldValues(headerText: string, field: string): string[] {
  const name = `${field.toLowerCase()}:`;
  const values: string[] = [];
  for (const line of headerText.split('\n')) {
    if (line.length < name.length || line.slice(0, name.length).toLowerCase() !== name) continue;
    values.push(line.slice(name.length));
  }
  return values;
}

/** The header fields with a column each in the full-text index: FROM, TO, CC, BCC and SUBJECT keys. */
export const INDEXED_FIELDS = ['from', 'to', 'cc', 'bcc', 'subject'] as const;

/**
 * A field's column in the index: each value and, for an address field, its normalized form, one per
 * line, folded. A needle without a line break is in it exactly where SEARCH HEADER finds it (the check
 * reads the same values, headerFieldValues), so the index proves such matches. Changing what this
 * returns needs a schema step that rebuilds the index.
 */
export function indexedFieldText(headerText: string, field: string): string {
  const parts: string[] = [];
  for (const value of headerFieldValues(headerText, field)) {
    parts.push(value);
    if (ADDRESS_FIELDS.has(field)) parts.push(normalizedAddresses(value));
  }
  return searchFold(parts.join('\n'));
}
