/** Hostile input (issue 3 "Hostile input", issue 5 limits): the server answers cleanly and stays up. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import {
  ALICE,
  BOB,
  command,
  deliver,
  expectOk,
  inboxUids,
  PASSWORD,
  pop3Connect,
  pop3Login,
  simpleMessage,
  startPop3Server,
} from './helpers.js';

let srv: TestServer;
let port: number;

describe('POP3 hostile input', () => {
  before(async () => {
    srv = await startPop3Server({ limits: { maxLineLength: 8192, maxBadCommands: 5 } });
    port = srv.ports.pop3!;
    for (let i = 1; i <= 3; i++) await deliver(srv, ALICE, simpleMessage(i));
  });
  after(() => srv.close());

  test('a 100 KB command line gets -ERR and the connection resynchronises', async () => {
    const client = await pop3Connect(port);
    client.write(`USER ${'x'.repeat(100 * 1024)}\r\nCAPA\r\n`);
    assert.equal(await client.readLine(), '-ERR Line too long');
    assert.equal(await client.readLine(), '+OK Capability list follows');
    await client.readUntil(/^\.$/);
    await expectOk(client, 'QUIT');
  });

  test('binary garbage: -ERR per line, then the connection is closed after too many bad commands', async () => {
    const client = await pop3Connect(port);
    const garbage = Buffer.alloc(4000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    client.write(garbage);
    client.write('\r\n\0\0\xff\r\nRETR\r\nHELO\r\nXYZZY\r\nFOO\r\nBAR\r\n');
    const lines = await client.readUntil(/Too many bad commands/);
    assert.ok(
      lines.every((l) => l.startsWith('-ERR')),
      lines.join('\n'),
    );
    await client.waitClosed();
    const fresh = await pop3Connect(port);
    await expectOk(fresh, 'CAPA');
    await fresh.close();
  });

  test('AUTH with bad base64 is refused with [AUTH]', async () => {
    const client = await pop3Connect(port);
    assert.match(await command(client, 'AUTH PLAIN ====='), /^-ERR \[AUTH\]/);
    assert.equal(await command(client, 'AUTH LOGIN'), `+ ${Buffer.from('Username:').toString('base64')}`);
    assert.match(await command(client, 'not base64 at all'), /^-ERR \[AUTH\]/);
    assert.match(await command(client, 'AUTH PLAIN'), /^\+ /);
    assert.match(await command(client, Buffer.from('no-nul-bytes').toString('base64')), /^-ERR \[AUTH\]/);
    assert.match(await command(client, `AUTH PLAIN ${'A'.repeat(20_000)}`), /^-ERR/);
    await expectOk(client, 'QUIT');
  });

  test('10,000 DELE in one pipeline: every one answered, nothing deleted before QUIT', async () => {
    const before = await inboxUids(srv, BOB);
    const uids: number[] = [];
    for (let i = 0; i < 2; i++) uids.push(await deliver(srv, BOB, simpleMessage(i)));
    const client = await pop3Login(port, BOB);
    let script = '';
    for (let i = 1; i <= 10_000; i++) script += `DELE ${i}\r\n`;
    client.write(`${script}STAT\r\nRSET\r\nQUIT\r\n`);
    const replies: string[] = [];
    for (let i = 0; i < 10_000; i++) replies.push(await client.readLine());
    const total = before.length + 2;
    assert.equal(replies.filter((r) => r.startsWith('+OK')).length, total);
    assert.equal(replies.filter((r) => r === '-ERR No such message').length, 10_000 - total);
    assert.match(await client.readLine(), /^\+OK 0 0$/);
    assert.match(await client.readLine(), /^\+OK/);
    assert.equal(await client.readLine(), '+OK Bye');
    assert.deepEqual(await inboxUids(srv, BOB), [...before, ...uids]);
  });

  test('commands in the wrong state and unknown commands are refused; the server stays up', async () => {
    const client = await pop3Connect(port);
    assert.match(await command(client, 'RETR 1'), /^-ERR/);
    assert.match(await command(client, 'PASS x'), /^-ERR Send USER first/);
    assert.match(await command(client, 'APOP alice 0123'), /^-ERR Unknown command/);
    await expectOk(client, `USER ${ALICE}`);
    await expectOk(client, `PASS ${PASSWORD}`);
    assert.match(await command(client, 'USER x'), /^-ERR/);
    assert.match(await command(client, 'STLS'), /^-ERR/);
    assert.match(await command(client, 'RETR 0'), /^-ERR/);
    assert.match(await command(client, 'TOP 1 x'), /^-ERR/);
    assert.match(await command(client, 'RETR 1'), /^\+OK/);
    await client.readUntil(/^\.$/);
    await expectOk(client, 'QUIT');
  });
});
