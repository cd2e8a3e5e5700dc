/**
 * RFC 5322 §3.4 address lists with groups, parsed with Dovecot's leniency (lib-mail/message-address.c)
 * so ENVELOPE address structures match it: a missing local part or domain becomes "MISSING_MAILBOX" /
 * "MISSING_DOMAIN", `user@host (Comment)` takes the comment as display name, and parsing stops at the
 * first address it cannot make sense of (keeping the ones before it).
 */
import { Rfc822Lexer } from './rfc822-lexer.js';

export interface Address {
  /** Display name (raw: RFC 2047 encoded words are not decoded here). */
  name: string | null;
  /** Obsolete source route ("@a,@b"). */
  route: string | null;
  /** Local part; for a group start marker, the group name. */
  mailbox: string | null;
  /** Domain; null marks a group start (with mailbox) or a group end (all null), RFC 9051 §7.5.2. */
  host: string | null;
}

const MAX_ADDRESSES = 10000;

interface Draft {
  name: string | null;
  route: string | null;
  mailbox: string | null;
  host: string | null;
}

class AddressParser {
  readonly out: Address[] = [];
  private draft: Draft = { name: null, route: null, mailbox: null, host: null };

  constructor(private readonly lx: Rfc822Lexer) {}

  private reset(): void {
    this.draft = { name: null, route: null, mailbox: null, host: null };
  }

  private add(fillMissing: boolean): void {
    const d = this.draft;
    if (fillMissing) {
      if (d.mailbox === null) d.mailbox = 'MISSING_MAILBOX';
      if (d.host === null || d.host === '') d.host = 'MISSING_DOMAIN';
    }
    this.out.push({ ...d });
    this.reset();
  }

  /** What localPart() read, even when it failed (Dovecot reuses it as the start of a display name). */
  private partialLocal = '';

  private localPart(): number {
    const s = { s: '' };
    const r = this.lx.peek() === 0x22 ? this.lx.quotedString(s) : this.lx.dotAtom(s);
    this.partialLocal = s.s;
    if (r < 0) return -1;
    this.draft.mailbox = s.s;
    return r;
  }

  private domain(): number {
    const s = { s: '' };
    const r = this.lx.domain(s);
    if (r < 0) return -1;
    this.draft.host = s.s;
    return r;
  }

  private domainList(): number {
    let route = '';
    for (;;) {
      if (this.lx.atEnd) return 0;
      if (this.lx.peek() !== 0x40) break;
      if (route.length > 0) route += ',';
      const s = { s: '@' };
      const r = this.lx.domain(s);
      route += s.s;
      if (r <= 0) return r;
      while (this.lx.skipLwsp() > 0 && this.lx.peek() === 0x2c) this.lx.pos++;
    }
    this.draft.route = route;
    return 1;
  }

  private angleAddr(): number {
    const lx = this.lx;
    lx.pos++; // "<"
    if (lx.skipLwsp() <= 0) return -1;
    if (lx.peek() === 0x40) {
      if (this.domainList() > 0 && lx.peek() === 0x3a) {
        lx.pos++;
      } else {
        this.draft.route = 'INVALID_ROUTE';
        if (lx.atEnd) return -1;
      }
      if (lx.skipLwsp() <= 0) return -1;
    }
    if (lx.peek() !== 0x3e) {
      if (this.localPart() <= 0) return -1;
      if (lx.peek() === 0x40 && this.domain() <= 0) return -1;
    }
    if (lx.peek() !== 0x3e) return -1;
    lx.pos++;
    return lx.skipLwsp();
  }

  private nameAddr(): number {
    const lx = this.lx;
    const phrase = { s: '' };
    if (lx.phrase(phrase) <= 0 || lx.peek() !== 0x3c) return -1;
    this.draft.name = phrase.s === '' ? null : phrase.s;
    if (this.angleAddr() < 0) {
      this.draft.host = 'SYNTAX_ERROR';
    }
    return lx.atEnd ? 0 : 1;
  }

  private addrSpec(): number {
    const lx = this.lx;
    lx.lastComment = '';
    const quoted = lx.peek() === 0x22;
    let r = this.localPart();
    let r2 = -2;
    if (r !== 0 && !lx.atEnd && lx.peek() === 0x40) {
      r2 = this.domain();
      if (r2 <= 0) r = r2;
    }
    if (lx.lastComment.length > 0) {
      this.draft.name = lx.lastComment;
    } else if (r2 === -2) {
      // "user" alone is a mailbox without domain; "user more words" is a display name.
      const phrase = { s: `${this.partialLocal} ` };
      const before = phrase.s.length;
      lx.phrase(phrase);
      if (phrase.s.length !== before) {
        this.draft.mailbox = null;
        this.draft.name = phrase.s;
      } else if (!quoted) {
        this.draft.host = '';
      } else {
        // A lone "quoted string" is a display name without an address (Dovecot).
        this.draft.name = this.draft.mailbox;
        this.draft.mailbox = null;
      }
      r = -1;
    }
    return r;
  }

  private mailbox(): number {
    const lx = this.lx;
    const start = lx.pos;
    let r = this.nameAddr();
    if (r < 0) {
      lx.pos = start;
      this.reset();
      r = this.addrSpec();
    }
    this.add(true);
    // Dovecot goes on after an address it could only partly make sense of.
    return lx.atEnd ? 0 : Math.max(r, 1);
  }

  private group(): number {
    const lx = this.lx;
    const phrase = { s: '' };
    if (lx.phrase(phrase) <= 0 || lx.peek() !== 0x3a) return -1;
    this.draft.mailbox = phrase.s;
    this.add(false);
    lx.pos++;
    let r = lx.skipLwsp();
    if (r > 0) {
      if (lx.peek() === 0x3b) {
        lx.pos++;
        r = lx.skipLwsp();
      } else {
        for (;;) {
          if (this.mailbox() <= 0) {
            r = -1;
            break;
          }
          if (lx.peek() !== 0x2c) break;
          lx.pos++;
          if (lx.skipLwsp() <= 0) {
            r = -1;
            break;
          }
        }
        if (r >= 0) {
          if (lx.atEnd || lx.peek() !== 0x3b) r = -1;
          else {
            lx.pos++;
            r = lx.skipLwsp();
          }
        }
      }
    }
    this.reset();
    this.add(false); // group end marker
    return r;
  }

  private address(): number {
    const start = this.lx.pos;
    const mark = this.out.length;
    const r = this.group();
    if (r >= 0 || this.out.length > mark) return r;
    this.lx.pos = start;
    this.reset();
    return this.mailbox();
  }

  parseList(): void {
    const lx = this.lx;
    for (let n = 0; n < MAX_ADDRESSES; n++) {
      if (this.address() === 0) break;
      if (lx.atEnd || lx.peek() !== 0x2c) break;
      lx.pos++;
      const r = lx.skipLwsp();
      if (r <= 0) {
        if (r < 0) {
          this.reset();
          this.add(true);
        }
        break;
      }
    }
  }
}

/** Parses an address-list header value; an empty list for an empty or unparsable value. */
export function parseAddressList(value: string): Address[] {
  const lx = new Rfc822Lexer(value);
  if (lx.skipLwsp() <= 0) return [];
  const parser = new AddressParser(lx);
  parser.parseList();
  return parser.out;
}
