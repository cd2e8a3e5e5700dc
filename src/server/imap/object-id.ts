/**
 * OBJECTID (RFC 8474): ids derived from what the store already keeps, so they need no column and stay
 * the same wherever the message goes.
 * - EMAILID: the blob's content hash. COPY and MOVE keep the blob, so the id; two deliveries of the very
 *   same bytes share it, which §5.1 allows (an EMAILID names immutable content).
 * - THREADID: a hash of the thread's root message id as the message's own headers name it (first
 *   References id, else In-Reply-To, else its Message-ID); without any, the message is a thread alone.
 * - MAILBOXID: the store's Mailbox.objectId, kept by RENAME (§4.1) and never reused.
 */
import { createHash } from 'node:crypto';
import { threadRootId } from '../../mime/thread-headers.js';
import type { Mailbox } from '../../store/store.js';

export function emailId(blobId: string): string {
  return `E${blobId.slice(0, 32)}`;
}

export function threadId(blobId: string, headerText: string): string {
  const root = threadRootId(headerText);
  if (root === null) return `T${blobId.slice(0, 24)}`;
  return `T${createHash('sha256').update(root).digest('hex').slice(0, 24)}`;
}

export function mailboxId(mailbox: Pick<Mailbox, 'objectId'>): string {
  return `M${mailbox.objectId}`;
}
