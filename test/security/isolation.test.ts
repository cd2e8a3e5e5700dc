/**
 * Issue 5: a user can never read, list, select, copy into or see the existence of another user's
 * mailboxes. test/imap/hostile.test.ts covers plain names (SELECT/EXAMINE/STATUS/DELETE/APPEND of
 * "Private"); this adds path-like and namespace-like names (`../alice/INBOX`, `~alice`, `#other`,
 * `Other Users/alice`), control characters, COPY/MOVE/RENAME/SUBSCRIBE, identical answers for an
 * existing and a missing foreign mailbox, SASL PLAIN with another user's authzid, and POP3.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deliverMessage } from '../../src/server/delivery/deliver-message.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { appendCommand, type Imap, imapConnect, imapLogin, messageWithId, quote } from './helpers/imap.js';
import { pop3Connect, pop3UserPass } from './helpers/pop3.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const PASSWORD: Record<string, string> = { [ALICE]: 'alice-pw', [BOB]: 'bob-pw' };
let srv: TestServer;

before(async () => {
  srv = await startTestServer({ listeners: { smtp: { enabled: false }, lmtp: { enabled: false } } });
  for (const user of [ALICE, BOB]) await srv.addUser(user, PASSWORD[user]);
  const alice = (await srv.ctx.store.getAccount(ALICE))!;
  await srv.ctx.store.createMailbox(alice.id, 'Private');
  for (let i = 0; i < 3; i++) {
    const input = Buffer.from(messageWithId(`alice-${i}@example.org`, 'secret of alice'));
    const [outcome] = await deliverMessage(srv.ctx, { recipients: [ALICE], input });
    assert.ok(outcome?.ok);
  }
});
after(() => srv.close());

async function aliceMailboxes(): Promise<string[]> {
  const alice = (await srv.ctx.store.getAccount(ALICE))!;
  return (await srv.ctx.store.listMailboxes(alice.id)).map((m) => m.name).sort();
}

async function aliceInboxCount(): Promise<number> {
  const alice = (await srv.ctx.store.getAccount(ALICE))!;
  const inbox = (await srv.ctx.store.getMailbox(alice.id, 'INBOX'))!;
  return (await srv.ctx.store.getIndex(inbox.id)).uids.length;
}

/** Names by which bob might try to reach alice's mailboxes. */
const FOREIGN = [
  '../alice@example.org/INBOX',
  '../alice@example.org/Private',
  '../../alice@example.org/INBOX',
  'alice@example.org/INBOX',
  '/alice@example.org/INBOX',
  '~alice@example.org/INBOX',
  '~alice/INBOX',
  '#other/alice@example.org/INBOX',
  '#shared/alice@example.org/INBOX',
  '#user/alice/INBOX',
  'Other Users/alice@example.org/INBOX',
  'Shared/alice@example.org/Private',
  'INBOX/../../alice@example.org/INBOX',
  '..',
  '.',
  '*',
  '%',
];

/** A literal so that NUL, CR and other control characters reach the parser intact. */
function literal(name: string): string {
  return `{${Buffer.byteLength(name)}+}\r\n${name}`;
}

const CONTROL = [
  'Private\u0000',
  'Priv\u0000ate',
  '\u0000',
  'Private\u0001',
  'Priv\u007fate',
  'Private\r',
  'INBOX\u001b[2J',
];

describe('IMAP: bob cannot reach alice', () => {
  let bob: Imap;
  before(async () => {
    bob = await imapLogin(srv.ports.imap!, BOB, PASSWORD[BOB]);
    await bob.ok(appendCommand('INBOX', messageWithId('bob-1@example.org')));
    await bob.ok('SELECT INBOX');
  });
  after(() => bob.close());

  test('SELECT/EXAMINE/STATUS/APPEND/COPY/MOVE/RENAME/DELETE with path and namespace names are refused', async () => {
    const before = await aliceMailboxes();
    const countBefore = await aliceInboxCount();
    for (const name of FOREIGN) {
      const q = quote(name);
      for (const command of [
        `SELECT ${q}`,
        `EXAMINE ${q}`,
        `STATUS ${q} (MESSAGES UIDNEXT)`,
        appendCommand(q, messageWithId('planted@example.org')),
        `COPY 1 ${q}`,
        `MOVE 1 ${q}`,
        `DELETE ${q}`,
        `RENAME ${q} Stolen`,
      ]) {
        const status = (await bob.run(command)).at(-1)!;
        if (command.startsWith('MOVE') && /^s\d+ OK/.test(status)) assert.fail(`${command}: ${status}`);
        assert.match(status, /^s\d+ (NO|BAD)/, `${command.split('\r\n')[0]}: ${status}`);
      }
      // SELECT failed: bob is back in authenticated state; reselect his own INBOX for COPY/MOVE.
      await bob.ok('SELECT INBOX');
    }
    assert.deepEqual(await aliceMailboxes(), before, "alice's mailboxes unchanged");
    assert.equal(
      await aliceInboxCount(),
      countBefore,
      "nothing copied, moved or appended into alice's INBOX",
    );
    assert.equal(
      (await bob.run('STATUS INBOX (MESSAGES)')).some((l) => /MESSAGES 1\)/.test(l)),
      true,
      'bob kept his message',
    );
  });

  test('a foreign existing mailbox and a missing one get the same answer (no existence leak)', async () => {
    for (const verb of ['SELECT', 'EXAMINE', 'STATUS']) {
      const suffix = verb === 'STATUS' ? ' (MESSAGES)' : '';
      const existing = (await bob.run(`${verb} ${quote('../alice@example.org/Private')}${suffix}`)).at(-1)!;
      const missing = (await bob.run(`${verb} ${quote('../alice@example.org/NoSuchBox')}${suffix}`)).at(-1)!;
      await bob.ok('SELECT INBOX');
      assert.equal(existing.replace(/^s\d+ /, ''), missing.replace(/^s\d+ /, ''), verb);
    }
  });

  test("CREATE of a foreign-looking name never creates anything in alice's account", async () => {
    const before = await aliceMailboxes();
    for (const name of FOREIGN) await bob.run(`CREATE ${quote(`${name}/Evil`)}`);
    assert.deepEqual(await aliceMailboxes(), before);
  });

  test('names with NUL and control characters are refused, the session continues', async () => {
    for (const name of CONTROL) {
      for (const command of [
        `SELECT ${literal(name)}`,
        `CREATE ${literal(name)}`,
        `STATUS ${literal(name)} (MESSAGES)`,
      ]) {
        const status = (await bob.run(command)).at(-1)!;
        assert.match(status, /^s\d+ (NO|BAD)/, `${JSON.stringify(command)}: ${status}`);
      }
    }
    await bob.ok('SELECT INBOX');
  });

  test("LIST/LSUB with foreign references and patterns show only bob's mailboxes; NAMESPACE has no others", async () => {
    await bob.run(`SUBSCRIBE ${quote('../alice@example.org/Private')}`);
    const listings = [];
    for (const [ref, pattern] of [
      ['', '*'],
      ['../', '*'],
      ['../alice@example.org/', '*'],
      ['~alice@example.org/', '*'],
      ['#other/', '*'],
      ['', '../*'],
      ['', '~*'],
      ['', '#*'],
      ['', '*/*/*'],
      ['/', '*'],
    ]) {
      listings.push(...(await bob.run(`LIST ${quote(ref)} ${quote(pattern)}`)));
      listings.push(...(await bob.run(`LSUB ${quote(ref)} ${quote(pattern)}`)));
    }
    // Bob may own names that mention alice (the CREATE test above); only names he does not own leak.
    const bobAccount = (await srv.ctx.store.getAccount(BOB))!;
    const own = new Set((await srv.ctx.store.listMailboxes(bobAccount.id)).map((m) => m.name));
    const isOwnOrParent = (name: string) => own.has(name) || [...own].some((n) => n.startsWith(`${name}/`));
    const leaked = listings.filter((l) => {
      const m = /^\* (?:LIST|LSUB) \(([^)]*)\) (?:"[^"]*"|NIL) "?(.*?)"?$/.exec(l);
      return m && !/\\NonExistent/.test(m[1]!) && !/^\* LSUB/.test(l) && !isOwnOrParent(m[2]!);
    });
    assert.deepEqual(leaked, []);
    assert.ok(
      listings.some((l) => /^\* LIST .*"?INBOX"?$/.test(l)),
      'the listing works at all',
    );
    const namespace = (await bob.run('NAMESPACE')).join('\n');
    assert.match(namespace, /^\* NAMESPACE \(\(.*\)\) NIL NIL$/m, 'no other-users or shared namespace');
  });
});

test("IMAP AUTHENTICATE PLAIN with authzid alice and bob's credentials never yields alice's session", async () => {
  const imap = await imapConnect(srv.ports.imap!);
  try {
    const ir = Buffer.from(`${ALICE}\0${BOB}\0${PASSWORD[BOB]}`).toString('base64');
    const status = (await imap.run(`AUTHENTICATE PLAIN ${ir}`)).at(-1)!;
    if (/^s\d+ OK/.test(status)) {
      const inbox = (await imap.run('STATUS INBOX (MESSAGES)')).join('\n');
      assert.doesNotMatch(inbox, /MESSAGES 3\)/, "logged in as alice with bob's password");
      assert.match((await imap.run('SELECT Private')).at(-1)!, /^s\d+ NO/);
    } else {
      assert.match(status, /^s\d+ NO/);
    }
  } finally {
    imap.close();
  }
});

describe('POP3: bob cannot reach alice', () => {
  test("bob's session sees only bob's INBOX", async () => {
    const pop3 = await pop3Connect(srv.ports.pop3!);
    try {
      assert.match(await pop3UserPass(pop3, BOB, PASSWORD[BOB]), /^\+OK/);
      const stat = await pop3.cmd('STAT');
      const count = Number(stat.split(' ')[1]);
      assert.notEqual(count, await aliceInboxCount(), `bob sees alice's maildrop: ${stat}`);
      const list = await pop3.multi('LIST');
      assert.equal(list.lines.length, count);
      for (let i = 1; i <= count; i++) {
        const retr = await pop3.multi(`RETR ${i}`);
        assert.ok(!retr.lines.some((l) => l.includes('secret of alice')), "alice's message retrieved by bob");
      }
      assert.match(await pop3.cmd(`RETR ${count + 1}`), /^-ERR/);
      await pop3.cmd('QUIT');
    } finally {
      pop3.close();
    }
  });

  test("USER alice with bob's password, path-like USER names and AUTH PLAIN authzid are refused", async () => {
    for (const [user, password] of [
      [ALICE, PASSWORD[BOB]],
      [`../${ALICE}`, PASSWORD[ALICE]],
      [`${BOB}/../${ALICE}`, PASSWORD[BOB]],
      [`${ALICE}\u0000`, PASSWORD[ALICE]],
    ] as const) {
      const pop3 = await pop3Connect(srv.ports.pop3!);
      try {
        assert.match(await pop3UserPass(pop3, user, password), /^-ERR/, JSON.stringify(user));
      } finally {
        pop3.close();
      }
    }
    const pop3 = await pop3Connect(srv.ports.pop3!);
    try {
      const ir = Buffer.from(`${ALICE}\0${BOB}\0${PASSWORD[BOB]}`).toString('base64');
      const reply = await pop3.cmd(`AUTH PLAIN ${ir}`);
      if (reply.startsWith('+OK')) {
        const stat = await pop3.cmd('STAT');
        assert.notEqual(
          Number(stat.split(' ')[1]),
          await aliceInboxCount(),
          "AUTH PLAIN authzid gave alice's maildrop",
        );
      } else {
        assert.match(reply, /^-ERR/);
      }
    } finally {
      pop3.close();
    }
  });
});
