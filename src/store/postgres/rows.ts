/** Row shapes as PostgreSQL returns them (booleans are booleans, int8 parsed to numbers in db.ts). */
import type { PopDeletePolicy } from '../../lib/pop-delete-policy.js';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import { decodeFlags } from '../sqlite/flags.js';
import type { Account, Mailbox, MessageRecord, SpecialUse } from '../store.js';

export interface AccountRow {
  id: number;
  login: string;
  quota_bytes: number | null;
  quota_messages: number | null;
  retention_days: number | null;
  pop_delete_policy: string | null;
  pop_mark_seen: boolean | null;
  admin: boolean;
  created_at: number;
}

export interface MailboxRow {
  id: number;
  account_id: number;
  name: string;
  special_use: string | null;
  subscribed: boolean;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  first_recent_uid: number;
  object_id: number;
}

export interface MessageRow {
  uid: number;
  modseq: number;
  flags: number;
  keywords: string;
  internal_date: number;
  save_date: number;
  size: number;
  blob_id: string;
  meta_id: number;
  pop_hidden: boolean;
}

export interface MetaRow {
  envelope: string | null;
  body_structure: string | null;
  body: string | null;
  structure: string | null;
  preview: string | null;
  sent_date: number | null;
  sent_zone: number | null;
  header_text?: string | null;
  body_text?: string | null;
}

export const ACCOUNT_COLUMNS =
  'id, login, quota_bytes, quota_messages, retention_days, pop_delete_policy, pop_mark_seen, admin, created_at';
export const MAILBOX_COLUMNS = `b.id, b.account_id, b.name, b.special_use, b.uid_validity, b.uid_next, b.highest_modseq,
  b.first_recent_uid, b.object_id,
  EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = b.account_id AND s.name = b.name) AS subscribed`;
export const MESSAGE_COLUMNS =
  'm.uid, m.modseq, m.flags, m.keywords, m.internal_date, m.save_date, m.size, m.blob_id, m.meta_id, m.pop_hidden';

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    login: row.login,
    quotaBytes: row.quota_bytes,
    quotaMessages: row.quota_messages,
    retentionDays: row.retention_days,
    popDeletePolicy: row.pop_delete_policy as PopDeletePolicy | null,
    popMarkSeen: row.pop_mark_seen,
    admin: row.admin,
    createdAt: new Date(row.created_at),
  };
}

export function toMailbox(row: MailboxRow): Mailbox {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    specialUse: row.special_use as SpecialUse | null,
    subscribed: row.subscribed,
    uidValidity: row.uid_validity,
    uidNext: row.uid_next,
    highestModseq: row.highest_modseq,
    objectId: row.object_id.toString(36),
  };
}

export function toMessage(row: MessageRow): MessageRecord {
  return {
    uid: row.uid,
    modseq: row.modseq,
    flags: decodeFlags(row.flags, row.keywords),
    internalDate: new Date(row.internal_date),
    saveDate: new Date(row.save_date),
    size: row.size,
    blobId: row.blob_id,
    popHidden: row.pop_hidden,
  };
}

/** Metadata of a LEFT JOIN; a lost row still gives FETCH syntactically valid (empty) answers. */
export function toMeta(row: MetaRow): IngestMeta {
  if (row.envelope === null) {
    return {
      envelope: 'NIL',
      bodyStructure: 'NIL',
      body: 'NIL',
      structure: '',
      preview: '',
      headerText: '',
      bodyText: '',
      sentDate: null,
      sentZone: null,
    };
  }
  return {
    envelope: row.envelope,
    bodyStructure: row.body_structure ?? 'NIL',
    body: row.body ?? 'NIL',
    structure: row.structure ?? '',
    preview: row.preview ?? '',
    sentDate: row.sent_date,
    sentZone: row.sent_zone,
    headerText: row.header_text ?? '',
    bodyText: row.body_text ?? '',
  };
}
