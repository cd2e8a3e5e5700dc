/**
 * POP3 mode is honest with broken servers (a scripted server, test/sync/fake-pop3.ts): duplicate UIDLs
 * are an error before anything is downloaded or deleted; leave-on-server is refused without UIDL;
 * a UIDL is forgotten only after a complete listing; EXPIRE from CAPA is kept for `sync status`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountConfig, Pop3Policy } from '../../src/sync/account.js';
import { ServerProtocolError, UnreachableError, UnsupportedError } from '../../src/sync/errors.js';
import { runPop3 } from '../../src/sync/pop3/sync.js';
import { FakePop3 } from './fake-pop3.js';
import { maildirFiles, newDevice } from './helpers.js';

const message = (n: number) => `Subject: fake ${n}\r\nMessage-ID: <f${n}@fake>\r\n\r\nbody ${n}\r\n`;

async function setup(t: { after(fn: () => Promise<void>): void }, fake: FakePop3, policy: Pop3Policy) {
  const port = await fake.start();
  const device = await newDevice();
  t.after(async () => {
    await fake.close();
    await device.close();
  });
  const account: AccountConfig = {
    name: 'fake',
    protocol: 'pop3',
    host: '127.0.0.1',
    port,
    user: 'u',
    security: 'plain',
    insecure: false,
    maildir: device.maildir,
    password: { kind: 'file' },
    policy,
    folders: [],
  };
  device.state.addAccount(account);
  return { device, run: () => runPop3({ account, password: 'p', state: device.state }) };
}

test('duplicate UIDLs in one listing: an error, nothing downloaded or deleted', async (t) => {
  const fake = new FakePop3({
    capa: ['UIDL', 'USER'],
    uidl: ['1 a', '2 b', '3 a'],
    messages: [1, 2, 3].map(message),
  });
  const { device, run } = await setup(t, fake, { kind: 'delete' });
  await assert.rejects(
    run(),
    (err: unknown) => err instanceof ServerProtocolError && /UIDL a twice/.test(err.message),
  );
  assert.equal(fake.count('RETR'), 0);
  assert.equal(fake.count('DELE'), 0);
  assert.equal((await maildirFiles(device.maildir)).size, 0);
});

test('no UIDL: leave-on-server is refused; --delete downloads and deletes everything', async (t) => {
  const fake = new FakePop3({ capa: ['USER'], uidl: null, messages: [1, 2].map(message) });
  const keep = await setup(t, fake, { kind: 'leave-days', days: 14 });
  await assert.rejects(
    keep.run(),
    (err: unknown) => err instanceof UnsupportedError && /use --delete/.test(err.message),
  );
  assert.equal(fake.count('RETR'), 0);

  const other = new FakePop3({ capa: ['USER'], uidl: null, messages: [1, 2].map(message) });
  const del = await setup(t, other, { kind: 'delete' });
  const result = await del.run();
  assert.deepEqual([result.downloaded, result.deleted], [2, 2]);
  assert.equal(other.count('DELE'), 2);
  assert.equal((await maildirFiles(del.device.maildir)).size, 2);
});

test('a UIDL is forgotten only after a complete listing', async (t) => {
  const fake = new FakePop3({ capa: ['UIDL', 'USER'], uidl: ['1 a', '2 b'], messages: [1, 2].map(message) });
  const { device, run } = await setup(t, fake, { kind: 'keep' });
  assert.equal((await run()).downloaded, 2);
  // The listing breaks off after one line: b must not be forgotten (it would be downloaded again).
  fake.mailbox = { ...fake.mailbox, cutUidlAfter: 1 };
  await assert.rejects(run(), UnreachableError);
  assert.deepEqual([...device.state.pop3.records('fake').keys()].sort(), ['a', 'b']);
  // A complete listing without b: now b is gone from the server for good.
  fake.mailbox = { capa: ['UIDL', 'USER'], uidl: ['1 a'], messages: [message(1)] };
  const after = await run();
  assert.deepEqual([after.downloaded, after.forgotten], [0, 1]);
  assert.deepEqual([...device.state.pop3.records('fake').keys()], ['a']);
  assert.equal((await maildirFiles(device.maildir)).size, 2, 'the local copy stays');
});

test('EXPIRE from CAPA is recorded, and a server that expires before --leave-days is reported', async (t) => {
  const fake = new FakePop3({ capa: ['UIDL', 'USER', 'EXPIRE 5'], uidl: ['1 a'], messages: [message(1)] });
  const { device, run } = await setup(t, fake, { kind: 'leave-days', days: 14 });
  const result = await run();
  assert.equal(result.expire, '5');
  assert.deepEqual(result.warnings, [
    'the server deletes mail after 5 days (EXPIRE), before --leave-days 14',
  ]);
  assert.equal(device.state.getAccount('fake')?.server?.expire, '5');
});
