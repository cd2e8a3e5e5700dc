/**
 * sortedUidsOf (ranks, packed numbers) against sorting with comparatorOf, the RFC 5256 §3 comparator: random
 * keys with many ties, REVERSE, several criteria, negative and far dates, and strings that differ only in
 * case, accents or astral characters must give the same order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng } from '../../../lib/prng.js';
import type { SortCriterion, SortKey } from '../../../protocol/imap/command.js';
import { SORT_KEY_NAMES } from '../../../protocol/imap/parser/sort.js';
import type { SortColumns, SortRow } from '../../../store/store.js';
import {
  comparatorOf,
  type SortKeys,
  sortedUidsOf,
  sortedUidsOfColumns,
  sortKeysOfRow,
} from './sort-keys.js';

const KEYS = SORT_KEY_NAMES;
const TEXTS = ['', 'a', 'A', 'ab', 'b', 'é', 'e', 'z', '\u{1F600}', '\uFFFD', 'a b', 'project plan', 're'];

function randomKeys(seed: number, count: number): SortKeys[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  // Some mailboxes have dates far apart (the packed form does not fit), most a narrow range (ties).
  const wide = random() < 0.3;
  const text = () => (random() < 0.5 ? pick(TEXTS) : `${pick(TEXTS)}${pick(TEXTS)}`);
  return Array.from({ length: count }, (_, i) => {
    const date = wide ? Math.floor((random() - 0.5) * 2 ** 40) : Math.floor(random() * 20) - 5;
    return {
      uid: 3 * i + 1,
      seq: i + 1,
      internalDate: 0,
      size: Math.floor(random() * 10),
      arrival: Math.floor(random() * 10),
      date,
      sentDate: null,
      subject: text(),
      replyOrForward: false,
      messageId: null,
      references: [],
      from: text(),
      to: text(),
      cc: text(),
      displayFrom: text(),
      displayTo: text(),
    } satisfies SortKeys;
  });
}

test('sortedUidsOf orders as sorting with comparatorOf', () => {
  for (let seed = 1; seed <= 400; seed++) {
    const random = prng(seed + 7);
    const keys = randomKeys(seed, seed % 90);
    const criteria: SortCriterion[] = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      key: KEYS[Math.floor(random() * KEYS.length)]!,
      reverse: random() < 0.4,
    }));
    const expected = [...keys].sort(comparatorOf(criteria)).map((k) => k.uid);
    assert.deepEqual(sortedUidsOf(keys, criteria), expected, `seed ${seed} ${JSON.stringify(criteria)}`);
  }
});

test('sortedUidsOfColumns orders as sorting the same messages keys with comparatorOf', () => {
  const TEXT_FIELDS = ['subject', 'from', 'to', 'cc', 'displayFrom', 'displayTo'] as const;
  for (let seed = 1; seed <= 300; seed++) {
    const random = prng(seed + 99);
    const count = seed % 70;
    const wide = random() < 0.3;
    const ms = () =>
      wide
        ? Math.floor((random() - 0.5) * 2 ** 50)
        : 1000 * Math.floor(random() * 20) + Math.floor(random() * 999);
    const rows = Array.from({ length: count }, (_, i) => {
      const row: SortRow = {
        uid: 2 * i + 5,
        internalDate: ms(),
        size: Math.floor(random() * 5),
        sentDate: random() < 0.3 ? null : ms(),
        subject: '',
        replyOrForward: false,
        messageId: null,
        references: [],
        from: '',
        to: '',
        cc: '',
        displayFrom: '',
        displayTo: '',
      };
      for (const f of TEXT_FIELDS) row[f] = TEXTS[Math.floor(random() * TEXTS.length)]!;
      return row;
    });
    const columns: SortColumns = {
      uids: Float64Array.from(rows, (r) => r.uid),
      internalDates: Float64Array.from(rows, (r) => r.internalDate),
      sizes: Float64Array.from(rows, (r) => r.size),
      sentDates: Float64Array.from(rows, (r) => r.sentDate ?? Number.NaN),
      text: new Map(TEXT_FIELDS.map((f) => [f, rows.map((r) => r[f])] as const)),
    };
    // Some messages left the view: the rest keep their mailbox order.
    const places = Uint32Array.from(rows.keys()).filter(() => random() < 0.8);
    const criteria: SortCriterion[] = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      key: KEYS[Math.floor(random() * KEYS.length)]!,
      reverse: random() < 0.4,
    }));
    const keys = Array.from(places, (p, i) => sortKeysOfRow({ ...rows[p]! }, i + 1));
    const expected = keys.sort(comparatorOf(criteria)).map((k) => k.uid);
    assert.deepEqual(
      sortedUidsOfColumns(columns, places, criteria),
      expected,
      `seed ${seed} ${JSON.stringify(criteria)}`,
    );
  }
});
