/** Python imaplib (RFC 3501 client) against a live Postyard: every base command, see imaplib-suite.ts. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { requireTool } from '../helpers/tools.js';
import { type ImapFixture, startImapFixture } from './harness.js';
import { IMAPLIB_SUITE } from './imaplib-suite.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture();
});
after(() => fx.srv.close());

test('Python imaplib: every command', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const [u1, u2] = fx.users as [ImapFixture['users'][0], ImapFixture['users'][0]];
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(fx.port),
    USER: u1.login,
    PASS: u1.password,
    USER2: u2.login,
    PASS2: u2.password,
  };
  const child = spawn('python3', ['-'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.stdin.end(IMAPLIB_SUITE);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, output);
  assert.match(output, /^OK/m);
});
