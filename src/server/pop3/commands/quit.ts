/**
 * QUIT (RFC 1939 6). From TRANSACTION it enters UPDATE: the DELE marks are committed (expunged, or hidden
 * from POP3 under the `hide` policy) and only then does the client get +OK. If the commit fails the
 * client gets -ERR and the messages stay.
 */
import { errLine, okLine } from '../../../protocol/pop3/response.js';
import { errorReply } from '../error-replies.js';
import type { Pop3Session } from '../session.js';

export async function quit(session: Pop3Session): Promise<void> {
  if (session.state === 'authorization') {
    session.reply(okLine('Bye'));
    session.end();
    return;
  }
  session.state = 'update';
  const commit = commitDeletions(session);
  session.commit = commit.then(() => {});
  session.reply(await commit);
  session.end();
}

async function commitDeletions(session: Pop3Session): Promise<string> {
  const maildrop = session.maildrop!;
  const uids = maildrop.deletedUids();
  if (uids.length === 0) return okLine('Bye');
  const { store, config } = session.ctx;
  const policy = session.account?.popDeletePolicy ?? config.pop3.deletePolicy;
  try {
    await session.flushSeen();
    if (policy === 'hide') await store.setPopHidden(maildrop.mailboxId, uids);
    else await store.expunge(maildrop.mailboxId, { uids, force: true });
    session.log.info({ deleted: uids.length, policy }, 'UPDATE committed');
    return okLine(`Bye, ${uids.length} messages deleted`);
  } catch (err) {
    const reply = errorReply(err, session.log, 'UPDATE');
    // RFC 1939 6: "-ERR some deleted messages not removed", keeping the mapped response code.
    const code = /^-ERR (\[[^\]]+\] )?/.exec(reply)?.[1] ?? '';
    return code ? reply : errLine('Some deleted messages were not removed');
  }
}
