/**
 * SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3; RFC 3501 §6.3.1 for rev1's RECENT and [UNSEEN]).
 * The sequence map comes from the shared mailbox index; rev1 read-write sessions claim \Recent.
 */
import { HIERARCHY_DELIMITER } from '../../../store/store.js';
import { AUTHENTICATED, badCommand, type CommandSpec, done, refuse } from '../command-spec.js';
import { mailboxId } from '../object-id.js';
import { MAX_ANNOUNCED_KEYWORDS, SelectedMailbox } from '../selected.js';
import { resync } from './qresync.js';

export const select: CommandSpec<'SELECT' | 'EXAMINE'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    const readOnly = command.name === 'EXAMINE';
    const account = session.requireAccount();
    // RFC 7162 §3.2.5: QRESYNC parameters need ENABLE QRESYNC first.
    if (command.qresync && !session.qresync) return badCommand('ENABLE QRESYNC first');
    if (session.selected) {
      session.setSelected(null);
      session.send({ status: 'OK', code: { code: 'CLOSED' }, text: 'Previous mailbox closed' });
    }
    if (command.condstore) session.enableCondstore();
    const name = session.mailboxFromWire(command.mailbox);
    const mailbox = await session.store.getMailbox(account.id, name);
    if (!mailbox) return refuse('No such mailbox', { code: 'NONEXISTENT' });
    const index = await session.services.indexes.acquire(mailbox.id);
    const selected = new SelectedMailbox(index, {
      readOnly,
      rev1: !session.rev2,
      onChange: session.onSelectedChange,
      beforeExpunge: (uids) => session.contexts.beforeExpunge(uids),
      // RFC 9051 §7.1.5: the session cannot go on without its mailbox (Dovecot says BYE too).
      onGone: () => void session.bye('Selected mailbox was deleted'),
      condstore: session.condstore,
      qresync: session.qresync,
    });
    session.setSelected(selected);
    await index.catchUp(true);
    await selected.flush(() => {}, true);
    session.notify.onSelected(selected); // NOTIFY MessageNew fetches start after this
    // RFC 9051 §7.3.5: FLAGS lists the flags defined in the mailbox, keywords in use included.
    const [status, keywords] = await Promise.all([
      session.store.selectStatus(mailbox.id),
      session.store.mailboxKeywords(mailbox.id, MAX_ANNOUNCED_KEYWORDS),
    ]);
    selected.setKeywords(keywords);
    // Claiming \Recent is a write: skip it when the status says nothing is recent.
    if (selected.rev1 && !readOnly && status.recent > 0) {
      selected.markRecent(await session.store.claimRecent(mailbox.id));
    }

    session.send({ type: 'EXISTS', count: selected.exists() });
    if (selected.rev1)
      session.send({ type: 'RECENT', count: readOnly ? status.recent : selected.recentCount() });
    selected.settleRecent();
    for (const response of selected.flagsResponses()) session.send(response);
    session.send({
      status: 'OK',
      code: { code: 'UIDVALIDITY', uidValidity: status.uidValidity },
      text: 'UIDs valid',
    });
    session.send({
      status: 'OK',
      code: { code: 'UIDNEXT', uid: status.uidNext },
      text: 'Predicted next UID',
    });
    session.send({ status: 'OK', code: { code: 'MAILBOXID', id: mailboxId(mailbox) }, text: 'Ok' });
    if (selected.rev1 && status.firstUnseenUid !== null) {
      const seq = selected.seqOf(status.firstUnseenUid);
      if (seq > 0) session.send({ status: 'OK', code: { code: 'UNSEEN', seq }, text: 'First unseen' });
    }
    if (session.condstore)
      session.send({
        status: 'OK',
        code: { code: 'HIGHESTMODSEQ', modseq: status.highestModseq },
        text: 'Highest',
      });
    // RFC 9051 §6.3.1: a rev2 SELECT also returns the mailbox's LIST response.
    if (session.rev2)
      session.send({ type: 'LIST', attributes: [], delimiter: HIERARCHY_DELIMITER, mailbox: mailbox.name });
    if (command.qresync) await resync(session, selected, command.qresync);
    return done(`${command.name} completed`, { code: readOnly ? 'READ-ONLY' : 'READ-WRITE' });
  },
};
