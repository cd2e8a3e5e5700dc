import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectionLogger, flushLogger, loggerReady } from '../../src/lib/log.js';
import { createRootLogger } from '../../src/server/logging.js';

test('file logger: JSON lines, connection fields, secrets redacted, level respected', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postyard-log-'));
  try {
    const file = join(dir, 'logs', 'postyard.log');
    const root = createRootLogger({ level: 'info', file });
    const log = connectionLogger(root, { protocol: 'imap', id: 'abc1', remote: '192.0.2.9:5555' });
    log.info({ login: 'alice@example.com', password: 'hunter2' }, 'login');
    log.info({ command: { name: 'LOGIN', password: 'hunter2' } }, 'command');
    log.debug('not at info level');
    await loggerReady(root); // the file destination opens asynchronously
    flushLogger(root);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.deepEqual(
      { protocol: lines[0].protocol, conn: lines[0].conn, remote: lines[0].remote, msg: lines[0].msg },
      { protocol: 'imap', conn: 'abc1', remote: '192.0.2.9:5555', msg: 'login' },
    );
    assert.equal(lines[0].password, '[redacted]');
    assert.equal(lines[1].command.password, '[redacted]');
    assert.equal(lines[1].command.name, 'LOGIN');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Runs createRootLogger in a child whose stdout is a pipe, like `postyard start | tee` would. */
function logFromChild(pretty: 'auto' | 'pretty'): Promise<string> {
  const logging = new URL('../../src/server/logging.js', import.meta.url).href;
  const script = `import { createRootLogger } from ${JSON.stringify(logging)};
const log = createRootLogger({ level: 'info' }, ${pretty === 'pretty' ? '{ pretty: true }' : '{}'});
log.child({ protocol: 'imap', conn: 'c1' }).info({ login: 'a@b.c', password: 'x' }, 'logged in');
log.flush();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

test('stdout: JSON lines when it is a pipe, readable lines with ISO times on a terminal', async () => {
  const json = JSON.parse((await logFromChild('auto')).trim());
  assert.equal(json.msg, 'logged in');
  assert.equal(json.password, '[redacted]');
  const readable = (await logFromChild('pretty')).trim();
  assert.match(
    readable,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}\[imap c1\] logged in login=a@b\.c password=\[redacted\]$/,
  );
});

test('a log file is created readable by its owner only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postyard-log-'));
  try {
    const file = join(dir, 'postyard.log');
    const root = createRootLogger({ level: 'info', file });
    await loggerReady(root);
    root.info('hello');
    flushLogger(root);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
