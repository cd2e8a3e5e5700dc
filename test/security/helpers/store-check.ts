/**
 * After a crash: what the store in a data directory holds (Message-IDs per account and mailbox), its
 * integrity report, and `postyard doctor --check` run in-process (its printed lines captured).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { TEST_HOSTNAME } from '../../helpers/server.js';

/** "login mailbox" → Message-ID → how many copies are stored. */
export type Contents = Map<string, Map<string, number>>;

export async function storedMessageIds(
  dataDir: string,
  logins: readonly string[],
  mailboxes: readonly string[],
): Promise<{ contents: Contents; seriousProblems: string[] }> {
  const store = await openSqliteStore({ dataDir });
  try {
    const contents: Contents = new Map();
    for (const login of logins) {
      const account = await store.getAccount(login);
      if (!account) throw new Error(`account ${login} is gone`);
      for (const name of mailboxes) {
        const mailbox = await store.getMailbox(account.id, name);
        if (!mailbox) throw new Error(`mailbox ${login} ${name} is gone`);
        const ids = new Map<string, number>();
        const index = await store.getIndex(mailbox.id);
        for (const record of await store.getMessages(mailbox.id, [...index.uids])) {
          const raw = (await store.blobs.read(record.blobId)).toString('latin1');
          const id = /^Message-ID:\s*<([^>]+)>/im.exec(raw)?.[1] ?? `(no Message-ID, uid ${record.uid})`;
          ids.set(id, (ids.get(id) ?? 0) + 1);
        }
        contents.set(`${login} ${name}`, ids);
      }
    }
    const report = await store.checkIntegrity();
    // Unreferenced blobs (written, never committed) are what a crash may leave: not problems, GC removes them.
    const seriousProblems = report.problems.map((p) => `${p.kind}: ${p.detail}`);
    return { contents, seriousProblems };
  } finally {
    await store.close();
  }
}

/** Runs `postyard doctor --check --skip-ports --data DIR` in this process; returns exit code and output. */
export async function runDoctorCheck(dataDir: string): Promise<{ code: number; output: string }> {
  await writeFile(join(dataDir, 'postyard.json'), JSON.stringify({ hostname: TEST_HOSTNAME }));
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  try {
    const code = await runCli(['doctor', '--check', '--skip-ports', '--data', dataDir]);
    return { code, output: lines.join('\n') };
  } finally {
    console.log = original;
  }
}
