/**
 * The shared test server (test/helpers/server.ts) with only the delivery listeners enabled, plus
 * helpers to look at what landed in a mailbox.
 */
import type { DeepPartial } from '../../../src/config/config.js';
import type { Config } from '../../../src/config/types.js';
import type { ServerContext } from '../../../src/server/context.js';
import type { Account, AccountSettings, MessageRecord } from '../../../src/store/store.js';
import { startTestServer } from '../../helpers/server.js';

export interface DeliveryEnv {
  ctx: ServerContext;
  ports: { smtp: number; lmtp: number };
  dataDir: string;
  addUser(login: string, settings?: AccountSettings): Promise<Account>;
  /** INBOX messages of `login` with their raw bytes. */
  inbox(login: string): Promise<Array<MessageRecord & { raw: Buffer }>>;
  close(): Promise<void>;
}

const OFF = { enabled: false };

export async function startDeliveryEnv(overrides: DeepPartial<Config> = {}): Promise<DeliveryEnv> {
  const srv = await startTestServer({
    localDomains: ['example.org'],
    ...overrides,
    listeners: { imap: OFF, imaps: OFF, pop3: OFF, pop3s: OFF, submission: OFF, ...overrides.listeners },
  });
  const store = srv.ctx.store;
  return {
    ctx: srv.ctx,
    ports: { smtp: srv.ports.smtp!, lmtp: srv.ports.lmtp! },
    dataDir: srv.dataDir,
    addUser: (login, settings) => srv.addUser(login, 'test-password', settings),
    async inbox(login) {
      const account = await store.getAccount(login);
      if (!account) throw new Error(`no account ${login}`);
      const mailbox = await store.getMailbox(account.id, 'INBOX');
      if (!mailbox) throw new Error(`no INBOX for ${login}`);
      const index = await store.getIndex(mailbox.id);
      const records = await store.getMessages(mailbox.id, [...index.uids]);
      return Promise.all(records.map(async (r) => ({ ...r, raw: await store.blobs.read(r.blobId) })));
    },
    close: () => srv.close(),
  };
}

/** A small well-formed message with a unique Message-ID; `lf` gives bare-LF line endings. */
export function sampleMessage(
  id: string,
  options: { lf?: boolean; bodyBytes?: number; from?: string } = {},
): string {
  const body = 'Hello from the delivery tests.\n'.repeat(
    Math.max(1, Math.ceil((options.bodyBytes ?? 30) / 31)),
  );
  const text = [
    `From: Sender <${options.from ?? 'sender@example.net'}>`,
    'To: User <user@example.org>',
    `Subject: test ${id}`,
    `Message-ID: <${id}>`,
    'Date: Thu, 26 Nov 2026 07:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    body,
  ].join('\n');
  return options.lf ? text : text.replace(/\n/g, '\r\n');
}
