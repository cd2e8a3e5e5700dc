/**
 * The second process of gc-race.test.ts: delivers the same bytes again and again into its own store
 * handle on the shared data directory, as `postyard deliver` does, while the test process runs forced
 * garbage collection. After every acknowledged delivery it checks that the message's blob is there, then
 * expunges the message so that the blob becomes garbage again for the next round.
 * argv: DATA_DIR LOGIN ROUNDS. Prints one JSON line: { acked, refused, missingAfterAck }.
 */
import { deliverMessage } from '../../../src/server/delivery/deliver-message.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';

const [dataDir, login, rounds] = process.argv.slice(2) as [string, string, string];
const MESSAGE = Buffer.from('From: a@example.net\r\nSubject: the same bytes every time\r\n\r\nHello.\r\n');

const store = await openSqliteStore({ dataDir });
const config = { hostname: 'gc-race.test', localDomains: [], limits: { maxMessageSize: 1 << 20 } };
const account = (await store.getAccount(login))!;
const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
let acked = 0;
let refused = 0;
const missingAfterAck: string[] = [];
for (let round = 0; round < Number(rounds); round++) {
  const [outcome] = await deliverMessage(
    { store, config: config as never },
    { recipients: [login], input: MESSAGE },
  );
  if (!outcome?.ok) {
    refused++; // not acknowledged: the MTA would retry
    continue;
  }
  acked++;
  const [record] = await store.getMessages(inbox.id, [outcome.result.uid]);
  if (!record || !(await store.blobs.exists(record.blobId)))
    missingAfterAck.push(`round ${round} uid ${outcome.result.uid}`);
  await store.expunge(inbox.id, { uids: [outcome.result.uid], force: true });
}
await store.close();
process.stdout.write(`${JSON.stringify({ acked, refused, missingAfterAck })}\n`);
