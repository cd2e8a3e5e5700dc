/** curl's pop3:// client (CAPA, SASL with SASL-IR, STLS, POP3S, LIST/UIDL/RETR/DELE). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { ALICE, deliver, inboxUids, PASSWORD, run, simpleMessage, startPop3Server } from './helpers.js';

let srv: TestServer;
let uids: number[];

async function curl(path: string, ...args: string[]): Promise<string> {
  const url = path.startsWith('pop3s:') ? path : `pop3://127.0.0.1:${srv.ports.pop3}${path}`;
  const result = await run('curl', ['-sS', '--max-time', '30', '-u', `${ALICE}:${PASSWORD}`, ...args, url]);
  if (result.code !== 0)
    throw new Error(`curl ${args.join(' ')} ${url}: exit ${result.code} ${result.stderr}`);
  return result.stdout;
}

describe('POP3 with curl', () => {
  before(async () => {
    srv = await startPop3Server();
    uids = [];
    for (let i = 1; i <= 3; i++) uids.push(await deliver(srv, ALICE, simpleMessage(i)));
  });
  after(() => srv.close());

  test('LIST, UIDL and RETR with the default SASL login (PLAIN with SASL-IR)', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const list = (await curl('/', '--sasl-ir')).trim().split(/\r?\n/);
    assert.equal(list.length, 3);
    assert.match(list[0]!, /^1 \d+$/);
    const uidl = (await curl('/', '-X', 'UIDL')).trim().split(/\r?\n/);
    assert.equal(uidl.length, 3);
    assert.match(uidl[2]!, /^3 [0-9A-F]{16}$/);
    assert.equal(await curl('/2'), simpleMessage(2));
  });

  test('AUTH LOGIN, STLS and POP3S', async (t) => {
    if (!requireTool(t, 'curl')) return;
    assert.equal(await curl('/1', '--login-options', 'AUTH=LOGIN'), simpleMessage(1));
    assert.equal(await curl('/3', '--ssl-reqd', '-k'), simpleMessage(3));
    assert.equal(await curl(`pop3s://127.0.0.1:${srv.ports.pop3s}/3`, '-k'), simpleMessage(3));
  });

  test('DELE through curl is committed at its QUIT', async (t) => {
    if (!requireTool(t, 'curl')) return;
    await curl('/1', '-X', 'DELE', '-I');
    assert.deepEqual(await inboxUids(srv, ALICE), uids.slice(1));
  });
});
