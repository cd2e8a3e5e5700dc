/** Python imaplib (RFC 3501 client) against a live Postyard: every base command, see imaplib-suite.ts. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requireTool } from '../helpers/tools.js';
import { type ImapFixture, startImapFixture } from './harness.js';
import { runImaplibSuite } from './imaplib-suite.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture();
});
after(() => fx.srv.close());

test('Python imaplib: every command', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const [u1, u2] = fx.users as [ImapFixture['users'][0], ImapFixture['users'][0]];
  const { code, output } = await runImaplibSuite({ ports: [fx.port], users: [u1, u2] });
  assert.equal(code, 0, output);
  assert.match(output, /^OK/m);
});
