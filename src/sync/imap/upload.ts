/**
 * Uploading local messages (new mail written into the Maildir, drafts, messages to re-upload):
 * APPEND with their flags, keywords and the file's mtime as INTERNALDATE; the new UID comes from
 * APPENDUID (RFC 4315 §3). The record is written before the APPEND with uid NULL: if the run dies
 * before the UID is recorded, the next run finds the message on the server by Message-ID and size
 * instead of appending it twice.
 */
import type { LocalMessage } from '../maildir/maildir.js';
import { messageIdOf } from '../message-id.js';
import type { MessageRecord } from '../state/imap-state.js';
import type { FolderJob } from './folder-sync.js';

export async function uploadMessages(
  job: FolderJob,
  files: readonly LocalMessage[],
  records: ReadonlyMap<string, MessageRecord>,
): Promise<void> {
  let missingUid = 0;
  for (const file of files) {
    const content = await job.maildir.read(file);
    const messageId = messageIdOf(content);
    const prior = records.get(file.base);
    const record: MessageRecord = {
      base: file.base,
      uid: null,
      flags: file.flags,
      keywords: prior?.keywords ?? [],
      modseq: null,
      size: content.length,
      messageId,
      synced: true,
    };
    if (prior?.uid === null) {
      const uid = await findOnServer(job, messageId, content.length);
      if (uid !== null) {
        job.state.imap.putMessage(job.account, job.name, { ...record, uid });
        continue;
      }
    }
    job.state.imap.putMessage(job.account, job.name, record);
    const date = await job.maildir.mtime(file);
    const result = await job.client.append(job.name, content, [...file.flags, ...record.keywords], date);
    if (!result) throw new Error(`APPEND to ${job.name} failed`);
    job.counts.uploaded++;
    if (result.uid === undefined) missingUid++;
    else job.state.imap.putMessage(job.account, job.name, { ...record, uid: result.uid });
  }
  if (missingUid > 0) {
    job.notes.push(
      `${job.name}: the server sent no APPENDUID (no UIDPLUS); ${missingUid} uploads are matched next run`,
    );
  }
}

/** An earlier upload's UID, found by Message-ID (SEARCH HEADER) and size; null if it never arrived. */
async function findOnServer(job: FolderJob, messageId: string | null, size: number): Promise<number | null> {
  if (messageId === null) return null;
  const uids = (await job.client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
  if (uids.length === 0) return null;
  for await (const m of job.client.fetch(uids.join(','), { uid: true, size: true }, { uid: true })) {
    if (m.size === size) return m.uid;
  }
  return null;
}
