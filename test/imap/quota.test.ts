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

test('MULTIAPPEND with room for one message: NO [OVERQUOTA] and none is stored (RFC 3502 §3)', async () => {
  const size = Buffer.byteLength(SAMPLE_MESSAGE);
  const tight = { login: 'tight@example.com', password: 'pw' };
  await srv.addUser(tight.login, tight.password, { quotaBytes: size + 10 });
  const imap = await rawImap(srv.ports.imap as number, tight);
  try {
    assert.ok((await imap.run('CAPABILITY'))[0]?.split(' ').includes('MULTIAPPEND'));
    const literal = `{${size}+}\r\n${SAMPLE_MESSAGE}`;
    // LITERAL+: both messages reach the server; the second's head is refused, the first dropped too.
    const plus = await imap.run(`APPEND INBOX ${literal} ${literal}\r\n`);
    assert.match(plus.at(-1) ?? '', /^t\d+ NO \[OVERQUOTA\]/);
    assert.match((await imap.run('NOOP')).at(-1) ?? '', /OK/, 'the stream stays in sync');
    // Synchronising literals: NO instead of the second "+", nothing stored.
    imap.client.send(`sync APPEND INBOX {${size}}`);
    assert.match(await imap.client.readLine(), /^\+ /);
    imap.client.send(`${SAMPLE_MESSAGE} {${size}}`);
    assert.match((await imap.client.readUntil(/^sync /)).at(-1) ?? '', /^sync NO \[OVERQUOTA\]/);
    assert.deepEqual((await imap.run('STATUS INBOX (MESSAGES)')).slice(0, 1), [
      '* STATUS "INBOX" (MESSAGES 0)',
    ]);
    // One message fits.
    assert.match((await imap.run(appendCommand('INBOX'))).at(-1) ?? '', /OK \[APPENDUID \d+ 1\]/);
  } finally {
    await imap.close();
  }
});
