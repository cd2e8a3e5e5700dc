/** SEARCH over messages stored through APPEND (ingest, store and evaluation end to end), raw socket. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendCommand, type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
let imap: RawImap;
before(async () => {
  fx = await startImapFixture(1);
  imap = await rawImap(fx.port, fx.users[0]);
});
after(async () => {
  await imap.close();
  await fx.srv.close();
});

function message(headers: string): string {
  return `${headers}\r\nSubject: search\r\n\r\nbody\r\n`;
}

async function search(criteria: string): Promise<string> {
  const lines = await imap.run(`SEARCH ${criteria}`);
  assert.match(lines.at(-1) ?? '', /^t\d+ OK /, lines.join('\n'));
  return lines.find((l) => l.startsWith('* SEARCH')) ?? lines.join('\n');
}

test('SENTBEFORE/SENTON/SENTSINCE take the calendar date of the Date header in its own zone', async () => {
  await imap.run('CREATE Sent-dates');
  for (const date of [
    'Sat, 24 Mar 2007 23:00:00 +0200', // 21:00 UTC on the 24th
    'Sun, 25 Mar 2007 00:00:00 +0200', // 22:00 UTC on the 24th
    'Sun, 25 Mar 2007 23:00:00 +0300', // 20:00 UTC on the 25th
    'Sun, 25 Mar 2007 21:30:00 -0500', // 02:30 UTC on the 26th
    'Mon, 26 Mar 2007 00:00:00 +0300', // 21:00 UTC on the 25th
  ]) {
    await imap.run(appendCommand('Sent-dates', message(`Date: ${date}`)));
  }
  await imap.run(appendCommand('Sent-dates', message('From: no-date@example.com')));
  await imap.run('SELECT Sent-dates');
  assert.equal(await search('SENTON 24-Mar-2007'), '* SEARCH 1');
  assert.equal(await search('SENTON 25-Mar-2007'), '* SEARCH 2 3 4');
  assert.equal(await search('SENTBEFORE 26-Mar-2007'), '* SEARCH 1 2 3 4');
  assert.equal(await search('SENTSINCE 26-Mar-2007'), '* SEARCH 5');
  assert.equal(await search('NOT SENTON 25-Mar-2007'), '* SEARCH 1 5 6');
});

test('FROM matches an address written in obsolete syntax with comments', async () => {
  await imap.run('CREATE Obsolete');
  await imap.run(appendCommand('Obsolete', message('From: <user-from (comment)@ (comment) domain.org>')));
  await imap.run(appendCommand('Obsolete', message('From: user-from1@domain.org')));
  await imap.run('SELECT Obsolete');
  assert.equal(await search('FROM user-from@domain.org'), '* SEARCH 1');
  assert.equal(await search('FROM "<user-from@domain.org>"'), '* SEARCH 1');
});
