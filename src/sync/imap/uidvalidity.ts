/**
 * A folder whose UIDVALIDITY changed (RFC 9051 §2.3.1.1: every UID we knew is void). Nothing is
 * deleted and nothing duplicated where it can be avoided: every local message is re-matched to a
 * server message by Message-ID and size; local messages without a match are uploaded again, server
 * messages without a match are downloaded. The user is told what happened.
 */
import { formatSequenceSet } from '../../lib/seqset.js';
import type { LocalMessage } from '../maildir/maildir.js';
import { messageIdOf } from '../message-id.js';
import { downloadMessages } from './download.js';
import type { FolderJob } from './folder-sync.js';

export async function rematchAfterUidValidityChange(
  job: FolderJob,
  before: number,
  after: number,
  local: ReadonlyMap<string, LocalMessage>,
): Promise<void> {
  const byKey = new Map<string, number[]>();
  const serverUids: number[] = [];
  for await (const m of job.client.fetch(
    '1:*',
    { uid: true, size: true, headers: ['message-id'] },
    { uid: true },
  )) {
    serverUids.push(m.uid);
    const id = m.headers ? messageIdOf(Buffer.concat([m.headers, Buffer.from('\r\n\r\n')])) : null;
    if (id === null) continue;
    const key = `${id}\u0000${m.size}`;
    byKey.set(key, [...(byKey.get(key) ?? []), m.uid]);
  }
  const { state, account, name } = job;
  let matched = 0;
  let reupload = 0;
  const matchedUids = new Set<number>();
  for (const record of state.imap.messages(account, name).values()) {
    if (!local.has(record.base)) {
      state.imap.removeMessage(account, name, record.base);
      continue;
    }
    const candidates = record.messageId ? byKey.get(`${record.messageId}\u0000${record.size}`) : undefined;
    const uid = candidates?.shift();
    if (uid === undefined) {
      // uid NULL: uploaded again by this run (after a search by Message-ID, which finds nothing).
      state.imap.putMessage(account, name, { ...record, uid: null, modseq: null });
      reupload++;
    } else {
      state.imap.putMessage(account, name, { ...record, uid, modseq: null });
      matchedUids.add(uid);
      matched++;
    }
  }
  state.imap.putFolder(account, { name, uidValidity: after, highestModseq: null, uidNext: 0 });
  const unmatched = serverUids.filter((uid) => !matchedUids.has(uid));
  let downloaded = 0;
  if (unmatched.length > 0) {
    const wanted = new Set(unmatched);
    const result = await downloadMessages(job, formatSequenceSet(unmatched), (uid) => wanted.has(uid));
    downloaded = result.stored;
    job.counts.downloaded += result.stored;
    job.counts.bytes += result.bytes;
  }
  job.notes.push(
    `${name}: UIDVALIDITY changed (${before} → ${after}): ${matched} messages re-matched by Message-ID and size, ` +
      `${reupload} to upload again, ${downloaded} downloaded; nothing was deleted`,
  );
}
