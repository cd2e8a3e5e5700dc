/**
 * DESIGN.md invariant: an acknowledged message (LMTP 250) survives kill -9 of the server.
 * 200 LMTP deliveries over 20 connections to a server child process, SIGKILL mid-stream, then the store
 * is reopened: every acknowledged (Message-ID, recipient) is present exactly once, nothing is
 * duplicated, no message points at a missing blob, and a restarted server delivers again. Three rounds.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import { installTestCertificate } from '../helpers/server.js';
import { nodeArgsFor } from './helpers/child-script.js';
import { lmtpHello, lmtpTransaction } from './helpers/lmtp-session.js';
import { RawSmtpClient } from './helpers/smtp-client.js';

const ACCOUNTS = ['d1@example.org', 'd2@example.org', 'd3@example.org', 'd4@example.org', 'd5@example.org'];
const MESSAGES = 200;
const CONNECTIONS = 20;

interface ServerProcess {
  child: ChildProcess;
  lmtpPort: number;
}

async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgsFor(import.meta.url, './helpers/delivery-server-main.js'), dataDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`server exited early with ${code}`);
  });
  const first = (async () => {
    for await (const line of lines) return JSON.parse(line) as { ports: Record<string, number> };
    throw new Error('server printed nothing');
  })();
  const { ports } = await Promise.race([first, exited]);
  return { child, lmtpPort: ports.lmtp! };
}

function message(id: string, index: number): string {
  const filler = 'x'.repeat(40 + (index % 7) * 300);
  return [
    'From: Sender <sender@example.net>',
    'To: someone@example.org',
    `Subject: durability ${id}`,
    `Message-ID: <${id}>`,
    'Date: Thu, 26 Nov 2026 07:00:00 +0000',
    '',
    `Body of ${id}`,
    filler,
    '',
  ].join('\r\n');
}

function recipientsFor(index: number): string[] {
  const first = ACCOUNTS[index % ACCOUNTS.length]!;
  // Every fourth message goes to two accounts: one shared blob.
  return index % 4 === 0 ? [first, ACCOUNTS[(index + 1) % ACCOUNTS.length]!] : [first];
}

/** Sends messages [start, end) on one connection until done or the server dies; records acks. */
async function worker(port: number, round: number, indexes: number[], acked: Set<string>, onAck: () => void) {
  let client: RawSmtpClient;
  try {
    client = await RawSmtpClient.connect(port);
    await lmtpHello(client);
  } catch {
    return;
  }
  try {
    for (const i of indexes) {
      const id = `r${round}-m${i}@durability.test`;
      const { perRecipient } = await lmtpTransaction(
        client,
        'sender@example.net',
        recipientsFor(i),
        message(id, i),
      );
      for (const [rcpt, reply] of perRecipient) {
        if (reply.code === 250) {
          acked.add(`${id} ${rcpt}`);
          onAck();
        }
      }
    }
  } catch {
    // The server was killed: whatever was not acknowledged may or may not be stored.
  } finally {
    client.close();
  }
}

async function storedDeliveries(store: Store): Promise<string[]> {
  const found: string[] = [];
  for (const login of ACCOUNTS) {
    const account = await store.getAccount(login);
    assert.ok(account, `account ${login} survives`);
    const inbox = await store.getMailbox(account.id, 'INBOX');
    assert.ok(inbox);
    const index = await store.getIndex(inbox.id);
    const records = await store.getMessages(inbox.id, [...index.uids]);
    for (const record of records) {
      const raw = (await store.blobs.read(record.blobId)).toString('latin1');
      const id = /^Message-ID:\s*<([^>]+)>/im.exec(raw)?.[1];
      assert.ok(id, 'stored message has its Message-ID');
      found.push(`${id} ${login}`);
    }
  }
  return found;
}

for (const round of [1, 2, 3]) {
  test(`kill -9 during LMTP delivery loses no acknowledged message (round ${round})`, {
    timeout: 120_000,
  }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-durability-'));
    try {
      await installTestCertificate(dataDir);
      const setup = await openSqliteStore({ dataDir });
      for (const login of ACCOUNTS) await setup.createAccount(login, 'not-a-real-hash');
      await setup.close();

      const server = await startServerProcess(dataDir);
      const acked = new Set<string>();
      // Kill at a different point each round, while the other connections are mid-transaction.
      const killAfter = 40 * round;
      let killed = false;
      const exited = once(server.child, 'exit');
      const onAck = () => {
        if (!killed && acked.size >= killAfter) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      };
      const slices: number[][] = Array.from({ length: CONNECTIONS }, () => []);
      for (let i = 0; i < MESSAGES; i++) slices[i % CONNECTIONS]!.push(i);
      await Promise.all(slices.map((indexes) => worker(server.lmtpPort, round, indexes, acked, onAck)));
      if (!killed) server.child.kill('SIGKILL');
      await exited;
      assert.ok(acked.size >= killAfter, 'some deliveries were acknowledged before the kill');

      const store = await openSqliteStore({ dataDir });
      try {
        const stored = await storedDeliveries(store);
        const counts = new Map<string, number>();
        for (const key of stored) counts.set(key, (counts.get(key) ?? 0) + 1);
        for (const key of acked) assert.equal(counts.get(key), 1, `acknowledged ${key} present exactly once`);
        for (const [key, count] of counts) assert.equal(count, 1, `${key} stored once, not ${count} times`);
        const report = await store.checkIntegrity();
        const broken = report.problems.filter(
          (p) => p.kind === 'missing-blob' || p.kind === 'blob-size-mismatch',
        );
        assert.deepEqual(broken, [], 'every message has its blob');
      } finally {
        await store.close();
      }

      // Restart on the same data directory: it serves again.
      const again = await startServerProcess(dataDir);
      try {
        const client = await RawSmtpClient.connect(again.lmtpPort);
        await lmtpHello(client);
        const id = `r${round}-after-restart@durability.test`;
        const { perRecipient } = await lmtpTransaction(
          client,
          'sender@example.net',
          [ACCOUNTS[0]!],
          message(id, 0),
        );
        assert.equal(perRecipient.get(ACCOUNTS[0]!)?.code, 250);
        await client.command('QUIT');
        client.close();
      } finally {
        const stopped = once(again.child, 'exit');
        again.child.kill('SIGKILL');
        await stopped;
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
