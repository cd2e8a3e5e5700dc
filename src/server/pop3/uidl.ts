/**
 * UIDL strings (RFC 1939 7: 1-70 characters 0x21-0x7E, unique and stable for the message).
 * 'dovecot': Dovecot's default pop3_uidl_format %08Xu%08Xv — UID then UIDVALIDITY as 8 upper-case hex
 * digits each — so maildrops migrated from Dovecot keep their UIDLs. 'uid': the decimal UID.
 */
export type UidlFormat = 'dovecot' | 'uid';

export function formatUidl(format: UidlFormat, uid: number, uidValidity: number): string {
  if (format === 'uid') return String(uid);
  return hex8(uid) + hex8(uidValidity);
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
