/**
 * `workers: 2` (issue 15, src/server/cluster/README.md): a real `postyard start` process with two
 * workers. Connections are spread by node:cluster; the server's debug log names the worker of each
 * connection, so every test picks clients that really sit on different workers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { runCli } from '../cli/helpers.js';
import { connect, type LineClient } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';
import { appendCommand, type RawImap, rawImap } from '../imap/harness.js';
import { command, expectOk, pop3Connect } from '../pop3/helpers.js';
import { startWorkersServer, type WorkersServer } from './helpers/workers-server.js';

const PASSWORD = 'secret pass';
const message = (n: number) =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: m${n}\r\nMessage-ID: <m${n}@example.com>\r\n\r\nbody ${n}\r\n`;

let srv: WorkersServer;
before(async () => {
  srv = await startWorkersServer({ workers: 2, config: { limits: { maxAuthFailures: 3 } } });
});
after(async () => {
  await srv?.stop();
  await srv?.remove();
});

/** Opens connections until two sit on different workers; closes the others. */
async function onTwoWorkers<T>(
  open: () => Promise<T>,
  close: (c: T) => Promise<void>,
  socketOf: (c: T) => LineClient['socket'],
): Promise<[T, T]> {
  const byWorker = new Map<number, T>();
  const spare: T[] = [];
  for (let i = 0; i < 16 && byWorker.size < 2; i++) {
    const c = await open();
    const worker = await srv.workerOf(socketOf(c).localPort!);
    if (byWorker.has(worker)) spare.push(c);
    else byWorker.set(worker, c);
  }
  await Promise.all(spare.map(close));
  assert.equal(byWorker.size, 2, 'connections reached two workers');
  return [...byWorker.values()] as [T, T];
}

const imapOn = (login: string) => () => rawImap(srv.ports.imap!, { login, password: PASSWORD });
const pop3On = () => pop3Connect(srv.ports.pop3!);
const imapSocket = (c: RawImap) => c.client.socket;
const lineSocket = (c: LineClient) => c.socket;

describe('two workers', () => {
  test('IDLE on one worker sees an APPEND made through the other, and a `postyard deliver`', async () => {
    await srv.addUser('idle@example.com', PASSWORD);
    const [idler, writer] = await onTwoWorkers(
      imapOn('idle@example.com'),
      (c: RawImap) => c.close(),
      imapSocket,
    );
    await idler.run('SELECT INBOX');
    idler.client.send('i1 IDLE');
    assert.match(await idler.client.readLine(), /^\+ /);

    const appended = await writer.run(appendCommand('INBOX', message(1)));
    assert.match(appended.at(-1)!, /OK \[APPENDUID \d+ 1\]/);
    assert.equal((await idler.client.readUntil(/EXISTS$/)).at(-1), '* 1 EXISTS');

    await srv.deliver('idle@example.com', message(2));
    assert.equal((await idler.client.readUntil(/EXISTS$/)).at(-1), '* 2 EXISTS');
    idler.client.send('DONE');
    assert.match((await idler.client.readUntil(/^i1 /)).at(-1)!, /^i1 OK/);
    await Promise.all([idler.close(), writer.close()]);
  });

  test('POP3: a maildrop locked on one worker answers [IN-USE] on the other', async () => {
    await srv.addUser('pop@example.com', PASSWORD);
    const [first, second] = await onTwoWorkers(pop3On, (c) => c.close(), lineSocket);
    await expectOk(first, 'USER pop@example.com');
    await expectOk(first, `PASS ${PASSWORD}`);
    await expectOk(second, 'USER pop@example.com');
    assert.match(await command(second, `PASS ${PASSWORD}`), /^-ERR \[IN-USE\]/);
    await expectOk(first, 'QUIT');
    await first.waitClosed();
    // Released across workers as soon as the first session ended.
    const again = await pop3On();
    await expectOk(again, 'USER pop@example.com');
    await waitUntil(
      async () => (await command(again, `PASS ${PASSWORD}`)).startsWith('+OK'),
      'the lock freed',
    );
    await Promise.all([second.close(), again.close()]);
  });

  test('concurrent APPENDs through both workers get unique increasing UIDs and exact quota', async () => {
    await srv.addUser('append@example.com', PASSWORD);
    const clients = await onTwoWorkers(imapOn('append@example.com'), (c: RawImap) => c.close(), imapSocket);
    const perClient = 40;
    const uids = await Promise.all(
      clients.map(async (c, which) => {
        const got: number[] = [];
        for (let i = 0; i < perClient; i++) {
          const lines = await c.run(appendCommand('INBOX', message(which * 1000 + i)));
          const uid = /APPENDUID \d+ (\d+)/.exec(lines.at(-1)!)?.[1];
          assert.ok(uid, lines.join('\n'));
          got.push(Number(uid));
        }
        return got;
      }),
    );
    for (const got of uids)
      assert.deepEqual(
        got,
        [...got].sort((a, b) => a - b),
        'increasing per session',
      );
    const all = uids.flat().sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 2 * perClient }, (_, i) => i + 1),
      'unique, no gaps',
    );
    await Promise.all(clients.map((c) => c.close()));

    const store = await openSqliteStore({ dataDir: srv.dataDir });
    try {
      const account = (await store.getAccount('append@example.com'))!;
      const usage = await store.getQuotaUsage(account.id);
      const bytes = [0, 1].flatMap((w) => Array.from({ length: perClient }, (_, i) => message(w * 1000 + i)));
      assert.equal(usage.messages, 2 * perClient);
      assert.equal(
        usage.bytes,
        bytes.reduce((sum, m) => sum + Buffer.byteLength(m), 0),
      );
    } finally {
      await store.close();
    }
  });

  test('the auth throttle counts failures made on both workers together', async () => {
    await srv.addUser('throttle@example.com', PASSWORD);
    const open = async () => {
      const client = await connect(srv.ports.imap!);
      await client.readLine();
      return client;
    };
    const [a, b] = await onTwoWorkers(open, (c) => c.close(), lineSocket);
    const login = async (c: LineClient, tag: string, password: string) => {
      c.send(`${tag} LOGIN throttle@example.com "${password}"`);
      return (await c.readUntil(new RegExp(`^${tag} `), 15_000)).at(-1)!;
    };
    // maxAuthFailures is 3: two failures on one worker and one on the other block the account here.
    assert.match(await login(a, 'f1', 'wrong'), /^f1 NO/);
    assert.match(await login(a, 'f2', 'wrong'), /^f2 NO/);
    assert.match(await login(b, 'f3', 'wrong'), /^f3 NO/);
    assert.match(await login(a, 'ok', PASSWORD), /^ok NO/, 'blocked although this worker saw only two');
    await Promise.all([a.close(), b.close()]);
  });

  test('a killed worker is restarted, and the POP3 lock it held is released', async () => {
    await srv.addUser('crash@example.com', PASSWORD);
    const holder = await pop3On();
    await expectOk(holder, 'USER crash@example.com');
    await expectOk(holder, `PASS ${PASSWORD}`);
    const worker = await srv.workerOf(holder.socket.localPort!);
    const before = srv.readyWorkers();
    process.kill(before.get(worker)!, 'SIGKILL');
    await holder.waitClosed();
    await waitUntil(() => srv.readyWorkers().size === before.size + 1, 'a new worker to be ready');

    const next = await pop3On();
    await expectOk(next, 'USER crash@example.com');
    assert.match(await command(next, `PASS ${PASSWORD}`), /^\+OK/);
    await next.close();
  });

  test('SIGHUP to the primary reloads every worker', async () => {
    const workers = [...srv.readyWorkers().keys()].filter((id) => isAlive(srv.readyWorkers().get(id)!));
    srv.child.kill('SIGHUP');
    await waitUntil(
      () =>
        workers.every((id) =>
          srv.log.some((line) => line.msg === 'configuration reloaded' && line.worker === id),
        ),
      'every worker to reload',
    );
  });

  test('the banner is printed once; status names the primary; stop ends primary and workers', async () => {
    const banner = srv.output().match(/is running \(pid (\d+)\)/g) ?? [];
    assert.deepEqual(banner, [`is running (pid ${srv.child.pid})`]);
    const status = await runCli(['status', '--data', srv.dataDir]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`running \\(pid ${srv.child.pid}[,)]`));

    const workerPids = [...srv.readyWorkers().values()].filter(isAlive);
    assert.equal(workerPids.length, 2);
    const stopped = await runCli(['stop', '--data', srv.dataDir]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(await srv.stop(), 0, 'the primary exited 0 after its workers stopped');
    assert.deepEqual(workerPids.filter(isAlive), [], 'no worker left behind');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
