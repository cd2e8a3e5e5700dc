/** Store integrity through Store.checkIntegrity: blobs present with the right size, UIDNEXT, quota usage. */
import type { IntegrityProblem, Store } from '../../store/store.js';
import { type Finding, fail, ok, warn } from './finding.js';

export async function checkStore(store: Store, repair: boolean): Promise<Finding[]> {
  const first = await store.checkIntegrity({ repair });
  const findings: Finding[] = [];
  let remaining = first.problems;
  if (repair && first.problems.length > 0) {
    findings.push(ok('store', `repaired ${first.repaired} of ${plural(first.problems.length, 'problem')}`));
    remaining = (await store.checkIntegrity({ repair: false })).problems;
  }
  const checked = `${first.checkedMessages} messages, ${first.checkedBlobs} blobs`;
  const serious = remaining.filter((p) => !isHarmless(p)).length;
  if (remaining.length === 0) findings.push(ok('store', `${checked}: consistent`));
  else if (serious === 0)
    findings.push(warn('store', `${checked}: ${plural(remaining.length, 'unreferenced blob')}`));
  else findings.push(fail('store', `${checked}: ${plural(serious, 'problem')}`));
  for (const problem of remaining) findings.push(describe(problem, repair));
  return findings;
}

function describe(problem: IntegrityProblem, repairTried: boolean): Finding {
  const hint = problem.repairable && !repairTried ? ' (repairable: run doctor --repair)' : '';
  const make = isHarmless(problem) ? warn : fail;
  return make('store', `${problem.kind}: ${problem.detail}${hint}`);
}

/** An orphan blob only wastes space; garbage collection removes it. */
function isHarmless(problem: IntegrityProblem): boolean {
  return problem.kind === 'orphan-blob';
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
