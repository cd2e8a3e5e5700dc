/** THREAD and UID THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES over the searched messages. */
import { type CommandSpec, done, SELECTED } from '../command-spec.js';
import { loadSortKeys } from '../sort/load-keys.js';
import { THREAD_FIELDS } from '../sort/sort-keys.js';
import { orderedSubject, references } from '../sort/thread.js';
import { findUids } from './search.js';

export const thread: CommandSpec<'THREAD'> = {
  states: SELECTED,
  usesSequenceNumbers: (command) => !command.uid,
  async handle(session, _tag, command) {
    const found = await findUids(session, command.search);
    const keys = await loadSortKeys(session, found.uids, THREAD_FIELDS);
    const id = command.uid ? (k: { uid: number }) => k.uid : (k: { seq: number }) => k.seq;
    const threads = command.algorithm === 'REFERENCES' ? references(keys, id) : orderedSubject(keys, id);
    session.send({ type: 'THREAD', threads });
    return done('THREAD completed');
  },
};
