/**
 * Dovecot's imaptest against a real Postyard (issue 13). Scripted compliance: every group of its suite
 * on its own (one subtest per group, imaptest's output in the failure), each passing with 0 failed
 * commands, or running none because Postyard does not advertise what it needs: those are listed below,
 * so a group that stops running (an extension no longer advertised) fails too. Stress with state
 * checking, 30 s in all: 10 and 50 clients, on many accounts and all on one account (where keywords
 * set by one session race FETCHes of another); any "Error:" line fails.
 * Needs IMAPTEST_DIR (see test/helpers/imaptest.ts) and, for the stress mbox, python3.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sharedReference } from '../../bench/lib/shared-reference.js';
import {
  errorExcerpts,
  parseScripted,
  requireImaptest,
  runImaptest,
  scriptedGroups,
  stressTotals,
} from '../helpers/imaptest.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';

/** Groups that run no command against Postyard, by the capability they need (README: "still missing"). */
const NOT_ADVERTISED: Record<string, string> = {
  catenate: 'CATENATE',
  'catenate-multiappend': 'CATENATE',
  urlauth: 'URLAUTH',
  'urlauth-binary': 'URLAUTH',
  urlauth2: 'URLAUTH',
};

const PASSWORD = 'imaptest-pass';
const STRESS_USERS = 20;
/** One group takes well under a second; a hang is reported with what imaptest printed. */
const GROUP_TIMEOUT_MS = 60_000;

let srv: TestServer;
let port: number;
before(async () => {
  srv = await startTestServer({
    // 50 stress clients on one account, reconnecting all the time.
    limits: { maxConnectionsPerUser: 200, maxConnectionsPerIp: 500 },
  });
  port = srv.ports.imap as number;
  for (let i = 1; i <= STRESS_USERS; i++) await srv.addUser(`u${i}@example.test`, PASSWORD);
  await srv.addUser('scripted@example.test', PASSWORD);
});
after(() => srv.close());

test('imaptest scripted suite, one group at a time', async (t) => {
  const dir = requireImaptest(t);
  if (!dir) return;
  const groups = scriptedGroups(dir);
  assert.ok(groups.length >= 71, `only ${groups.length} groups in ${dir}/tests`);
  for (const name of Object.keys(NOT_ADVERTISED)) assert.ok(groups.includes(name), `no group ${name}`);
  for (const group of groups) {
    await t.test(group, async () => {
      const output = await runImaptest(
        dir,
        [
          'host=127.0.0.1',
          `port=${port}`,
          'user=scripted@example.test',
          `pass=${PASSWORD}`,
          `test=${join(dir, 'tests', group)}`,
        ],
        GROUP_TIMEOUT_MS,
      );
      const summary = parseScripted(output);
      assert.ok(summary, `imaptest printed no summary:\n${output}`);
      const ran = summary.baseRun + summary.extensionRun;
      const failed = summary.baseFailed + summary.extensionFailed;
      assert.ok(
        summary.failedGroups === 0 && failed === 0,
        `${failed} of ${ran} commands failed:\n${output}`,
      );
      const missing = NOT_ADVERTISED[group];
      if (missing) {
        assert.equal(ran, 0, `${group} now runs ${ran} commands: take it off NOT_ADVERTISED and the README`);
      } else {
        assert.ok(
          ran > 0,
          `${group} ran no command: is a capability it needs no longer advertised?\n${output}`,
        );
      }
    });
  }
});

test('imaptest stress with state checking: no errors (10 and 50 clients, many accounts and one)', async (t) => {
  const dir = requireImaptest(t);
  if (!dir || !requireTool(t, 'python3')) return;
  const work = await mkdtemp(join(tmpdir(), 'postyard-imaptest-'));
  try {
    const mbox = join(work, 'sample.mbox');
    execFileSync('python3', [sharedReference('gen-sample-mbox.py'), mbox, '200', '42']);
    const runs = [
      { clients: 10, users: STRESS_USERS, secs: 7 },
      { clients: 10, users: 1, secs: 8 },
      { clients: 50, users: STRESS_USERS, secs: 7 },
      { clients: 50, users: 1, secs: 8 },
    ];
    for (const run of runs) {
      const name = `${run.clients} clients, ${run.users === 1 ? 'one account' : `${run.users} accounts`}`;
      await t.test(name, async () => {
        const user = run.users === 1 ? 'user=u1@example.test' : 'user=u%d@example.test';
        const output = await runImaptest(
          dir,
          [
            'host=127.0.0.1',
            `port=${port}`,
            user,
            `users=${run.users}`,
            `pass=${PASSWORD}`,
            `clients=${run.clients}`,
            `secs=${run.secs}`,
            `mbox=${mbox}`,
          ],
          (run.secs + 60) * 1000,
        );
        const errors = errorExcerpts(output);
        assert.equal(
          errors.count,
          0,
          `${errors.count} errors:\n${errors.excerpts.slice(0, 20).join('\n--\n')}`,
        );
        const totals = stressTotals(output);
        assert.ok(totals && (totals.Logi ?? 0) > 0 && (totals.Fetc ?? 0) > 0, `nothing ran:\n${output}`);
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
