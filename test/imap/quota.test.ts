/** Over quota (issue 4): APPEND and COPY answer NO [OVERQUOTA]; APPENDLIMIT refuses an oversized literal. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { appendCommand, rawImap, SAMPLE_MESSAGE } from './harness.js';

let srv: TestServer;
const user = { login: 'small@example.com', password: 'pw' };
before(async () => {
  srv = await startTestServer({ limits: { maxMessageSize: 10_000 } });
  await srv.addUser(user.login, user.password, { quotaBytes: Buffer.byteLength(SAMPLE_MESSAGE) * 2 + 10 });
});
after(() => srv.close());

test('APPEND and COPY over quota → NO [OVERQUOTA]; oversized APPEND → NO [TOOBIG] before the literal', async () => {
  const imap = await rawImap(srv.ports.imap as number, user);
  try {
    assert.match((await imap.run(appendCommand('INBOX'))).at(-1) ?? '', /OK/);
    assert.match((await imap.run(appendCommand('INBOX'))).at(-1) ?? '', /OK/);
    assert.match((await imap.run(appendCommand('INBOX'))).at(-1) ?? '', /NO \[OVERQUOTA\]/);
    await imap.run('SELECT INBOX');
    assert.match((await imap.run('COPY 1 Archive')).at(-1) ?? '', /NO \[OVERQUOTA\]/);

    const caps = await imap.run('CAPABILITY');
    assert.ok(
      caps.some((l) => l.includes('APPENDLIMIT=10000')),
      caps.join('\n'),
    );
    imap.client.send('big APPEND INBOX {20000}');
    const refused = await imap.client.readUntil(/^big /);
    assert.match(refused.at(-1) ?? '', /^big NO \[TOOBIG\]/);
    assert.match((await imap.run('NOOP')).at(-1) ?? '', /OK/);
  } finally {
    await imap.close();
  }
});
