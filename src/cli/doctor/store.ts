/**
 * Store integrity through Store.checkIntegrity: blobs present with the right size, UIDNEXT, quota usage.
 * Unreferenced blobs are not problems (a crashed delivery or an expunge leaves them; maintenance collects
 * them after its grace period): they get one summary line, and `--repair` collects what is past it.
 */

import { formatSize } from '../../lib/values.js';
import type {
  GarbageReport,
  IntegrityProblem,
  IntegrityReport,
  Store,
  UnreferencedBlobs,
} from '../../store/store.js';
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
  if (remaining.length === 0) findings.push(ok('store', `${checked}: consistent`));
  else findings.push(fail('store', `${checked}: ${plural(remaining.length, 'problem')}`));
  for (const problem of remaining) findings.push(describe(problem, repair));
  findings.push(...describeUnreferenced(first.unreferenced, first.collected));
  if (first.searchIndex) findings.push(describeSearchIndex(first.searchIndex));
  return findings;
}

/**
 * An incomplete full-text index is a warning (the mail itself is intact): a stale one narrows nothing
 * and rows for text that is gone only add candidates, but a message missing from it is not found by an
 * indexed SEARCH. Ingest indexes in the same transaction, so only damage or a hand edit gets here.
 */
function describeSearchIndex(index: NonNullable<IntegrityReport['searchIndex']>): Finding {
  if (index.rebuilt !== undefined) {
    return ok('store', `full-text search index rebuilt: ${plural(index.rebuilt, 'message text')} indexed`);
  }
  if (index.missing === 0 && index.extra === 0 && !index.stale) {
    return ok('store', 'full-text search index: complete');
  }
  const what = [
    ...(index.missing > 0
      ? [`${plural(index.missing, 'message text')} not indexed (SEARCH misses them)`]
      : []),
    ...(index.extra > 0 ? [`${plural(index.extra, 'row')} for text that is gone`] : []),
    ...(index.stale ? ['a rebuild did not finish (SEARCH reads every message meanwhile)'] : []),
  ];
  return warn('store', `full-text search index incomplete: ${what.join(', ')}; run doctor --repair`);
}

function describe(problem: IntegrityProblem, repairTried: boolean): Finding {
  const hint = problem.repairable && !repairTried ? ' (repairable: run doctor --repair)' : '';
  return fail('store', `${problem.kind}: ${problem.detail}${hint}`);
}

function describeUnreferenced(found: UnreferencedBlobs, collected: GarbageReport | undefined): Finding[] {
  const findings: Finding[] = [];
  if (found.waiting > 0) {
    findings.push(
      ok(
        'store',
        `${plural(found.waiting, 'unreferenced blob')} (${formatSize(found.waitingBytes)}) younger than the ` +
          '15-minute grace period: expected, collected later',
      ),
    );
  }
  if (collected) {
    if (collected.removed > 0)
      findings.push(
        ok(
          'store',
          `collected ${plural(collected.removed, 'unreferenced blob')} (${formatSize(collected.freedBytes)} freed)`,
        ),
      );
  } else if (found.collectable > 0) {
    findings.push(
      warn(
        'store',
        `${plural(found.collectable, 'unreferenced blob')} (${formatSize(found.collectableBytes)}) past the ` +
          'grace period: the running server collects them at its next maintenance, or run doctor --repair',
      ),
    );
  }
  return findings;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The outgoing queue: how it is configured, its size, and how old its oldest message is. */
export async function checkQueue(
  store: Store,
  outgoing: { mode: string; smarthost: { host: string; port: number } },
  now = Date.now(),
): Promise<Finding[]> {
  const mode =
    outgoing.mode === 'smarthost'
      ? `via smarthost ${outgoing.smarthost.host}:${outgoing.smarthost.port}`
      : outgoing.mode === 'direct'
        ? 'direct to MX'
        : 'disabled (outgoing.mode): submission takes local recipients only';
  const summary = await store.queueSummary();
  const findings = [ok('queue', `outgoing mail: ${mode}`)];
  if (summary.messages === 0) {
    findings.push(ok('queue', 'outgoing queue: empty'));
    return findings;
  }
  const hours = (now - (summary.oldest ?? now)) / 3_600_000;
  const text =
    `outgoing queue: ${plural(summary.messages, 'message')}, ${plural(summary.recipients, 'recipient')} waiting, ` +
    `${formatSize(summary.bytes)}; oldest ${hours < 1 ? `${Math.round(hours * 60)} minutes` : `${hours.toFixed(1)} hours`} old`;
  // A day-old message means something has been failing for a while: worth a look (postyard queue list).
  findings.push(
    hours >= 24 || (outgoing.mode === 'disabled' && summary.messages > 0)
      ? warn('queue', `${text} (see postyard queue list)`)
      : ok('queue', text),
  );
  return findings;
}
