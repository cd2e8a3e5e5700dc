/** Failure paths and backpressure: a missing blob gives -ERR (nothing internal leaks); a slow reader of a big message gets it intact. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverBlocked, watchServerEnds } from '../helpers/net.js';
import type { TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import {
  ALICE,
  command,
  deliver,
  expectOk,
  inboxUids,
  pop3Login,
  simpleMessage,
  startPop3Server,
} from './helpers.js';

let srv: TestServer;

async function blobIdOf(uid: number): Promise<string> {
  const account = (await srv.ctx.store.getAccount(ALICE))!;
  const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
  return (await srv.ctx.store.getMessages(inbox.id, [uid]))[0]!.blobId;
}

describe('POP3 failure paths', () => {
  before(async () => {
    srv = await startPop3Server({ limits: { maxMessageSize: 64 * 1024 * 1024 } });
  });
  after(() => srv.close());

  test('RETR of a message whose blob is gone: -ERR, no internals, the session goes on', async () => {
    const small = await deliver(srv, ALICE, simpleMessage(1));
    const large = await deliver(srv, ALICE, simpleMessage(2, `${'y'.repeat(998)}\r\n`.repeat(1000)));
    await srv.ctx.store.blobs.remove(await blobIdOf(small));
    await srv.ctx.store.blobs.remove(await blobIdOf(large));
    const client = await pop3Login(srv.ports.pop3!);
    for (const n of [1, 2]) {
      const reply = await command(client, `RETR ${n}`);
      assert.match(reply, /^-ERR /);
      assert.doesNotMatch(reply, /ENOENT|\/tmp|blob|error:/i, 'no paths or internal words');
    }
    assert.match(await command(client, 'TOP 2 1'), /^-ERR /);
    await expectOk(client, 'NOOP');
    await expectOk(client, 'DELE 1');
    await expectOk(client, 'DELE 2');
    await expectOk(client, 'QUIT');
    assert.deepEqual(await inboxUids(srv, ALICE), []);
  });

  test('a 20 MB message to a client that stops reading for a while arrives intact', async () => {
    const line = `${'0123456789'.repeat(7)}\r\n.starts with a dot\r\n`;
    const body = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    const message = simpleMessage(3, body);
    await deliver(srv, ALICE, message);
    const ends = watchServerEnds();
    const client = await pop3Login(srv.ports.pop3!);
    const serverSide = await ends.of(client).finally(() => ends.stop());
    client.socket.pause();
    client.send('RETR 1');
    client.send('NOOP');
    // The client reads nothing until the server is blocked on it with most of the body still to send.
    await waitUntil(() => serverBlocked(serverSide), 'the server to wait for the paused client');
    client.socket.resume();
    assert.match(await client.readLine(), /^\+OK \d+ octets$/);
    const expected = Buffer.from(`${message.replace(/^\./gm, '..')}.\r\n`);
    const received = await client.readBytes(expected.length, 60_000);
    assert.ok(received.equals(expected), 'body bytes, dot-stuffed');
    assert.equal(await client.readLine(), '+OK');
    await expectOk(client, 'QUIT');
  });
});
