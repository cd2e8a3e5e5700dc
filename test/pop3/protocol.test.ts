/** POP3 over real sockets with a raw client: RFC 1939 commands, RFC 2449 CAPA, RFC 5034 AUTH. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import {
  command,
  deliver,
  expectOk,
  inboxUids,
  PASSWORD,
  pop3Connect,
  pop3Login,
  readMultiLine,
  simpleMessage,
  startPop3Server,
} from './helpers.js';

let srv: TestServer;
let port: number;
let userCounter = 0;

/** A fresh account with `count` messages, so tests never share a maildrop. */
async function userWithMail(count: number, settings = {}): Promise<{ login: string; uids: number[] }> {
  const login = `user${++userCounter}@example.com`;
  await srv.addUser(login, PASSWORD, settings);
  const uids: number[] = [];
  for (let i = 1; i <= count; i++) uids.push(await deliver(srv, login, simpleMessage(i)));
  return { login, uids };
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

describe('POP3 protocol', () => {
  before(async () => {
    srv = await startPop3Server({}, {});
    port = srv.ports.pop3!;
  });
  after(() => srv.close());

  test('CAPA lists what works before login, and the account retention as EXPIRE after', async () => {
    const { login } = await userWithMail(0, { retentionDays: 30 });
    const client = await pop3Connect(port);
    assert.equal(await command(client, 'CAPA'), '+OK Capability list follows');
    const before = await readMultiLine(client);
    for (const cap of [
      'TOP',
      'UIDL',
      'USER',
      'SASL PLAIN LOGIN SCRAM-SHA-256',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'STLS',
      'UTF8 USER',
      'LOGIN-DELAY 0',
      'IMPLEMENTATION Postyard',
    ]) {
      assert.ok(before.includes(cap), `${cap} in ${before}`);
    }
    assert.ok(before.some((c) => c.startsWith('EXPIRE ')));
    await expectOk(client, 'UTF8');
    await expectOk(client, `USER ${login}`);
    await expectOk(client, `PASS ${PASSWORD}`);
    await expectOk(client, 'CAPA');
    const afterLogin = await readMultiLine(client);
    assert.ok(afterLogin.includes('EXPIRE 30'), afterLogin.join());
    for (const cap of ['USER', 'STLS', 'SASL PLAIN LOGIN SCRAM-SHA-256'])
      assert.ok(!afterLogin.includes(cap), cap);
    await expectOk(client, 'QUIT');
    await client.waitClosed();
  });

  test('STAT, LIST, UIDL (Dovecot format), RETR and TOP', async () => {
    const { login, uids } = await userWithMail(3);
    const account = (await srv.ctx.store.getAccount(login))!;
    const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
    const records = await srv.ctx.store.getMessages(inbox.id, uids);
    const total = records.reduce((s, r) => s + r.size, 0);
    const client = await pop3Login(port, login);

    assert.equal(await command(client, 'STAT'), `+OK 3 ${total}`);
    assert.match(await command(client, 'LIST'), /^\+OK/);
    assert.deepEqual(
      await readMultiLine(client),
      records.map((r, i) => `${i + 1} ${r.size}`),
    );
    assert.equal(await command(client, 'LIST 2'), `+OK 2 ${records[1]!.size}`);
    assert.equal(await command(client, 'LIST 4'), '-ERR No such message');
    assert.match(await command(client, 'UIDL'), /^\+OK/);
    const uidls = await readMultiLine(client);
    assert.deepEqual(
      uidls,
      uids.map((uid, i) => `${i + 1} ${hex8(uid)}${hex8(inbox.uidValidity)}`),
    );
    assert.equal(await command(client, 'UIDL 3'), `+OK ${uidls[2]}`);

    assert.equal(await command(client, 'RETR 2'), `+OK ${records[1]!.size} octets`);
    const body = await readMultiLine(client);
    assert.equal(`${body.join('\r\n')}\r\n`, simpleMessage(2));
    assert.match(await command(client, 'TOP 1 0'), /^\+OK/);
    assert.deepEqual(await readMultiLine(client), [
      ...simpleMessage(1).split('\r\n\r\n')[0]!.split('\r\n'),
      '',
    ]);
    assert.equal(await command(client, 'RETR 9'), '-ERR No such message');
    await expectOk(client, 'NOOP');
    await expectOk(client, 'QUIT');
  });

  test('AUTH PLAIN and LOGIN, with and without SASL-IR; cancel; bad base64; wrong password', async () => {
    const { login } = await userWithMail(1);
    const plain = Buffer.from(`\0${login}\0${PASSWORD}`).toString('base64');

    let client = await pop3Connect(port);
    assert.equal(
      await command(client, `AUTH PLAIN ${plain}`),
      `+OK Logged in, 1 messages (${await sizeOf(login)} octets)`,
    );
    await expectOk(client, 'QUIT');

    client = await pop3Connect(port);
    assert.equal(await command(client, 'AUTH PLAIN'), '+ ');
    assert.match(await command(client, plain), /^\+OK Logged in/);
    await expectOk(client, 'QUIT');

    client = await pop3Connect(port);
    assert.equal(await command(client, 'AUTH LOGIN'), `+ ${Buffer.from('Username:').toString('base64')}`);
    assert.equal(
      await command(client, Buffer.from(login).toString('base64')),
      `+ ${Buffer.from('Password:').toString('base64')}`,
    );
    assert.match(await command(client, Buffer.from(PASSWORD).toString('base64')), /^\+OK Logged in/);
    await expectOk(client, 'QUIT');

    client = await pop3Connect(port);
    assert.match(await command(client, `AUTH LOGIN ${Buffer.from(login).toString('base64')}`), /^\+ /);
    assert.match(await command(client, Buffer.from(PASSWORD).toString('base64')), /^\+OK Logged in/);
    await expectOk(client, 'QUIT');

    client = await pop3Connect(port);
    assert.equal(await command(client, 'AUTH PLAIN'), '+ ');
    assert.equal(await command(client, '*'), '-ERR Authentication cancelled');
    assert.match(await command(client, 'AUTH PLAIN !!notbase64'), /^-ERR \[AUTH\]/);
    assert.match(await command(client, 'AUTH CRAM-MD5'), /^-ERR/);
    assert.match(await command(client, 'AUTH'), /^\+OK/);
    assert.deepEqual(await readMultiLine(client), ['PLAIN', 'LOGIN', 'SCRAM-SHA-256']);
    await expectOk(client, `USER ${login}`);
    assert.equal(await command(client, 'PASS wrong'), '-ERR [AUTH] Authentication failed');
    assert.equal(await command(client, 'PASS again'), '-ERR Send USER first');
    assert.match(await command(client, 'STAT'), /^-ERR .*AUTHORIZATION/);
    await expectOk(client, 'QUIT');
  });

  test('DELE marks, RSET unmarks, and only QUIT deletes (+OK after the commit)', async () => {
    const { login, uids } = await userWithMail(4);
    const client = await pop3Login(port, login);
    await expectOk(client, 'DELE 1');
    assert.equal(await command(client, 'DELE 1'), '-ERR Message already deleted');
    assert.equal(await command(client, 'RETR 1'), '-ERR Message already deleted');
    assert.match(await command(client, 'STAT'), /^\+OK 3 /);
    await expectOk(client, 'RSET');
    assert.match(await command(client, 'STAT'), /^\+OK 4 /);
    await expectOk(client, 'DELE 2');
    await expectOk(client, 'DELE 4');
    assert.match(await command(client, 'LIST'), /^\+OK 2 messages/);
    assert.deepEqual(
      (await readMultiLine(client)).map((l) => l.split(' ')[0]),
      ['1', '3'],
    );
    assert.deepEqual(await inboxUids(srv, login), uids, 'nothing deleted before QUIT');
    assert.equal(await command(client, 'QUIT'), '+OK Bye, 2 messages deleted');
    // The +OK comes after the commit: the store already reflects it.
    assert.deepEqual(await inboxUids(srv, login), [uids[0], uids[2]]);
    await client.waitClosed();
  });

  test('a dropped connection deletes nothing and releases the lock', async () => {
    const { login, uids } = await userWithMail(3);
    const client = await pop3Login(port, login);
    await expectOk(client, 'DELE 1');
    await expectOk(client, 'DELE 2');
    client.socket.destroy();
    const again = await loginWhenUnlocked(login);
    assert.match(await command(again, 'STAT'), /^\+OK 3 /);
    await expectOk(again, 'QUIT');
    assert.deepEqual(await inboxUids(srv, login), uids);
  });

  test('a second concurrent session gets [IN-USE]', async () => {
    const { login } = await userWithMail(1);
    const first = await pop3Login(port, login);
    const second = await pop3Connect(port);
    await expectOk(second, `USER ${login}`);
    assert.equal(
      await command(second, `PASS ${PASSWORD}`),
      '-ERR [IN-USE] Mailbox is locked by another POP3 session',
    );
    await expectOk(first, 'QUIT');
    await first.waitClosed();
    await expectOk(second, `USER ${login}`);
    await expectOk(second, `PASS ${PASSWORD}`);
    await expectOk(second, 'QUIT');
  });

  test('the maildrop is a snapshot: mail arriving during the session appears in the next one', async () => {
    const { login } = await userWithMail(1);
    const client = await pop3Login(port, login);
    await deliver(srv, login, simpleMessage(99));
    assert.match(await command(client, 'STAT'), /^\+OK 1 /);
    assert.equal(await command(client, 'RETR 2'), '-ERR No such message');
    await expectOk(client, 'QUIT');
    await client.waitClosed();
    const next = await pop3Login(port, login);
    assert.match(await command(next, 'STAT'), /^\+OK 2 /);
    await expectOk(next, 'QUIT');
  });

  test('pipelined commands in one write are answered in order (RFC 2449 6.6)', async () => {
    const { login } = await userWithMail(3);
    const client = await pop3Connect(port);
    client.write(
      `CAPA\r\nUSER ${login}\r\nPASS ${PASSWORD}\r\nSTAT\r\nRETR 1\r\nTOP 2 0\r\nLIST 3\r\nDELE 3\r\nUIDL 3\r\nRSET\r\nQUIT\r\n`,
    );
    assert.match(await client.readLine(), /^\+OK Capability/);
    await readMultiLine(client);
    await client.readUntil(/^\+OK Logged in/);
    assert.match(await client.readLine(), /^\+OK 3 /);
    assert.match(await client.readLine(), /^\+OK \d+ octets/);
    assert.equal(`${(await readMultiLine(client)).join('\r\n')}\r\n`, simpleMessage(1));
    assert.match(await client.readLine(), /^\+OK/);
    assert.equal((await readMultiLine(client))[0], 'From: sender@example.org');
    assert.match(await client.readLine(), /^\+OK 3 \d+$/);
    assert.equal(await client.readLine(), '+OK Message 3 deleted');
    assert.equal(await client.readLine(), '-ERR Message already deleted');
    assert.match(await client.readLine(), /^\+OK 3 messages/);
    assert.equal(await client.readLine(), '+OK Bye');
    await client.waitClosed();
  });

  test('commands split across TCP writes, one byte at a time', async () => {
    const { login } = await userWithMail(2);
    const client = await pop3Connect(port);
    client.socket.setNoDelay(true);
    const script = `USER ${login}\r\nPASS ${PASSWORD}\r\nLIST\r\nRETR 2\r\nQUIT\r\n`;
    for (const byte of Buffer.from(script)) {
      client.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(await client.readLine(), '+OK Send PASS');
    assert.match(await client.readLine(), /^\+OK Logged in, 2 messages/);
    assert.match(await client.readLine(), /^\+OK 2 messages/);
    assert.equal((await readMultiLine(client)).length, 2);
    assert.match(await client.readLine(), /^\+OK \d+ octets/);
    assert.equal(`${(await readMultiLine(client)).join('\r\n')}\r\n`, simpleMessage(2));
    assert.equal(await client.readLine(), '+OK Bye');
  });
});

async function sizeOf(login: string): Promise<number> {
  const account = (await srv.ctx.store.getAccount(login))!;
  const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
  const index = await srv.ctx.store.getIndex(inbox.id);
  const records = await srv.ctx.store.getMessages(inbox.id, Array.from(index.uids));
  return records.reduce((s, r) => s + r.size, 0);
}

/** The lock is released when the server sees the close: wait for its slot to go, then log in once. */
async function loginWhenUnlocked(login: string) {
  const account = (await srv.ctx.store.getAccount(login))!;
  // The session's release frees the maildrop lock and then the per-user slot (pop3/login.ts).
  await waitUntil(
    () => srv.ctx.userConnections!.count('pop3', account.id) === 0,
    `the server to end ${login}'s dropped POP3 session`,
  );
  return pop3Login(port, login);
}
