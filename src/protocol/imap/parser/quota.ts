/**
 * QUOTA commands (RFC 9208 §4.1, §6):
 *   getquota     = "GETQUOTA" SP quota-root-name
 *   getquotaroot = "GETQUOTAROOT" SP mailbox
 *   setquota     = "SETQUOTA" SP quota-root-name SP setquota-list
 *   setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
 *   setquota-resource = resource-name SP resource-limit   (resource-limit = number64)
 */
import type { Command } from '../command.js';
import { parenList } from './common.js';
import type { Cursor } from './cursor.js';

export function parseGetQuota(c: Cursor): Command {
  c.sp();
  return { name: 'GETQUOTA', root: c.astring() };
}

export function parseGetQuotaRoot(c: Cursor): Command {
  c.sp();
  return { name: 'GETQUOTAROOT', mailbox: c.mailbox() };
}

export function parseSetQuota(c: Cursor): Command {
  c.sp();
  const root = c.astring();
  c.sp();
  const limits: [string, number][] = [];
  parenList(c, () => {
    const resource = c.keyword();
    c.sp();
    limits.push([resource, c.number()]);
  });
  return { name: 'SETQUOTA', root, limits };
}
