/**
 * Which parts of a SEARCH a full-text index may narrow (Store.searchCandidates): the HEADER/BODY/TEXT
 * keys every match must satisfy, i.e. those AND-ed at the top. A key under OR or NOT does not restrict
 * the matches to messages containing its string, so it is left to the exact evaluation alone.
 */
import type { SearchKey } from '../../../protocol/imap/command.js';
import type { TextNeedle } from '../../../store/store.js';

export function indexNeedles(criteria: SearchKey): TextNeedle[] {
  const needles: TextNeedle[] = [];
  const visit = (key: SearchKey): void => {
    switch (key.key) {
      case 'AND':
        for (const k of key.keys) visit(k);
        return;
      case 'HEADER':
        // An empty value matches every message that has the field: nothing to look for.
        if (key.value !== '')
          needles.push({ where: 'header', field: key.field.toLowerCase(), value: key.value });
        return;
      case 'BODY':
        if (key.value !== '') needles.push({ where: 'body', value: key.value });
        return;
      case 'TEXT':
        if (key.value !== '') needles.push({ where: 'text', value: key.value });
        return;
      default:
        return;
    }
  };
  visit(criteria);
  return needles;
}

/** The UIDs of `view` (ascending) that are also in `candidates` (ascending). */
export function intersectAscending(view: readonly number[], candidates: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const uid of view) {
    while (j < candidates.length && (candidates[j] as number) < uid) j++;
    if (j === candidates.length) break;
    if (candidates[j] === uid) out.push(uid);
  }
  return out;
}

/** `all` without `some` (both ascending). */
export function exceptAscending(all: readonly number[], some: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const uid of all) {
    while (j < some.length && (some[j] as number) < uid) j++;
    if (some[j] !== uid) out.push(uid);
  }
  return out;
}

/** Two disjoint ascending lists as one. */
export function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j === b.length || (i < a.length && (a[i] as number) < (b[j] as number))) out.push(a[i++] as number);
    else out.push(b[j++] as number);
  }
  return out;
}
