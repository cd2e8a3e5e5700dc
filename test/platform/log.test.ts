import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectionLogger, createRootLogger, flushLogger } from '../../src/lib/log.js';

test('file logger: JSON lines, connection fields, secrets redacted, level respected', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postyard-log-'));
  try {
    const file = join(dir, 'logs', 'postyard.log');
    const root = createRootLogger({ level: 'info', file });
    const log = connectionLogger(root, { protocol: 'imap', id: 'abc1', remote: '192.0.2.9:5555' });
    log.info({ login: 'alice@example.com', password: 'hunter2' }, 'login');
    log.info({ command: { name: 'LOGIN', password: 'hunter2' } }, 'command');
    log.debug('not at info level');
    await new Promise((r) => setTimeout(r, 50)); // let the async destination open its file
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
