/**
 * `postyard user add|set|show|del|passwd|list`: accounts. Passwords are hashed by the auth service
 * (scrypt); settings left out of `user set` stay as they are.
 */
import { createInterface } from 'node:readline/promises';
import type { Config } from '../config/types.js';
import { ExistsError } from '../lib/errors.js';
import type { PopDeletePolicy } from '../lib/pop-delete-policy.js';
import { formatSize, parseCount, parseDays, parseSize } from '../lib/values.js';
import type { Account, AccountSettings, Store } from '../store/store.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { describeRetention, inboxFirst } from './display.js';
import { CliError, EX, UsageError } from './exit.js';
import { cliCommand } from './invocation.js';
import { normalizeLogin } from './login.js';
import { readNewPassword } from './password.js';
import { resolvePaths } from './paths.js';
import { usageLine } from './quota.js';
import { requireAccount, withRuntime } from './runtime.js';
import { formatTable } from './table.js';

export const userAdd: Command = {
  name: 'user add',
  summary: 'create an account with the default mailboxes',
  usage:
    'user add EMAIL [--password-stdin] [--quota SIZE] [--messages N] [--retention DAYS] [--pop-delete MODE] [--pop-mark-seen on|off] [--admin]',
  help: `Creates the account and its mailboxes (INBOX, Drafts, Sent, Trash, Junk, Archive).
The password is read from a hidden prompt, or from stdin with --password-stdin.

  --password-stdin     read the password from the first line of stdin
  --quota SIZE         storage quota: 500M, 2G, unlimited (default: unlimited)
  --messages N         message-count quota (default: unlimited)
  --retention DAYS     expunge INBOX mail that arrived longer ago than this: 14d, 4w, 1y, forever
                       (default: config retentionDays)
  --pop-delete MODE    POP3 DELE: expunge or hide (default: config pop3.deletePolicy)
  --pop-mark-seen WHEN whether a POP3 download marks mail read: on or off (default: pop3.markSeenOnRetr)
  --admin              may use the admin pages and the admin API (see \`token create\`)
Change any of them later with \`postyard user set\`.
${DATA_HELP}

Example:
  echo 'secret' | postyard user add you@example.com --password-stdin --quota 2G`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      this,
      args,
      {
        ...DATA_OPTIONS,
        'password-stdin': { type: 'boolean' },
        ...SETTING_OPTIONS,
        admin: { type: 'boolean' },
      },
      ['EMAIL'],
    );
    const login = normalizeLogin(positionals[0]!);
    const settings = parseSettings(values);
    if (values.admin) settings.admin = true;
    return withRuntime(resolvePaths(values), async ({ store, auth, config }) => {
      if (await store.getAccount(login)) throw new CliError(`account ${login} already exists`, EX.CANTCREAT);
      settings.retentionDays ??= config.retentionDays;
      const record = await auth.passwordRecord(
        await readNewPassword({ passwordStdin: values['password-stdin'] }),
      );
      const account = await store
        .createAccount(login, record.passwordHash, settings)
        .catch((err: unknown) => {
          throw err instanceof ExistsError
            ? new CliError(`account ${login} already exists`, EX.CANTCREAT)
            : err;
        });
      // SCRAM keys beside the hash (a crash in between only delays them to the first password login).
      await store.setScramSha256(login, record.passwordHash, record.scramSha256);
      const mailboxes = inboxFirst(await store.listMailboxes(account.id))
        .map((m) => m.name)
        .join(', ');
      warnIfNotLocal(login, config.localDomains);
      console.log(
        `created ${account.admin ? 'admin ' : ''}${account.login} (quota ${formatSize(account.quotaBytes)}, ` +
          `retention ${describeRetention(account.retentionDays)}; mailboxes ${mailboxes})`,
      );
      return EX.OK;
    });
  },
};

/** With localDomains set, delivery refuses other domains: say so now rather than after a bounce. */
function warnIfNotLocal(login: string, localDomains: readonly string[]): void {
  const domain = login.slice(login.lastIndexOf('@') + 1);
  if (localDomains.length === 0 || localDomains.includes(domain)) return;
  console.error(
    `postyard: user add: warning: ${domain} is not in localDomains (${localDomains.join(', ')}); ` +
      'mail to this address will be refused as not local',
  );
}

function parsePopDelete(text: string): PopDeletePolicy {
  if (text === 'expunge' || text === 'hide') return text;
  throw new UsageError(`invalid --pop-delete '${text}' (expunge or hide)`);
}

/** Settings options shared by `user add` and `user set`. */
const SETTING_OPTIONS = {
  quota: { type: 'string' },
  messages: { type: 'string' },
  retention: { type: 'string' },
  'pop-delete': { type: 'string' },
  'pop-mark-seen': { type: 'string' },
} as const;

function parseSettings(values: Partial<Record<keyof typeof SETTING_OPTIONS, string>>): AccountSettings {
  const settings: AccountSettings = {};
  if (values.quota !== undefined) settings.quotaBytes = parseSize(values.quota);
  if (values.messages !== undefined) settings.quotaMessages = parseCount(values.messages);
  if (values.retention !== undefined) settings.retentionDays = parseDays(values.retention);
  const popDelete = values['pop-delete'];
  if (popDelete !== undefined)
    settings.popDeletePolicy = popDelete === 'default' ? null : parsePopDelete(popDelete);
  const markSeen = values['pop-mark-seen'];
  if (markSeen !== undefined) settings.popMarkSeen = parseOnOffDefault(markSeen, '--pop-mark-seen');
  return settings;
}

function parseOnOff(text: string, option: string): boolean {
  if (text === 'on' || text === 'yes') return true;
  if (text === 'off' || text === 'no') return false;
  throw new UsageError(`invalid ${option} '${text}' (on or off)`);
}

function parseOnOffDefault(text: string, option: string): boolean | null {
  if (text === 'on' || text === 'yes') return true;
  if (text === 'off' || text === 'no') return false;
  if (text === 'default') return null;
  throw new UsageError(`invalid ${option} '${text}' (on, off or default)`);
}

export const userSet: Command = {
  name: 'user set',
  summary: "change an account's quota, retention, POP3 behaviour or password",
  usage:
    'user set EMAIL [--quota SIZE] [--messages N] [--retention DAYS] [--pop-delete MODE] [--pop-mark-seen on|off|default] [--admin on|off] [--password-stdin]',
  help: `Changes only the settings given; the others stay as they are.

  --quota SIZE           storage quota: 500M, 2G, unlimited
  --messages N           message-count quota, or unlimited
  --retention DAYS       expunge INBOX mail that arrived there longer ago than this: 14d, 4w, 1y, forever
  --pop-delete MODE      what POP3 DELE does: expunge (IMAP devices lose the message too), hide (only POP3
                         stops seeing it; IMAP keeps it until deleted there), or default (pop3.deletePolicy)
  --pop-mark-seen WHEN   whether a POP3 download marks mail read: on, off, or default (pop3.markSeenOnRetr)
  --admin on|off         whether the account may use the admin pages and the admin API
  --password-stdin       also set a new password, read from the first line of stdin
${DATA_HELP}

Examples:
  postyard user set you@example.com --quota 5G --retention 30d
  postyard user set you@example.com --pop-delete hide
  postyard user set postmaster@example.com --admin on
  echo 'new secret' | postyard user set you@example.com --password-stdin`,
  async run(args) {
    const options = {
      ...DATA_OPTIONS,
      ...SETTING_OPTIONS,
      admin: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    const settings = parseSettings(values);
    if (values.admin !== undefined) settings.admin = parseOnOff(values.admin, '--admin');
    if (Object.keys(settings).length === 0 && !values['password-stdin']) {
      throw new UsageError(`nothing to change (usage: postyard ${this.usage})`);
    }
    return withRuntime(resolvePaths(values), async ({ store, auth, config }) => {
      await requireAccount(store, login);
      if (values['password-stdin']) {
        const record = await auth.passwordRecord(await readNewPassword({ passwordStdin: true }));
        await store.setPasswordHash(login, record.passwordHash, record.scramSha256);
        auth.invalidate(login);
        console.log(`password changed for ${login}`);
      }
      if (Object.keys(settings).length > 0) {
        const account = await store.updateAccount(login, settings);
        console.log(`updated ${login}:`);
        for (const line of describeSettings(account, config)) console.log(`  ${line}`);
      }
      return EX.OK;
    });
  },
};

export const userShow: Command = {
  name: 'user show',
  summary: "show an account's usage, quota, retention, POP3 behaviour and mailboxes",
  usage: 'user show EMAIL',
  help: `Everything about one account: storage and messages against the quota, retention, what POP3
downloads and deletions do (and whether that is the server default), and each mailbox with its counts.
${DATA_HELP}

Example:
  postyard user show you@example.com`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store, config }) => {
      const account = await requireAccount(store, login);
      const usage = await store.getQuotaUsage(account.id);
      console.log(account.login);
      console.log(`  created:        ${account.createdAt.toISOString().slice(0, 10)}`);
      console.log(`  storage:        ${usageLine(usage.bytes, usage.limitBytes, 'bytes', formatSize)}`);
      console.log(`  messages:       ${usageLine(usage.messages, usage.limitMessages, 'messages', String)}`);
      for (const line of describeSettings(account, config).slice(2)) console.log(`  ${line}`);
      console.log('');
      console.log(await mailboxTable(store, account));
      return EX.OK;
    });
  },
};

/** One line per setting, saying where a value comes from when it is the server default. */
function describeSettings(account: Account, config: Config): string[] {
  const popDelete = account.popDeletePolicy ?? `${config.pop3.deletePolicy} (server default)`;
  const markSeen =
    account.popMarkSeen === null
      ? `${config.pop3.markSeenOnRetr ? 'yes' : 'no'} (server default)`
      : account.popMarkSeen
        ? 'yes'
        : 'no';
  return [
    `quota:          ${formatSize(account.quotaBytes)}`,
    `message quota:  ${account.quotaMessages === null ? 'unlimited' : String(account.quotaMessages)}`,
    `retention:      ${describeRetention(account.retentionDays)}${account.retentionDays === null ? '' : ' (INBOX mail that arrived longer ago is expunged)'}`,
    `POP3 delete:    ${popDelete}`,
    `POP3 marks read: ${markSeen}`,
    `admin:          ${account.admin ? 'yes (admin pages and API)' : 'no'}`,
  ];
}

async function mailboxTable(store: Store, account: Account): Promise<string> {
  const rows: string[][] = [];
  for (const mailbox of inboxFirst(await store.listMailboxes(account.id))) {
    const status = await store.mailboxStatus(mailbox.id);
    rows.push([mailbox.name, String(status.messages), String(status.unseen), formatSize(status.size)]);
  }
  return formatTable(['MAILBOX', 'MESSAGES', 'UNSEEN', 'SIZE'], rows);
}

export const userDel: Command = {
  name: 'user del',
  summary: 'delete an account and all its mail',
  usage: 'user del EMAIL [--yes]',
  help: `Deletes the account, its mailboxes and messages (blob files are collected by the next maintenance run).
On a terminal it says how much mail goes and asks first; elsewhere (scripts) --yes is required.

  -y, --yes            do not ask
${DATA_HELP}

Example:
  postyard user del you@example.com`,
  async run(args) {
    const options = { ...DATA_OPTIONS, yes: { type: 'boolean', short: 'y' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const account = await requireAccount(store, login);
      const usage = await store.getQuotaUsage(account.id);
      const what = `${login} and its ${usage.messages} message${usage.messages === 1 ? '' : 's'} (${formatSize(usage.bytes)})`;
      if (!values.yes) {
        if (!process.stdin.isTTY) {
          throw new UsageError(
            `this deletes ${what}: add --yes to confirm (not on a terminal, so no question)`,
          );
        }
        if (!(await confirm(`Delete ${what}? Type the address to confirm: `, login))) {
          console.log('nothing deleted');
          return EX.OK;
        }
      }
      await store.deleteAccount(login);
      console.log(`deleted ${what}`);
      return EX.OK;
    });
  },
};

/** Asks on the terminal; true only when the answer is exactly `expected`. */
async function confirm(question: string, expected: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === expected;
  } finally {
    rl.close();
  }
}

export const userPasswd: Command = {
  name: 'user passwd',
  summary: "change an account's password",
  usage: 'user passwd EMAIL [--password-stdin]',
  help: `Sets a new password (hidden prompt, or the first line of stdin with --password-stdin).
A running server picks it up at the next login (its auth cache expires within minutes).
${DATA_HELP}

Example:
  postyard user passwd you@example.com`,
  async run(args) {
    const options = { ...DATA_OPTIONS, 'password-stdin': { type: 'boolean' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store, auth }) => {
      await requireAccount(store, login);
      const record = await auth.passwordRecord(
        await readNewPassword({ passwordStdin: values['password-stdin'] }),
      );
      await store.setPasswordHash(login, record.passwordHash, record.scramSha256);
      auth.invalidate(login);
      console.log(`password changed for ${login}`);
      return EX.OK;
    });
  },
};

export const userList: Command = {
  name: 'user list',
  summary: 'list accounts with usage, quota and retention',
  usage: 'user list',
  help: `One line per account: login, storage used and quota, messages, retention, creation date.
${DATA_HELP}

Example:
  postyard user list`,
  async run(args) {
    const { values } = parseCommandArgs(this, args, DATA_OPTIONS);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const rows: string[][] = [];
      for (const account of await store.listAccounts()) {
        const usage = await store.getQuotaUsage(account.id);
        rows.push([
          account.login,
          formatSize(usage.bytes),
          formatSize(account.quotaBytes),
          String(usage.messages),
          account.quotaMessages === null ? 'unlimited' : String(account.quotaMessages),
          describeRetention(account.retentionDays),
          account.createdAt.toISOString().slice(0, 10),
        ]);
      }
      if (rows.length === 0) {
        console.log(`no accounts yet (add one with: ${cliCommand()} user add you@example.com)`);
        return EX.OK;
      }
      console.log(
        formatTable(['LOGIN', 'USED', 'QUOTA', 'MESSAGES', 'MSG-QUOTA', 'RETENTION', 'CREATED'], rows),
      );
      return EX.OK;
    });
  },
};
