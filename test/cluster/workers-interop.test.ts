/**
 * The real-client interop scenarios against a `workers: 2` server process (issue 15): Python's imaplib
 * suite (every base command; its IDLE and multi-session cases land on both workers), Python's poplib,
 * and imapflow watching INBOX on one connection while another appends.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { requireTool } from '../helpers/tools.js';
import { SAMPLE_MESSAGE } from '../imap/harness.js';
import { runImaplibSuite } from '../imap/imaplib-suite.js';
import { python } from '../pop3/helpers.js';
import { startWorkersServer, type WorkersServer } from './helpers/workers-server.js';

const USERS = [
  { login: 'user1@example.com', password: 'secret1' },
  { login: 'user2@example.com', password: 'secret2' },
  { login: 'pop@example.com', password: 'secret3' },
  { login: 'flow@example.com', password: 'secret4' },
] as const;

let srv: WorkersServer;
before(async () => {
  srv = await startWorkersServer({ workers: 2 });
  for (const user of USERS) await srv.addUser(user.login, user.password);
});
after(async () => {
  await srv?.stop();
  await srv?.remove();
});

test('Python imaplib: every command, on two workers', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { code, output } = await runImaplibSuite({ ports: [srv.ports.imap!], users: [USERS[0], USERS[1]] });
  assert.equal(code, 0, output);
  assert.match(output, /^OK/m);
});

test("Python's poplib: STAT, LIST, UIDL, RETR, TOP, DELE, on two workers", async (t) => {
  if (!requireTool(t, 'python3')) return;
  const pop = USERS[2];
  for (let i = 1; i <= 3; i++) {
    await srv.deliver(pop.login, SAMPLE_MESSAGE.replace('Sample', `Sample ${i}`));
  }
  const script = `
import poplib, sys, json
host, port, user, password = sys.argv[1:5]
def session(delete):
    p = poplib.POP3(host, int(port))
    p.user(user); p.pass_(password)
    count, size = p.stat()
    uidls = [l.decode().split()[1] for l in p.uidl()[1]]
    subjects = [next(l.decode() for l in p.retr(i + 1)[1] if l.startswith(b'Subject:')) for i in range(count)]
    top = len(p.top(1, 0)[1])
    if delete: p.dele(1)
    p.quit()
    return {'count': count, 'uidls': uidls, 'subjects': subjects, 'top': top}
print(json.dumps([session(True), session(True), session(False)]))
`;
  const result = await python(script, ['127.0.0.1', String(srv.ports.pop3), pop.login, pop.password]);
  assert.equal(result.code, 0, result.stderr);
  const sessions = JSON.parse(result.stdout) as Array<{ count: number; uidls: string[]; subjects: string[] }>;
  assert.deepEqual(
    sessions.map((s) => s.count),
    [3, 2, 1],
    'each QUIT deleted one, seen by the next session wherever it ran',
  );
  assert.deepEqual(sessions[0]!.subjects, ['Subject: Sample 1', 'Subject: Sample 2', 'Subject: Sample 3']);
  assert.deepEqual(sessions[1]!.uidls, sessions[0]!.uidls.slice(1));
});

test('imapflow: one connection watches INBOX while others append', async () => {
  const flow = USERS[3];
  const client = () =>
    new ImapFlow({
      host: '127.0.0.1',
      port: srv.ports.imap!,
      secure: false,
      auth: { user: flow.login, pass: flow.password },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
  const watcher = client();
  await watcher.connect();
  const lock = await watcher.getMailboxLock('INBOX');
  const seen: number[] = [];
  watcher.on('exists', (event: { count: number }) => seen.push(event.count));
  const idling = watcher.idle();
  try {
    // Several writers in turn: node:cluster spreads new connections over both workers.
    for (let i = 1; i <= 4; i++) {
      const writer = client();
      await writer.connect();
      await writer.append('INBOX', SAMPLE_MESSAGE.replace('Sample', `Flow ${i}`));
      await writer.logout();
      while (!seen.includes(i)) await once(watcher, 'exists');
    }
    assert.equal(seen.at(-1), 4);
  } finally {
    lock.release();
    await watcher.logout();
    await idling.catch(() => {});
  }
});
