/**
 * Dovecot's imaptest in stress mode against a `workers: 2` server process (issue 15): its state checks
 * follow every session's view of a mailbox while the other worker changes it, so cross-worker ordering
 * faults show as "Error:" lines. Few accounts for many clients, so most sessions share a mailbox with a
 * session on the other worker. Before the fix in SelectedMailbox.flush this failed one run in three
 * with "Keyword used without being in FLAGS" (a FETCH FLAGS sent before the FLAGS announcing a keyword
 * that another worker's STORE had just created; src/server/imap/selected.test.ts has it exactly).
 * Needs IMAPTEST_DIR (see test/helpers/imaptest.ts) and python3 for the stress mbox.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sharedReference } from '../../bench/lib/shared-reference.js';
import { errorExcerpts, requireImaptest, runImaptest, stressTotals } from '../helpers/imaptest.js';
import { requireTool } from '../helpers/tools.js';
import { startWorkersServer, type WorkersServer } from './helpers/workers-server.js';

const PASSWORD = 'imaptest-pass';
const USERS = 2;
const CLIENTS = 30;
const SECS = 20;

let srv: WorkersServer;
before(async () => {
  srv = await startWorkersServer({
    workers: 2,
    config: { log: { level: 'info' }, limits: { maxConnectionsPerUser: 200, maxConnectionsPerIp: 500 } },
  });
  for (let u = 1; u <= USERS; u++) await srv.addUser(`u${u}@example.test`, PASSWORD);
});
after(async () => {
  await srv?.stop();
  await srv?.remove();
});

test(`imaptest stress on two workers: no errors (${CLIENTS} clients, ${USERS} accounts, default mix)`, async (t) => {
  const dir = requireImaptest(t);
  if (!dir || !requireTool(t, 'python3')) return;
  const mbox = join(srv.dataDir, 'sample.mbox');
  execFileSync('python3', [sharedReference('gen-sample-mbox.py'), mbox, '200', '42']);
  const output = await runImaptest(
    dir,
    [
      'host=127.0.0.1',
      `port=${srv.ports.imap}`,
      'user=u%d@example.test',
      `users=${USERS}`,
      `pass=${PASSWORD}`,
      `clients=${CLIENTS}`,
      `secs=${SECS}`,
      `mbox=${mbox}`,
    ],
    (SECS + 60) * 1000,
  );
  const errors = errorExcerpts(output);
  assert.equal(errors.count, 0, `${errors.count} errors:\n${errors.excerpts.slice(0, 20).join('\n--\n')}`);
  const totals = stressTotals(output);
  assert.ok(totals && (totals.Logi ?? 0) > 0 && (totals.Stor ?? 0) > 0, `nothing ran:\n${output}`);
});
