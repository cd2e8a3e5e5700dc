/**
 * limits.maxConnectionsPerUser with `workers: 2` (issue 15): the count is the primary's (the cluster
 * coordinator), so a user's sessions on both workers count together, and the slots of a worker that dies
 * are given back. Real `postyard start` processes; the refused login is seen by Python's imaplib.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type LineClient } from '../helpers/net.js';
import { requireTool } from '../helpers/tools.js';
import { waitUntil } from '../helpers/wait.js';
import { python } from '../pop3/helpers.js';
import { startWorkersServer, type WorkersServer } from './helpers/workers-server.js';

const LOGIN = 'limited@example.com';
const PASSWORD = 'secret pass';
const LIMIT = 2;

let srv: WorkersServer;
before(async () => {
  srv = await startWorkersServer({ workers: 2, config: { limits: { maxConnectionsPerUser: LIMIT } } });
  await srv.addUser(LOGIN, PASSWORD);
});
after(async () => {
  await srv?.stop();
  await srv?.remove();
});

/** One greeted, not logged-in IMAP connection on each worker. */
async function oneOnEachWorker(): Promise<Map<number, LineClient>> {
  const byWorker = new Map<number, LineClient>();
  for (let i = 0; i < 16 && byWorker.size < 2; i++) {
    const c = await connect(srv.ports.imap!, { timeoutMs: 15_000 });
    await c.readLine();
    const worker = await srv.workerOf(c.socket.localPort!);
    if (byWorker.has(worker)) c.socket.destroy();
    else byWorker.set(worker, c);
  }
  assert.equal(byWorker.size, 2, 'connections reached two workers');
  return byWorker;
}

async function login(c: LineClient, tag: string): Promise<string> {
  c.send(`${tag} LOGIN "${LOGIN}" "${PASSWORD}"`);
  return (await c.readUntil(new RegExp(`^${tag} `), 15_000)).at(-1)!;
}

/** What Python's imaplib gets for one more login. */
async function imaplibLogin(): Promise<string> {
  const result = await python(
    `
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
try:
    typ, data = m.login(sys.argv[2], sys.argv[3])
    print('OK', data[0].decode())
    m.logout()
except imaplib.IMAP4.error as e:
    print('NO', e)
`,
    [String(srv.ports.imap), LOGIN, PASSWORD],
  );
  return result.stdout.trim();
}

test('sessions on both workers count together, and a dead worker gives its slots back', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const sessions = await oneOnEachWorker();
  const [[workerA, a], [, b]] = [...sessions.entries()] as [number, LineClient][];
  assert.match(await login(a!, 'a1'), /^a1 OK/);
  assert.match(await login(b!, 'b1'), /^b1 OK/);

  // Two sessions, one per worker: the limit is reached on both workers.
  assert.match(await imaplibLogin(), /^NO .*\[LIMIT\]/);

  // One closes: a slot is free again, wherever the next connection lands.
  b!.send('b2 LOGOUT');
  await b!.waitClosed();
  await waitUntil(async () => (await imaplibLogin()).startsWith('OK'), 'a login after LOGOUT');

  // The worker holding the other session dies: its slot comes back with its restart.
  const workers = srv.readyWorkers();
  process.kill(workers.get(workerA!)!, 'SIGKILL');
  await a!.waitClosed();
  await waitUntil(() => srv.readyWorkers().size === workers.size + 1, 'a new worker to be ready');
  const again = await oneOnEachWorker();
  const results = await Promise.all([...again.values()].map((c, i) => login(c, `c${i}`)));
  assert.deepEqual(
    results.map((r) => r.split(' ')[1]),
    ['OK', 'OK'],
    `both slots free after the worker died: ${results.join(' | ')}`,
  );
  assert.match(await imaplibLogin(), /^NO .*\[LIMIT\]/);
  for (const c of again.values()) c.socket.destroy();
});
