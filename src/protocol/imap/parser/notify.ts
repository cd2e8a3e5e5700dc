/**
 * NOTIFY (RFC 5465 §8):
 *   notify          = "NOTIFY" SP (notify-set / notify-none)
 *   notify-none     = "NONE"
 *   notify-set      = "SET" [SP status-indicator] SP event-groups      ; status-indicator = "STATUS"
 *   event-groups    = event-group *(SP event-group)
 *   event-group     = "(" filter-mailboxes SP events ")"
 *   filter-mailboxes = "selected" / "selected-delayed" / "inboxes" / "personal" / "subscribed" /
 *                      ("subtree" SP one-or-more-mailbox) / ("mailboxes" SP one-or-more-mailbox)
 *   one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"
 *   events          = ("(" event *(SP event) ")") / "NONE"
 *   event           = ("MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]) / "MessageExpunge" /
 *                     "FlagChange" / "AnnotationChange" / mailbox-event / user-event / event-ext
 * Event names are matched case-insensitively; an unknown one (event-ext = atom) is kept so that NOTIFY
 * answers NO [BADEVENT] rather than BAD.
 */
import type {
  FetchAttribute,
  NotifyCommand,
  NotifyEvent,
  NotifyEventGroup,
  NotifyFilter,
} from '../command.js';
import { parenList } from './common.js';
import { type Cursor, ParseError } from './cursor.js';
import { fetchAtt } from './fetch.js';

const EVENTS: readonly NotifyEvent[] = [
  'MessageNew',
  'MessageExpunge',
  'FlagChange',
  'AnnotationChange',
  'MailboxName',
  'SubscriptionChange',
  'MailboxMetadataChange',
  'ServerMetadataChange',
];
const EVENT_BY_UPPER = new Map(EVENTS.map((e) => [e.toUpperCase(), e]));
const FILTERS = new Set<NotifyFilter>([
  'SELECTED',
  'SELECTED-DELAYED',
  'INBOXES',
  'PERSONAL',
  'SUBSCRIBED',
  'SUBTREE',
  'MAILBOXES',
]);

export function parseNotify(c: Cursor): NotifyCommand {
  c.sp();
  const verb = c.keyword();
  if (verb === 'NONE') return { name: 'NOTIFY', set: null };
  if (verb !== 'SET') throw new ParseError('NOTIFY needs SET or NONE');
  c.sp();
  let status = false;
  if (c.acceptWord('STATUS')) {
    status = true;
    c.sp();
  }
  const groups: NotifyEventGroup[] = [];
  for (;;) {
    groups.push(eventGroup(c));
    if (c.atEnd()) break;
    c.sp();
  }
  return { name: 'NOTIFY', set: { status, groups } };
}

function eventGroup(c: Cursor): NotifyEventGroup {
  c.expect(0x28, '(');
  c.enterList();
  const filter = c.keyword() as NotifyFilter;
  if (!FILTERS.has(filter)) throw new ParseError(`Unknown NOTIFY filter ${filter.slice(0, 30)}`);
  let mailboxes: string[] | undefined;
  if (filter === 'SUBTREE' || filter === 'MAILBOXES') {
    c.sp();
    mailboxes = [];
    const names = mailboxes;
    if (c.peek() === 0x28) parenList(c, () => names.push(c.mailbox()), false);
    else names.push(c.mailbox());
  }
  c.sp();
  const events: (NotifyEvent | string)[] = [];
  let fetch: FetchAttribute[] | undefined;
  if (!c.acceptWord('NONE')) {
    parenList(
      c,
      () => {
        const word = c.keyword();
        const event = EVENT_BY_UPPER.get(word) ?? word;
        events.push(event);
        if (event === 'MessageNew' && c.peekWord(' (')) {
          c.sp();
          const atts: FetchAttribute[] = [];
          parenList(c, () => atts.push(fetchAtt(c)), false);
          fetch = atts;
        }
      },
      false,
    );
  }
  c.expect(0x29, ')');
  c.leaveList();
  return { filter, ...(mailboxes ? { mailboxes } : {}), events, ...(fetch ? { fetch } : {}) };
}
