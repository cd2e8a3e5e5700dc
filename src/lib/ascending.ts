/**
 * Set operations on ascending lists of numbers (UIDs, meta ids): merge-style, one pass each, as SEARCH and
 * the full-text index combine lists of 100,000 numbers.
 *
 * The lists SEARCH passes around are Uint32Arrays (UIDs and meta ids are below 2^32), not arrays: a JS array
 * of 100,000 numbers lives in V8's large-object space, whose pages are mapped fresh for every such array
 * and faulted in one by one. On our 2-core benchmark VM (page faults ~12 µs each) building one by push()
 * took ~8.5 ms, `new Array(n)` filled ~2.4 ms, a Uint32Array ~0.1 ms (its buffer comes from malloc, which
 * reuses freed memory); medians of 100 rounds of 90,000 numbers.
 */

/** The first `length` numbers of `buffer`, without a copy. */
function fitted(buffer: Uint32Array, length: number): Uint32Array {
  return length === buffer.length ? buffer : buffer.subarray(0, length);
}

/** The numbers of `view` (ascending) that are also in `candidates` (ascending). */
export function intersectAscending(view: ArrayLike<number>, candidates: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(Math.min(view.length, candidates.length));
  let n = 0;
  let j = 0;
  for (let i = 0; i < view.length; i++) {
    const uid = view[i]!;
    while (j < candidates.length && candidates[j]! < uid) j++;
    if (j === candidates.length) break;
    if (candidates[j] === uid) out[n++] = uid;
  }
  return fitted(out, n);
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
export function unionAscending(a: ArrayLike<number>, b: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return fitted(out, n);
}

export function isAscending(list: ArrayLike<number>): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]! < list[i - 1]!) return false;
  return true;
}
