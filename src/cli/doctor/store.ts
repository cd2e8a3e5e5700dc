/** Store integrity through Store.checkIntegrity: blobs present with the right size, UIDNEXT, quota usage. */
import type { IntegrityProblem, Store } from '../../store/store.js';
import { type Finding, fail, ok, warn } from './finding.js';

export async function checkStore(store: Store, repair: boolean): Promise<Finding[]> {
  const first = await store.checkIntegrity({ repair });
  const findings: Finding[] = [];
  let remaining = first.problems;
  if (repair && first.problems.length > 0) {
    findings.push(ok('store', `repaired ${first.repaired} of ${first.problems.length} problems`));
    remaining = (await store.checkIntegrity({ repair: false })).problems;
  }
  const checked = `${first.checkedMessages} messages, ${first.checkedBlobs} blobs`;
  const serious = remaining.filter((p) => !isHarmless(p)).length;
  if (remaining.length === 0) findings.push(ok('store', `${checked}: consistent`));
  else if (serious === 0) findings.push(warn('store', `${checked}: ${remaining.length} unreferenced blobs`));
  else findings.push(fail('store', `${checked}: ${serious} problems`));
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
