/**
 * Several sessions change one mailbox at random; each keeps a client-side count of messages from the
 * untagged EXISTS/EXPUNGE it receives. Every EXPUNGE must name an existing number, and after a final NOOP
 * every session's count and sequence order must match the mailbox (DESIGN.md invariants).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  appendCommand,
  type ImapFixture,
  type RawImap,
  rawImap,
  SAMPLE_MESSAGE,
  startImapFixture,
} from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

interface Tracked {
  imap: RawImap;
  count: number;
}

/** Runs a command and applies its untagged EXISTS/EXPUNGE to the session's count. */
async function step(s: Tracked, command: string): Promise<string[]> {
  const lines = await s.imap.run(command);
  for (const line of lines) {
    const exists = /^\* (\d+) EXISTS$/.exec(line);
    if (exists) {
      const n = Number(exists[1]);
      assert.ok(n >= s.count, `EXISTS may not shrink the mailbox: ${n} < ${s.count}`);
      s.count = n;
    }
    const expunge = /^\* (\d+) EXPUNGE$/.exec(line);
    if (expunge) {
      const n = Number(expunge[1]);
      assert.ok(n >= 1 && n <= s.count, `EXPUNGE ${n} with ${s.count} messages`);
      s.count--;
    }
  }
  assert.match(lines.at(-1) ?? '', /^t\d+ (OK|NO)/, `${command}: ${lines.join('\n')}`);
  return lines;
}

test('random concurrent APPEND/STORE/EXPUNGE/MOVE keep every session consistent', async () => {
  const sessions: Tracked[] = [];
  for (let i = 0; i < 3; i++) {
    const imap = await rawImap(fx.port, fx.users[0]);
    const s = { imap, count: 0 };
    await step(s, 'SELECT INBOX');
    sessions.push(s);
  }
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const operations = Array.from({ length: 90 }, (_, i) => {
    const s = sessions[i % sessions.length] as Tracked;
    const pick = () => (s.count > 0 ? String(1 + random(s.count)) : null);
    switch (random(6)) {
      case 0:
      case 1:
        return () => step(s, appendCommand('INBOX', SAMPLE_MESSAGE));
      case 2: {
        return () => {
          const n = pick();
          return n ? step(s, `STORE ${n} +FLAGS (\\Deleted)`) : step(s, 'NOOP');
        };
      }
      case 3:
        return () => step(s, 'EXPUNGE');
      case 4:
        return () => {
          const n = pick();
          return n ? step(s, `MOVE ${n} Trash`) : step(s, 'NOOP');
        };
      default:
        return () => step(s, 'FETCH 1:* (FLAGS)').catch(() => step(s, 'NOOP'));
    }
  });
  // Three sessions run concurrently, each strictly in order.
  const queues = new Map<Tracked, Promise<unknown>>();
  for (const [i, op] of operations.entries()) {
    const s = sessions[i % sessions.length] as Tracked;
    queues.set(s, (queues.get(s) ?? Promise.resolve()).then(op));
  }
  await Promise.all(queues.values());

  const truth = await rawImap(fx.port, fx.users[0]);
  await truth.run('SELECT INBOX');
  const all = (await truth.run('UID SEARCH ALL')).find((l) => l.startsWith('* SEARCH')) ?? '* SEARCH';
  const uids = all.split(' ').slice(2).map(Number);
  await truth.close();
  for (const s of sessions) {
    await step(s, 'NOOP');
    assert.equal(s.count, uids.length, 'message count after NOOP');
    const lines = await s.imap.run('FETCH 1:* (UID)');
    const seen = lines.flatMap((l) => /^\* \d+ FETCH \(UID (\d+)\)$/.exec(l)?.slice(1) ?? []).map(Number);
    assert.deepEqual(seen, uids);
    await s.imap.close();
  }
});
