import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as lineClient } from '../helpers/net.js';
import { BIN, FREE_PORTS, hasStackTrace, ROOT, runCli, tempRoot } from './helpers.js';

/** Resolves with the first data the server sends (its greeting), or rejects after `ms`. */
function greeting(port: number, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no greeting on port ${port}`));
    }, ms);
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('start on an empty data dir sets up, prints ports and the add-user hint, serves, stops on SIGTERM', async (t) => {
  const { dataDir } = tempRoot(t);
  const child = spawn(process.execPath, [BIN, 'start', '--data', dataDir, ...FREE_PORTS], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in 20 s:\n${stdout}\n${stderr}`)), 20_000);
    child.stdout.on('data', () => {
      if (stdout.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    exited.then(() => reject(new Error(`server exited early:\n${stdout}\n${stderr}`)));
  });

  assert.match(stdout, /First run: setting up /);
  assert.ok(existsSync(join(dataDir, 'postyard.json')));
  assert.ok(existsSync(join(dataDir, 'tls', 'cert.pem')));
  assert.ok(stdout.includes(`config:      ${join(dataDir, 'postyard.json')}`), stdout);
  assert.ok(stdout.includes(`data dir:    ${dataDir}`), stdout);
  // Run from the checkout, the hint is the command that works there (npm links no bin for the project itself).
  assert.ok(stdout.includes(`  node bin/postyard.js user add you@example.com --data ${dataDir}\n`), stdout);
  assert.match(stdout, /curl --user 'you@example\.com:YOUR-PASSWORD' imap:\/\/localhost:\d+\//);

  const port = (label: string) => {
    const match = new RegExp(`^\\s+${label}\\s+127\\.0\\.0\\.1:(\\d+)`, 'm').exec(stdout);
    assert.ok(match, `${label} port printed:\n${stdout}`);
    return Number(match[1]);
  };
  assert.match(await greeting(port('IMAP')), /^\* (OK|BYE)/);
  assert.match(await greeting(port('POP3')), /^(\+OK|-ERR)/);
  assert.match(await greeting(port('LMTP')), /^220 /);
  for (const label of ['IMAPS', 'POP3S', 'SMTP']) assert.ok(port(label) > 0);

  // The whole first-run path: add a user, deliver with the CLI, read it over POP3 and IMAPS.
  const add = await runCli(['user', 'add', 'you@example.com', '--password-stdin', '--data', dataDir], {
    input: 'secret\n',
  });
  assert.equal(add.code, 0, add.stderr);
  // The banner's own test-message line, run by a shell exactly as printed.
  const hint = /^ {2}(printf .* \| node bin\/postyard\.js deliver --to you@example\.com --data .*)$/m.exec(
    stdout,
  );
  assert.ok(hint, stdout);
  const deliver = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const sh = spawn('sh', ['-c', hint[1]!], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    sh.stderr.on('data', (d: Buffer) => (err += d.toString()));
    sh.on('close', (code) => resolve({ code, stderr: err }));
  });
  assert.equal(deliver.code, 0, deliver.stderr);
  const pop3 = await lineClient(port('POP3'));
  assert.match(await pop3.readLine(), /^\+OK/);
  pop3.send('USER you@example.com');
  assert.match(await pop3.readLine(), /^\+OK/);
  pop3.send('PASS secret');
  assert.match(await pop3.readLine(), /^\+OK/);
  pop3.send('STAT');
  assert.match(await pop3.readLine(), /^\+OK 1 \d+/);
  pop3.send('QUIT');
  await pop3.close();
  const imaps = await lineClient(port('IMAPS'), { tls: true });
  assert.match(await imaps.readLine(), /^\* OK/);
  imaps.send('a LOGIN you@example.com secret');
  assert.match((await imaps.readUntil(/^a /)).at(-1)!, /^a OK/);
  imaps.send('b STATUS INBOX (MESSAGES)');
  assert.match((await imaps.readUntil(/^b /)).join('\n'), /\* STATUS "?INBOX"? \(MESSAGES 1\)/);
  imaps.send('c EXAMINE INBOX');
  await imaps.readUntil(/^c /);
  imaps.send('d FETCH 1 (ENVELOPE)');
  // The test message has a real date (clients would show "Jan 01" without one).
  assert.match(
    (await imaps.readUntil(/^d /)).join('\n'),
    /ENVELOPE \("\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}" "hello"/,
  );
  await imaps.close();

  // SIGHUP reloads and keeps serving.
  child.kill('SIGHUP');
  await waitFor(() => stdout.includes('configuration reloaded'), 5000);
  assert.match(await greeting(port('IMAP')), /^\* OK/);

  // While it runs, a second server on the same data dir is refused.
  const second = await runCli(['start', '--data', dataDir]);
  assert.equal(second.code, 69, second.stderr);
  assert.match(second.stderr, /already running/);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.equal(existsSync(join(dataDir, 'postyard.pid')), false);
});

test('start exits 69 with one line naming the listener when its port is taken', async (t) => {
  const { dataDir } = tempRoot(t);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const ports = FREE_PORTS.map((arg) => (arg === 'pop3=0' ? `pop3=${port}` : arg));
  const result = await runCli(['start', '--data', dataDir, ...ports]);
  assert.equal(result.code, 69, result.stderr);
  assert.equal(
    result.stderr,
    `postyard: start: POP3 cannot listen on 127.0.0.1:${port}: already in use (by pid ${process.pid}, ` +
      `${readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim()}); change \`listeners.pop3.port\` in ` +
      `${join(dataDir, 'postyard.json')}\n`,
  );
  assert.equal(hasStackTrace(result.stderr), false);
  assert.equal(existsSync(join(dataDir, 'postyard.pid')), false);
});
