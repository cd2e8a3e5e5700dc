/**
 * A whole Postyard server for integration tests: fresh temp data directory, a self-signed certificate,
 * every listener on an ephemeral port (127.0.0.1), logging silenced. Overrides are validated like the
 * config file, so a typo in a test fails loudly.
 *
 *   const srv = await startTestServer({ limits: { maxAuthFailures: 3 } });
 *   await srv.addUser('alice@example.com', 'secret');
 *   const c = await connect(srv.ports.imap!);
 *   ...
 *   await srv.close();
 */
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConfiguredServer } from '../../src/cli/runtime.js';
import { type DeepPartial, defaultConfig, mergeConfig, parseConfig } from '../../src/config/config.js';
import type { Config } from '../../src/config/types.js';
import type { AuthServiceOptions } from '../../src/server/auth/service.js';
import type { ServerContext } from '../../src/server/context.js';
import { createRootLogger } from '../../src/server/logging.js';
import { generateSelfSigned } from '../../src/server/net/tls.js';
import type { RunningServer, StartServerOptions } from '../../src/server/server.js';
import type { Account, AccountSettings } from '../../src/store/store.js';

export interface TestServer {
  ctx: ServerContext;
  /** Bound ports by listener name: imap, imaps, pop3, pop3s, smtp, lmtp (those that are enabled). */
  ports: Record<string, number>;
  dataDir: string;
  server: RunningServer;
  /** Creates an account (scrypt-hashed password, default mailboxes). */
  addUser(login: string, password: string, settings?: AccountSettings): Promise<Account>;
  /** Stops the server (graceful, short grace period) and deletes the data directory. Idempotent. */
  close(): Promise<void>;
}

export const TEST_HOSTNAME = 'mail.postyard.test';

/** Config for a test server in `dataDir`: every port 0, host 127.0.0.1, log silent, then `overrides`. */
export function testConfig(dataDir: string, overrides?: DeepPartial<Config>): Config {
  const base = defaultConfig(dataDir);
  for (const listener of Object.values(base.listeners)) {
    listener.host = '127.0.0.1';
    listener.port = 0;
  }
  base.hostname = TEST_HOSTNAME;
  // Off unless a test turns it on: its DNS lookups would go to the machine's resolver.
  base.delivery.authenticationResults = false;
  base.log.level = (process.env.POSTYARD_TEST_LOG as Config['log']['level'] | undefined) ?? 'silent';
  return parseConfig(mergeConfig(base, overrides), { dataDir });
}

export async function startTestServer(
  overrides?: DeepPartial<Config>,
  options: {
    auth?: AuthServiceOptions;
    outgoing?: StartServerOptions['outgoing'];
    /** Returning freed native memory after connections close: an injected loader, or false for never. */
    memoryReclaim?: StartServerOptions['memoryReclaim'];
    /** Where the temp data directory goes (e.g. /dev/shm for a test that stores many messages). */
    tempParent?: string;
    /** A data directory the caller owns (and removes): several nodes sharing one blob directory. */
    dataDir?: string;
  } = {},
): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(options.tempParent ?? tmpdir(), 'postyard-test-')));
  try {
    await installTestCertificate(dataDir);
    const config = testConfig(dataDir, overrides);
    // Logs go to stderr when POSTYARD_TEST_LOG is set, so they do not mix with the test reporter.
    const log = createRootLogger(
      { level: config.log.level, file: config.log.file ?? '/dev/stderr' },
      { pretty: false },
    );
    const server = await startConfiguredServer(config, {
      log,
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.outgoing ? { outgoing: options.outgoing } : {}),
      ...(options.memoryReclaim !== undefined ? { memoryReclaim: options.memoryReclaim } : {}),
    });
    let closed: Promise<void> | null = null;
    return {
      ctx: server.ctx,
      ports: server.ports,
      dataDir,
      server,
      async addUser(login, password, settings) {
        // As `postyard user add` does: scrypt hash and SCRAM keys, the configured default retention.
        const record = await server.ctx.auth.passwordRecord(password);
        const defaults = config.retentionDays === null ? {} : { retentionDays: config.retentionDays };
        const account = await server.ctx.store.createAccount(login.toLowerCase(), record.passwordHash, {
          ...defaults,
          ...settings,
        });
        await server.ctx.store.setScramSha256(login, record.passwordHash, record.scramSha256);
        return account;
      },
      close() {
        closed ??= server
          .close({ graceMs: 2_000 })
          .finally(() => (ownDir ? rm(dataDir, { recursive: true, force: true }) : undefined));
        return closed;
      },
    };
  } catch (err) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

let certificate: Promise<{ cert: string; key: string }> | null = null;

/** One self-signed certificate per test process (RSA generation is the slow part), copied per server. */
export async function installTestCertificate(dataDir: string): Promise<void> {
  certificate ??= mkdtemp(join(tmpdir(), 'postyard-cert-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return generateSelfSigned(dir, TEST_HOSTNAME);
  });
  const source = await certificate;
  const target = defaultConfig(dataDir).tls;
  await mkdir(join(dataDir, 'tls'), { recursive: true });
  await copyFile(source.cert, target.cert);
  await copyFile(source.key, target.key);
}
