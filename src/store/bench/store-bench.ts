/**
 * Store micro-benchmark (not a test): fills one mailbox and times the reads behind IMAP SELECT and a
 * large FETCH, plus durable delivery throughput. Wall and CPU time are both printed, since CPU time
 * stays meaningful on a busy machine.
 *   npx tsx src/store/bench/store-bench.ts [messages=100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import { openSqliteStore } from '../sqlite/index.js';

const messages = Number(process.argv[2] ?? 100_000);
const meta: IngestMeta = {
  envelope: `("Mon, 1 Jan 2024 00:00:00 +0000" "A fairly typical subject line" (("Alice" NIL "alice" "example.org")) ${'NIL '.repeat(6)}"<id@example.org>")`,
  bodyStructure: `("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 2400 48 NIL NIL NIL NIL)`,
  body: '("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 2400 48)',
  structure: '{"type":"text/plain","start":0,"headerEnd":600,"end":3000}',
  preview: 'Hello, this is the first line of the message',
  headerText: 'h'.repeat(800),
  bodyText: 'b'.repeat(2000),
  sentDate: 1_704_067_200_000,
  sentZone: 0,
};

async function time<T>(label: string, work: () => Promise<T>): Promise<T> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const result = await work();
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - wallStart;
  console.log(
    `${label.padEnd(52)} wall ${wall.toFixed(1).padStart(8)} ms   cpu ${((cpu.user + cpu.system) / 1000).toFixed(1).padStart(8)} ms`,
  );
  return result;
}

const dataDir = mkdtempSync(join(tmpdir(), 'postyard-bench-'));
const store = await openSqliteStore({ dataDir });
try {
  const account = await store.createAccount('bench@example.org', 'x');
  const inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
  await time(`fill ${messages} messages (2000 per group commit)`, async () => {
    for (let first = 0; first < messages; first += 2000) {
      const batch = [];
      for (let n = first; n < Math.min(messages, first + 2000); n++) {
        const blob = { id: n.toString(16).padStart(64, '0'), size: 3000 };
        const flags = n % 3 ? ['\\Seen'] : [];
        batch.push(store.append({ accountId: account.id, mailboxId: inbox, blob, meta, flags }));
      }
      await Promise.all(batch);
    }
  });

  for (let round = 0; round < 3; round++) {
    await time('SELECT: getIndex + mailboxStatus', () =>
      Promise.all([store.getIndex(inbox), store.mailboxStatus(inbox)]),
    );
  }
  const tenThousand = Array.from({ length: Math.min(10_000, messages) }, (_, i) => i + 1);
  for (let round = 0; round < 3; round++) {
    await time('FETCH 10k meta, batches of 100, searchText:false', async () => {
      for (let i = 0; i < tenThousand.length; i += 100) {
        await store.getMessagesWithMeta(inbox, tenThousand.slice(i, i + 100), { searchText: false });
      }
    });
  }
  await time('FETCH 10k meta in one call, searchText:false', () =>
    store.getMessagesWithMeta(inbox, tenThousand, { searchText: false }),
  );
  await time('FETCH 10k meta in one call, searchText:true', () =>
    store.getMessagesWithMeta(inbox, tenThousand, { searchText: true }),
  );
  const sparse = tenThousand.map((uid) => Math.min(messages, uid * 7));
  await time('FETCH 10k sparse UIDs (json_each ranges)', () =>
    store.getMessagesWithMeta(inbox, sparse, { searchText: false }),
  );
  await time('FLAGS of 10k (getMessages)', () => store.getMessages(inbox, tenThousand));
  await time('STORE +FLAGS on 10k', () =>
    store.storeFlags({ mailboxId: inbox, uids: tenThousand, operation: 'add', flags: ['\\Flagged'] }),
  );

  const users = await Promise.all(
    Array.from({ length: 10 }, (_, i) => store.createAccount(`user${i}@example.org`, 'x')),
  );
  let next = 0;
  const deliverOne = async () => {
    const n = next++;
    const blob = await store.blobs.put(Buffer.from(`Subject: ${n}\r\n\r\n${'x'.repeat(4000)}`));
    await store.deliver({ blob, meta, recipients: [{ accountId: users[n % 10]!.id }] });
  };
  for (const concurrency of [1, 16]) {
    const before = store.commitStats().commits;
    const total = 1000;
    await time(`deliver ${total} (blob put + commit), concurrency ${concurrency}`, async () => {
      let started = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (started++ < total) await deliverOne();
        }),
      );
    });
    console.log(`  commits: ${store.commitStats().commits - before}`);
  }
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
