/** UID lists as ascending, merged [first, last] ranges: one b-tree range scan each instead of one query per UID. */
export type UidRange = [first: number, last: number];

export function toUidRanges(uids: readonly number[]): UidRange[] {
  let sorted = true;
  for (let i = 1; i < uids.length; i++) {
    if (uids[i]! <= uids[i - 1]!) {
      sorted = false;
      break;
    }
  }
  const list = sorted ? uids : [...uids].sort((a, b) => a - b);
  const ranges: UidRange[] = [];
  for (const uid of list) {
    if (!Number.isInteger(uid) || uid < 1) continue;
    const last = ranges[ranges.length - 1];
    if (last && uid <= last[1] + 1) last[1] = Math.max(last[1], uid);
    else ranges.push([uid, uid]);
  }
  return ranges;
}
