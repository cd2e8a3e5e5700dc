/**
 * SORT and THREAD (RFC 5256 §5, RFC 5267 ESORT, RFC 5957 DISPLAYFROM/DISPLAYTO):
 *   sort   = ["UID" SP] "SORT" [SP "RETURN" SP "(" sort-return-opts ")"] SP sort-criteria SP
 *            search-criteria
 *   sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"
 *   sort-criterion = ["REVERSE" SP] sort-key
 *   search-criteria = charset 1*(SP search-key)
 *   thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
 */
import type { Command, SortCriterion, SortKey } from '../command.js';
import { parenList } from './common.js';
import { type Cursor, ParseError } from './cursor.js';
import { returnOptionsIfAny, searchCharset, searchKeys } from './search.js';

/** Every SORT key this server knows (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO). */
export const SORT_KEY_NAMES: readonly SortKey[] = [
  'ARRIVAL',
  'CC',
  'DATE',
  'FROM',
  'SIZE',
  'SUBJECT',
  'TO',
  'DISPLAYFROM',
  'DISPLAYTO',
];
const SORT_KEYS: ReadonlySet<string> = new Set(SORT_KEY_NAMES);

export const THREAD_ALGORITHMS = ['ORDEREDSUBJECT', 'REFERENCES'] as const;

export function parseSort(c: Cursor, uid: boolean): Command {
  c.sp();
  const returned = returnOptionsIfAny(c);
  const criteria: SortCriterion[] = [];
  parenList(
    c,
    () => {
      let word = c.keyword();
      let reverse = false;
      if (word === 'REVERSE') {
        reverse = true;
        c.sp();
        word = c.keyword();
      }
      if (!SORT_KEYS.has(word)) throw new ParseError(`Unknown sort key ${word.slice(0, 30)}`);
      criteria.push({ key: word as SortKey, reverse });
    },
    false,
  );
  c.sp();
  const { charset, encoding } = searchCharset(c);
  c.sp();
  const search = searchKeys(c, encoding);
  return {
    name: 'SORT',
    uid,
    criteria,
    charset,
    search,
    ...(returned !== undefined ? { returnOptions: returned.options } : {}),
    ...(returned?.partial ? { partial: returned.partial } : {}),
  };
}

export function parseThread(c: Cursor, uid: boolean): Command {
  c.sp();
  const algorithm = c.keyword();
  if (!(THREAD_ALGORITHMS as readonly string[]).includes(algorithm))
    throw new ParseError(`Unknown thread algorithm ${algorithm.slice(0, 30)}`);
  c.sp();
  const { charset, encoding } = searchCharset(c);
  c.sp();
  const search = searchKeys(c, encoding);
  return {
    name: 'THREAD',
    uid,
    algorithm: algorithm as (typeof THREAD_ALGORITHMS)[number],
    charset,
    search,
  };
}
