/**
 * An in-process delivery server for socket tests: a fresh data directory, the real SQLite store,
 * a self-signed certificate for STARTTLS, and the LMTP/SMTP listeners on ephemeral loopback ports.
 * Same shape as test/helpers/server.ts (ctx, ports, dataDir, addUser, close), limited to delivery.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LocalBus } from '../../../src/bus/local.js';
import { defaultConfig } from '../../../src/config/config.js';
import type { Config } from '../../../src/config/types.js';
import type { ServerContext } from '../../../src/server/context.js';
import { startDeliveryListeners } from '../../../src/server/delivery/listeners.js';
import { createTlsProvider, generateSelfSigned } from '../../../src/server/net/tls.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import type { Account, AccountSettings, MessageRecord } from '../../../src/store/store.js';

export interface DeliveryEnv {
  ctx: ServerContext;
  ports: { smtp: number; lmtp: number };
  dataDir: string;
  addUser(login: string, settings?: AccountSettings): Promise<Account>;
  /** INBOX messages of `login` with their raw bytes. */
  inbox(login: string): Promise<Array<MessageRecord & { raw: Buffer }>>;
  close(): Promise<void>;
}

export async function startDeliveryEnv(configure?: (config: Config) => void): Promise<DeliveryEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-delivery-'));
  const config = defaultConfig(dataDir);
  config.hostname = 'mx.test.example';
  config.localDomains = ['example.org'];
  for (const listener of Object.values(config.listeners)) listener.enabled = false;
  config.listeners.lmtp = { host: '127.0.0.1', port: 0, enabled: true };
  config.listeners.smtp = { host: '127.0.0.1', port: 0, enabled: true };
  configure?.(config);
  const files = await generateSelfSigned(dataDir, 'localhost');
  const bus = new LocalBus();
  const store = await openSqliteStore({ dataDir, bus });
  const ctx: ServerContext = {
    config,
    store,
    bus,
    auth: {
      authenticate: async () => ({ ok: false, reason: 'invalid' }),
      hashPassword: async () => 'unused',
      invalidate: () => {},
    },
    tls: createTlsProvider({ cert: files.cert, key: files.key }),
    log: pino({ level: process.env.POSTYARD_TEST_LOG ?? 'silent' }),
    shuttingDown: () => false,
  };
  const listeners = await startDeliveryListeners(ctx);
  return {
    ctx,
    ports: { smtp: listeners.ports.smtp!, lmtp: listeners.ports.lmtp! },
    dataDir,
    addUser: (login, settings) => store.createAccount(login, 'not-a-real-hash', settings),
    async inbox(login) {
      const account = await store.getAccount(login);
      if (!account) throw new Error(`no account ${login}`);
      const mailbox = await store.getMailbox(account.id, 'INBOX');
      if (!mailbox) throw new Error(`no INBOX for ${login}`);
      const index = await store.getIndex(mailbox.id);
      const records = await store.getMessages(mailbox.id, [...index.uids]);
      return Promise.all(records.map(async (r) => ({ ...r, raw: await store.blobs.read(r.blobId) })));
    },
    async close() {
      await listeners.close();
      await store.close();
      await bus.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small well-formed message with a unique Message-ID; `lf` gives bare-LF line endings. */
export function sampleMessage(id: string, options: { lf?: boolean; bodyBytes?: number } = {}): string {
  const body = 'Hello from the delivery tests.\n'.repeat(Math.max(1, Math.ceil((options.bodyBytes ?? 30) / 31)));
  const text = [
    'From: Sender <sender@example.net>',
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
