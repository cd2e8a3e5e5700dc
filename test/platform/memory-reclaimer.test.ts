/**
 * Issue 15: after many TLS sessions close, the server runs a full GC and calls glibc's malloc_trim
 * (through koffi), and where koffi is missing it goes on serving. Sessions are Python imaplib's (IMAP4_SSL), a client we did
 * not write.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { loadGlibcMallocTrim, type MallocTrimLoader } from '../../src/server/net/memory-reclaimer.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { waitUntil } from '../helpers/wait.js';

const SESSIONS = 12;
const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** Opens `sessions` IMAP4_SSL sessions at once (login, SELECT), then logs them all out. */
function imaplibSessions(port: number, sessions: number): Promise<{ code: number | null; output: string }> {
  const script = `
import imaplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
port, n = int(sys.argv[1]), int(sys.argv[2])
clients = [imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ctx) for _ in range(n)]
for c in clients:
    c.login('alice@example.com', 'secret')
    assert c.select('INBOX')[0] == 'OK'
for c in clients:
    c.logout()
print('OK', n)
`;
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', script, String(port), String(sessions)]);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function serverWith(load: MallocTrimLoader): Promise<TestServer> {
  const srv = await startTestServer(
    { limits: { maxConnectionsPerUser: 100 } },
    { memoryReclaim: { load, afterClosed: SESSIONS, settleMs: 0, minIntervalMs: 0 } },
  );
  servers.push(srv);
  await srv.addUser('alice@example.com', 'secret');
  return srv;
}

test('TLS sessions closing make the server call malloc_trim', async (t) => {
  if (!requireTool(t, 'python3')) return;
  let realTrims = 0;
  const srv = await serverWith(async () => {
    const trim = await loadGlibcMallocTrim();
    // Elsewhere than glibc with koffi, count the calls of a stand-in: the hook is what is tested.
    return async () => {
      realTrims += 1;
      return trim ? trim() : false;
    };
  });
  const run = await imaplibSessions(srv.ports.imaps!, SESSIONS);
  assert.equal(run.code, 0, run.output);
  // Counted at the call: without koffi the stand-in reports nothing trimmed, and stats.trims stays 0.
  await waitUntil(() => realTrims === 1, 'malloc_trim after the sessions closed');
  assert.ok(srv.ctx.memoryReclaimer!.stats.lastGcMs >= 0, 'a full GC ran before the trim');
  // And the server goes on serving.
  const again = await imaplibSessions(srv.ports.imaps!, 1);
  assert.equal(again.code, 0, again.output);
});

test('without koffi the sessions close as always and nothing is trimmed', async (t) => {
  if (!requireTool(t, 'python3')) return;
  let loads = 0;
  const srv = await serverWith(() => {
    loads += 1;
    // What an absent optionalDependency does: the dynamic import rejects.
    return import(['postyard', 'no-such-module'].join('-'));
  });
  const run = await imaplibSessions(srv.ports.imaps!, SESSIONS);
  assert.equal(run.code, 0, run.output);
  await waitUntil(
    () => srv.ctx.memoryReclaimer!.stats.reclaims === 1,
    'the reclaim after the sessions closed',
  );
  assert.equal(srv.ctx.memoryReclaimer!.stats.trimAvailable, false);
  assert.ok(srv.ctx.memoryReclaimer!.stats.lastGcMs >= 0, "V8's heap is collected all the same");
  assert.equal(loads, 1);
  assert.equal(srv.ctx.memoryReclaimer!.stats.trims, 0);
  const again = await imaplibSessions(srv.ports.imaps!, SESSIONS);
  assert.equal(again.code, 0, again.output);
  assert.equal(loads, 1, 'not loaded again');
});

test('reclaimMemory: false in the config leaves memory alone (no reclaimer at all)', async () => {
  const srv = await startTestServer({ reclaimMemory: false });
  servers.push(srv);
  assert.equal(srv.ctx.memoryReclaimer, undefined);
  const on = await startTestServer();
  servers.push(on);
  assert.ok(on.ctx.memoryReclaimer, 'on by default');
});
