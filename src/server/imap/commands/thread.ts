/** THREAD and UID THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES over the searched messages. */
import { type CommandSpec, done, SELECTED } from '../command-spec.js';
import { renumberThreads, threadsByUid } from '../sort/sorted-uids.js';
import { findUids } from './search.js';

export const thread: CommandSpec<'THREAD'> = {
  states: SELECTED,
  usesSequenceNumbers: (command) => !command.uid,
  async handle(session, _tag, command) {
    const found = await findUids(session, command.search);
    const byUid = await threadsByUid(session, found.uids, command.algorithm);
    const selected = session.requireSelected();
    const threads = command.uid ? byUid : renumberThreads(byUid, (uid) => selected.seqOf(uid));
    session.send({ type: 'THREAD', threads });
    return done('THREAD completed');
  },
};
