/** Shared pieces of the sync tests: a state directory and account settings for a server. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountConfig, Pop3Policy } from '../../src/sync/account.js';
import { SyncState } from '../../src/sync/state/state.js';
import type { MailServer } from './servers.js';

export interface Device {
  dir: string;
  maildir: string;
  state: SyncState;
  close(): Promise<void>;
}

export async function newDevice(): Promise<Device> {
  const dir = await mkdtemp(join(tmpdir(), 'postyard-sync-device-'));
  const state = SyncState.open(join(dir, 'state.sqlite'));
  return {
    dir,
    maildir: join(dir, 'Mail'),
    state,
    async close() {
      state.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function accountFor(
  server: MailServer,
  protocol: 'imap' | 'pop3',
  login: { user: string },
  device: Device,
  policy: Pop3Policy = { kind: 'keep' },
  port?: number,
): AccountConfig {
  const account: AccountConfig = {
    name: `${server.kind}-${protocol}`,
    protocol,
    host: server.host,
    port: port ?? (protocol === 'imap' ? server.imapPort : server.pop3Port),
    user: login.user,
    security: 'plain',
    insecure: true,
    maildir: device.maildir,
    password: { kind: 'file' },
    policy,
    folders: ['*'],
  };
  if (!device.state.getAccount(account.name)) device.state.addAccount(account);
  return account;
}

/** The messages of one Maildir folder (new/ and cur/): file name → content. */
export async function maildirFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const sub of ['new', 'cur']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const name of names) files.set(`${sub}/${name}`, await readFile(join(dir, sub, name), 'latin1'));
  }
  return files;
}

export function subjects(files: Map<string, string>): string[] {
  return [...files.values()].map((text) => /^Subject: (.*)$/m.exec(text)?.[1]?.trim() ?? '?').sort();
}
