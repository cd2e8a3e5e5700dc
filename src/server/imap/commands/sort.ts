/**
 * SORT and UID SORT (RFC 5256 §3), ESORT (RFC 5267 §3.2: RETURN answers with ESEARCH, ALL in sort
 * order), DISPLAYFROM/DISPLAYTO (RFC 5957). The search part is SEARCH's; keys come from sort/.
 */
import { formatUidList } from '../../../lib/seqset.js';
import { type CommandSpec, done, SELECTED } from '../command-spec.js';
import { sortedUids } from '../sort/sorted-uids.js';
import { findUids, hasModseqKey, highest, partialOf, startUpdates } from './search.js';

export const sort: CommandSpec<'SORT'> = {
  states: SELECTED,
  usesSequenceNumbers: (command) => !command.uid,
  async handle(session, tag, command) {
    const usesModseq = hasModseqKey(command.search);
    if (usesModseq) session.enableCondstore();
    const found = await findUids(session, command.search);
    const order = await sortedUids(session, found.uids, command.criteria);
    const selected = session.requireSelected();
    const numbers = command.uid ? order : order.map((uid) => selected.seqOf(uid));
    const modseq = usesModseq && numbers.length > 0 ? { modseq: highest(found.modseqs) } : {};
    const options = command.returnOptions;
    if (options === undefined) {
      session.send({ type: 'SORT', numbers, ...modseq });
      return done('SORT completed');
    }
    const wanted = new Set(options.length > 0 ? options : ['ALL']);
    if (wanted.has('SAVE')) {
      // RFC 5182 §2.4: the saved result is the set of matching messages.
      session.savedSearch = found.uids;
      wanted.delete('SAVE');
      if (wanted.size === 0) return done('SORT completed');
    }
    const any = numbers.length > 0;
    // RFC 5267 §3.2: MIN and MAX are the first and last messages in sort order (as Dovecot answers);
    // ALL lists them all in sort order.
    const min = numbers[0];
    const max = numbers[numbers.length - 1];
    session.send({
      type: 'ESEARCH',
      tag,
      uid: command.uid,
      ...(any && wanted.has('MIN') ? { min } : {}),
      ...(any && wanted.has('MAX') ? { max } : {}),
      ...(any && wanted.has('ALL') ? { all: formatUidList(numbers) } : {}),
      ...(wanted.has('COUNT') ? { count: numbers.length } : {}),
      ...modseq,
      ...(command.partial ? { partial: partialOf(numbers, command.partial, formatUidList) } : {}),
    });
    if (wanted.has('UPDATE')) {
      const search = { tag, uid: command.uid, criteria: command.search, sort: command.criteria };
      startUpdates(session, search, order);
    }
    return done('SORT completed');
  },
};
