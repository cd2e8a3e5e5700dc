/**
 * Nothing acknowledged is lost from the outgoing queue: a burst of 500 submissions to a remote domain
 * from 20 clients, the server killed with SIGKILL in the middle of it (while deliveries to the MX are in
 * flight), then restarted on the same data directory: every message that got its 250 reaches the MX at
 * least once. Duplicates are allowed only for messages that were mid-transaction at the kill (as with
 * Postfix), so there can be no more of them than connections in flight.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import { hashPassword } from '../../src/server/auth/password.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { nodeArgsFor } from '../delivery/helpers/child-script.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { installTestCertificate } from '../helpers/server.js';
import { startScriptedMx } from './helpers.js';

const MESSAGES = 500;
const CLIENTS = 20;
const USER = { login: 'burst@example.org', password: 'burst-secret' };

async function startChild(
  dataDir: string,
  dns: string,
  mxPort: number,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [...nodeArgsFor(import.meta.url, './helpers/queue-server-main.js'), dataDir, dns, String(mxPort)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
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
  return { child, port: ports.submission! };
}

test('kill -9 during a burst of 500 queued messages loses none', { timeout: 180_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-queue-kill-'));
  const mx = await startScriptedMx();
  const dns = await startDnsServer({
    'remote.test': { MX: [{ exchange: 'mx.remote.test', priority: 10 }] },
    'mx.remote.test': { A: ['127.0.0.1'] },
  });
  try {
    await installTestCertificate(dataDir);
    const setup = await openSqliteStore({ dataDir });
    await setup.createAccount(USER.login, await hashPassword(USER.password));
    await setup.close();

    const received = new Map<string, number>();
    let onReceived = () => {};
    const idOf = (body: string) => /^Message-ID:\s*<([^>]+)>/im.exec(body)?.[1] ?? '';
    const originalPush = mx.transactions.push.bind(mx.transactions);
    mx.transactions.push = (...items) => {
      for (const t of items) received.set(idOf(t.body), (received.get(idOf(t.body)) ?? 0) + 1);
      onReceived();
      return originalPush(...items);
    };

    let server = await startChild(dataDir, dns.address, mx.port);
    const acked = new Set<string>();
    let killed = false;
    const exited = once(server.child, 'exit');
    const killAt = 200;
    const worker = async (w: number) => {
      const transport = createTransport({
        host: '127.0.0.1',
        port: server.port,
        ignoreTLS: true,
        pool: true,
        maxConnections: 1,
        auth: { user: USER.login, pass: USER.password },
      });
      transport.on('error', () => {});
      try {
        for (let i = w; i < MESSAGES; i += CLIENTS) {
          const id = `m${i}@burst.test`;
          await transport.sendMail({
            envelope: { from: USER.login, to: [`r${i % 7}@remote.test`] },
            from: USER.login,
            to: `r${i % 7}@remote.test`,
            subject: `burst ${i}`,
            messageId: `<${id}>`,
            text: `message ${i}\n${'x'.repeat(2000)}\n`,
          });
          acked.add(id);
          if (!killed && acked.size >= killAt) {
            killed = true;
            server.child.kill('SIGKILL');
          }
        }
      } catch {
        // The server is gone: what was not acknowledged may or may not be queued.
      } finally {
        transport.close();
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
    await exited;
    assert.ok(killed && acked.size >= killAt, `killed after ${acked.size} acknowledged messages`);
    const deliveredBeforeKill = received.size;

    server = await startChild(dataDir, dns.address, mx.port);
    const allThere = () => [...acked].every((id) => received.has(id));
    if (!allThere())
      await new Promise<void>((resolve) => {
        onReceived = () => {
          if (allThere()) resolve();
        };
      });
    const missing = [...acked].filter((id) => !received.has(id));
    assert.deepEqual(missing, [], 'every acknowledged message reached the MX');
    const duplicates = [...received.values()].filter((n) => n > 1).length;
    assert.ok(duplicates <= CLIENTS + 20, `${duplicates} duplicates (only messages in flight at the kill)`);
    assert.ok(deliveredBeforeKill > 0, 'deliveries were under way when the server was killed');

    // Every acknowledged message has reached the MX, but the queue may still hold a message that was
    // committed without its 250 reaching the client, or one whose delivery the MX has taken while the
    // server has not yet recorded it: the queue must drain by itself, without waiting for a retry.
    const store = await openSqliteStore({ dataDir });
    try {
      const deadline = Date.now() + 60_000;
      while ((await store.queueSummary()).messages > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const left = await store.listQueue();
      const describe = left.map((m) => ({
        id: m.id,
        recipients: m.recipients.map(
          (r) => `${r.address} ${r.state} next=${r.nextAttempt - Date.now()}ms ${r.lastReply ?? ''}`,
        ),
      }));
      assert.deepEqual(describe, [], 'the queue drains after the restart');
    } finally {
      await store.close();
    }
    const stopped = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    await stopped;
  } finally {
    await mx.close();
    await dns.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
