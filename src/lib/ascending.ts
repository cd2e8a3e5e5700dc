/**
 * Set operations on ascending lists of numbers (UIDs, meta ids): merge-style, one pass each, as SEARCH and
 * the full-text index combine lists of 100,000 numbers.
 */

/** The numbers of `view` (ascending) that are also in `candidates` (ascending). */
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

/** Two ascending lists as one, each number once. */
export function unionAscending(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  return out;
}

export function isAscending(list: readonly number[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]! < list[i - 1]!) return false;
  return true;
}
