/**
 * What a FETCH needs before any message is read (RFC 9051 §6.4.5): which store columns, whether
 * \Seen gets set, whether literals are prepared per message, and the items in answer order (UID first
 * for UID FETCH, §6.4.9; MODSEQ with CHANGEDSINCE, RFC 7162 §3.1.4.1).
 */
import type { FetchAttribute, FetchCommand } from '../../../protocol/imap/command.js';

const BODY_ITEMS = new Set(['BODY[]', 'BINARY[]', 'BINARY.SIZE', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT']);
export interface Plan {
  needsMeta: boolean;
  /** The MIME part tree too: a section or BINARY item is resolved against it. */
  needsStructure: boolean;
  /** The search header text too (THREADID, RFC 8474). */
  needsHeaderText: boolean;
  setsSeen: boolean;
  /** Any BODY[]/BINARY/RFC822 item: literals to prepare per message. */
  hasBodies: boolean;
  /** The answer shows FLAGS: asked for, or set with \Seen by this FETCH. */
  showsFlags: boolean;
  items: readonly FetchAttribute[];
}

export function planOf(command: FetchCommand): Plan {
  let needsMeta = false;
  let needsStructure = false;
  let needsHeaderText = false;
  let setsSeen = false;
  const items: FetchAttribute[] = [];
  if (command.uid && !command.attributes.some((a) => a.item === 'UID')) items.push({ item: 'UID' });
  for (const a of command.attributes) {
    items.push(a);
    switch (a.item) {
      case 'ENVELOPE':
      case 'BODY':
      case 'BODYSTRUCTURE':
      case 'PREVIEW':
        needsMeta = true;
        break;
      case 'BINARY[]':
      case 'BINARY.SIZE':
        needsMeta = true;
        needsStructure = true;
        break;
      case 'BODY[]':
        if (a.section.part.length > 0 || a.section.kind !== '') {
          needsMeta = true;
          needsStructure = true;
        }
        break;
      case 'RFC822.HEADER':
      case 'RFC822.TEXT':
        needsMeta = true;
        needsStructure = true;
        break;
      case 'THREADID':
        needsMeta = true;
        needsHeaderText = true;
        break;
    }
    if ((a.item === 'BODY[]' || a.item === 'BINARY[]') && !a.peek) setsSeen = true;
    if (a.item === 'RFC822' || a.item === 'RFC822.TEXT') setsSeen = true;
  }
  if (command.modifiers.changedSince !== undefined && !items.some((a) => a.item === 'MODSEQ')) {
    items.push({ item: 'MODSEQ' });
  }
  const hasBodies = items.some((a) => BODY_ITEMS.has(a.item));
  const showsFlags = setsSeen || items.some((a) => a.item === 'FLAGS');
  return { needsMeta, needsStructure, needsHeaderText, setsSeen, hasBodies, showsFlags, items };
}
