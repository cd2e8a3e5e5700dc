/** fetchmail against Postyard (issue 3): `keep` + `uidl` — the second run fetches nothing new. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireTool } from '../helpers/tools.js';
import { ALICE, deliver, inboxUids, PASSWORD, run, simpleMessage, startPop3Server } from './helpers.js';

test('fetchmail keep + uidl: first run fetches all, second only the new message, nothing is deleted', async (t) => {
  if (!requireTool(t, 'fetchmail')) return;
  const srv = await startPop3Server();
  const home = await mkdtemp(join(tmpdir(), 'postyard-fetchmail-'));
  try {
    const uids: number[] = [];
    for (let i = 1; i <= 3; i++) uids.push(await deliver(srv, ALICE, simpleMessage(i)));
    const sink = join(home, 'sink');
    const mda = join(home, 'mda.sh');
    await writeFile(mda, `#!/bin/sh\nmkdir -p '${sink}'\ncat > "$(mktemp -p '${sink}' msg.XXXXXX)"\n`);
    await chmod(mda, 0o700);
    const rc = join(home, 'fetchmailrc');
    await writeFile(
      rc,
      `set no syslog\nset idfile "${join(home, 'fetchids')}"\n` +
        `poll 127.0.0.1 service ${srv.ports.pop3} protocol pop3 uidl auth password timeout 30\n` +
        `  user "${ALICE}" password "${PASSWORD}" keep no sslcertck\n` +
        `  mda "${mda}"\n`,
    );
    await chmod(rc, 0o600);
    const fetch = () =>
      run('fetchmail', ['-f', rc, '--pidfile', join(home, 'pid'), '--nodetach', '-v'], {
        env: { HOME: home, FETCHMAILHOME: home },
      });

    const first = await fetch();
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.equal((await readdir(sink)).length, 3);

    const second = await fetch();
    assert.equal(second.code, 1, `exit 1 = no new mail\n${second.stderr}${second.stdout}`);
    assert.equal((await readdir(sink)).length, 3);

    uids.push(await deliver(srv, ALICE, simpleMessage(4)));
    const third = await fetch();
    assert.equal(third.code, 0, third.stderr + third.stdout);
    assert.equal((await readdir(sink)).length, 4);
    assert.deepEqual(await inboxUids(srv, ALICE), uids, 'keep: nothing deleted on the server');
  } finally {
    await rm(home, { recursive: true, force: true });
    await srv.close();
  }
});
