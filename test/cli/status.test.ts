/** `postyard status` and `postyard stop` against a real server process started with `postyard start`. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { BIN, ROOT, runCli, tempRoot } from './helpers.js';

/** A port that was free a moment ago (the OS picks it, we release it for the server). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('status says what runs, stop stops it and waits; both say so when nothing runs', async (t) => {
  const { dataDir } = tempRoot(t);
  const imap = await freePort();
  const pop3 = await freePort();
  const off = ['imaps', 'pop3s', 'smtp', 'submission', 'submissions', 'lmtp'].flatMap((n) => [
    '--port',
    `${n}=off`,
  ]);
  const init = await runCli([
    'init',
    '--data',
    dataDir,
    '--port',
    `imap=${imap}`,
    '--port',
    `pop3=${pop3}`,
    ...off,
  ]);
  assert.equal(init.code, 0, init.stderr);

  const idle = await runCli(['status', '--data', dataDir]);
  assert.equal(idle.code, 3, 'LSB: not running');
  assert.match(idle.stdout, /^Postyard is not running on /);
  assert.match(idle.stdout, /store: +0 accounts, 0 messages \(0 B of mail\), database \d+/);

  const child = spawn(process.execPath, [BIN, 'start', '--data', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  while (!stdout.includes('Stop with Ctrl-C')) await once(child.stdout, 'data');
  const exited = once(child, 'exit');
  await runCli(['user', 'add', 'sam@example.com', '--password-stdin', '--data', dataDir], { input: 'pw\n' });

  const running = await runCli(['status', '--data', dataDir]);
  assert.equal(running.code, 0, running.stderr);
  assert.match(running.stdout, new RegExp(`^Postyard is running \\(pid ${child.pid}, up \\d+ s\\)\\n`));
  assert.match(running.stdout, new RegExp(`\\n {2}IMAP +127\\.0\\.0\\.1:${imap} +accepting\\n`));
  assert.match(running.stdout, new RegExp(`\\n {2}POP3 +127\\.0\\.0\\.1:${pop3} +accepting\\n`));
  assert.match(running.stdout, /\n {2}SMTP +- +disabled\n/);
  assert.match(running.stdout, /store: +1 account, 0 messages/);

  const stopped = await runCli(['stop', '--data', dataDir]);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(stopped.stdout, `stopped Postyard (pid ${child.pid})\n`);
  const [code] = await exited;
  assert.equal(code, 0, 'a graceful stop');
  assert.equal((await runCli(['status', '--data', dataDir])).code, 3);
  const again = await runCli(['stop', '--data', dataDir]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^Postyard is not running on /);
});
