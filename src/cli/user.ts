/** `postyard user add|del|passwd|list`: accounts. Passwords are hashed by the auth service (scrypt). */
import { ExistsError } from '../lib/errors.js';
import type { AccountSettings, PopDeletePolicy } from '../store/store.js';
import { formatSize, parseCount, parseDays, parseSize } from './args.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { describeRetention, inboxFirst } from './display.js';
import { CliError, EX, UsageError } from './exit.js';
import { cliCommand } from './invocation.js';
import { normalizeLogin } from './login.js';
import { readNewPassword } from './password.js';
import { resolvePaths } from './paths.js';
import { requireAccount, withRuntime } from './runtime.js';
import { formatTable } from './table.js';

export const userAdd: Command = {
  name: 'user add',
  summary: 'create an account with the default mailboxes',
  usage:
    'user add EMAIL [--password-stdin] [--quota SIZE] [--messages N] [--retention DAYS] [--pop-delete MODE] [--admin]',
  help: `Creates the account and its mailboxes (INBOX, Drafts, Sent, Trash, Junk, Archive).
The password is read from a hidden prompt, or from stdin with --password-stdin.

  --password-stdin     read the password from the first line of stdin
  --quota SIZE         storage quota: 500M, 2G, unlimited (default: unlimited)
  --messages N         message-count quota (default: unlimited)
  --retention DAYS     expunge INBOX mail older than this: 30, 4w, 1y, forever (default: config retentionDays)
  --pop-delete MODE    POP3 DELE: expunge or hide (default: config pop3.deletePolicy)
  --admin              may use the admin pages and the admin API (see \`token create\`)
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
        quota: { type: 'string' },
        messages: { type: 'string' },
        retention: { type: 'string' },
        'pop-delete': { type: 'string' },
        admin: { type: 'boolean' },
      },
      ['EMAIL'],
    );
    const login = normalizeLogin(positionals[0]!);
    const settings: AccountSettings = {};
    if (values.quota !== undefined) settings.quotaBytes = parseSize(values.quota);
    if (values.messages !== undefined) settings.quotaMessages = parseCount(values.messages);
    if (values.retention !== undefined) settings.retentionDays = parseDays(values.retention);
    if (values['pop-delete'] !== undefined) settings.popDeletePolicy = parsePopDelete(values['pop-delete']);
    if (values.admin) settings.admin = true;
    return withRuntime(resolvePaths(values), async ({ store, auth, config }) => {
      if (await store.getAccount(login)) throw new CliError(`account ${login} already exists`, EX.CANTCREAT);
      settings.retentionDays ??= config.retentionDays;
      const hash = await auth.hashPassword(
        await readNewPassword({ passwordStdin: values['password-stdin'] }),
      );
      const account = await store.createAccount(login, hash, settings).catch((err: unknown) => {
        throw err instanceof ExistsError
          ? new CliError(`account ${login} already exists`, EX.CANTCREAT)
          : err;
      });
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

export const userDel: Command = {
  name: 'user del',
  summary: 'delete an account and all its mail',
  usage: 'user del EMAIL',
  help: `Deletes the account, its mailboxes and messages (blob files are collected by the next maintenance run).
${DATA_HELP}

Example:
  postyard user del you@example.com`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      await requireAccount(store, login);
      await store.deleteAccount(login);
      console.log(`deleted ${login}`);
      return EX.OK;
    });
  },
};

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
      await store.setPasswordHash(
        login,
        await auth.hashPassword(await readNewPassword({ passwordStdin: values['password-stdin'] })),
      );
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
