/**
 * `postyard sync add|run|watch|status|del`: this machine as a device of an account on any IMAP or
 * POP3 server (src/sync). Accounts and their state live in the state directory; passwords never in
 * argv (stdin, a prompt, or --password-env VAR).
 */
import { join } from 'node:path';
import type { AccountConfig } from '../sync/account.js';
import { ServerProtocolError, UnsupportedError } from '../sync/errors.js';
import { connectImap } from '../sync/imap/connect.js';
import { recordLocalChanges } from '../sync/imap/sync.js';
import { loadPassword, removePassword, storePassword } from '../sync/password.js';
import { Pop3Client } from '../sync/pop3/client.js';
import { runAccount } from '../sync/run.js';
import { ensureStateDirectory, STATE_FILE, stateDirectory } from '../sync/state/location.js';
import { SyncState } from '../sync/state/state.js';
import { watchAccount } from '../sync/watch.js';
import { type Command, parseCommandArgs } from './command.js';
import { CliError, describeError, EX, exitCodeFor, UsageError } from './exit.js';
import { readNewPassword } from './password.js';
import { accountFromOptions } from './sync-account.js';
import { SyncProgressBar } from './sync-progress.js';
import { statusDetails, statusTable } from './sync-status.js';

/** sysexits EX_PROTOCOL: the server broke its protocol. */
const EX_PROTOCOL = 76;

const STATE_OPTION = { state: { type: 'string' } } as const;
const STATE_HELP = `  --state DIR          sync state directory (default: $POSTYARD_SYNC_STATE, else
                       $XDG_DATA_HOME/postyard/sync or ~/.local/share/postyard/sync)`;

export const syncAdd: Command = {
  name: 'sync add',
  summary: 'set this machine up as a device of a mail account (IMAP or POP3)',
  usage:
    'sync add NAME --imap|--pop3 --host H [--port P] --user U [--tls|--starttls|--plain] ' +
    '[--leave-days N|--delete|--keep] --maildir DIR [--password-stdin|--password-env VAR]',
  help: `Records the account; \`sync run NAME\` then keeps DIR (a Maildir, readable by mutt/neomutt) in step.
--imap: two-way sync of every folder (or --folders). --pop3: downloads new mail by UIDL.
The password is read from a hidden prompt or the first line of stdin (--password-stdin) and stored in
a 0600 file in the state directory, or read from an environment variable at each run (--password-env).
The login is checked now unless --offline.

  --imap | --pop3         protocol
  --host H, --port P      server (port default: 993/143 IMAP, 995/110 POP3 by security)
  --user U                login name
  --tls | --starttls | --plain
                          implicit TLS (default), STARTTLS/STLS required, or no TLS
  --insecure              accept a certificate that does not verify (self-signed test servers)
  --keep                  POP3: leave every message on the server (default)
  --leave-days N          POP3: delete from the server N days after it was stored here
  --delete                POP3: delete from the server once stored here
  --maildir DIR           the local Maildir (created if missing)
  --folders P1,P2         IMAP: folders to sync, LIST patterns (default: *)
  --password-stdin        read the password from stdin
  --password-env VAR      read the password from $VAR at every run (nothing stored)
  --offline               do not check the login now
${STATE_HELP}

Examples:
  postyard sync add laptop --imap --host mail.example.com --user you@example.com --maildir ~/Mail
  postyard sync add home --pop3 --host mail.example.com --user you@example.com --leave-days 14 --maildir ~/Maildir`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      this,
      args,
      {
        ...STATE_OPTION,
        imap: { type: 'boolean' },
        pop3: { type: 'boolean' },
        host: { type: 'string' },
        port: { type: 'string' },
        user: { type: 'string' },
        tls: { type: 'boolean' },
        starttls: { type: 'boolean' },
        plain: { type: 'boolean' },
        insecure: { type: 'boolean' },
        'leave-days': { type: 'string' },
        delete: { type: 'boolean' },
        keep: { type: 'boolean' },
        maildir: { type: 'string' },
        folders: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        'password-env': { type: 'string' },
        offline: { type: 'boolean' },
      },
      ['NAME'],
    );
    const account = accountFromOptions(positionals[0]!, values);
    if (values['password-env'] && values['password-stdin']) {
      throw new UsageError('choose one of --password-stdin or --password-env');
    }
    const dir = stateDirectory(values.state);
    await ensureStateDirectory(dir);
    return withState(dir, async (state) => {
      if (state.getAccount(account.name))
        throw new CliError(`account ${account.name} already exists`, EX.CANTCREAT);
      const password =
        account.password.kind === 'env'
          ? await loadPassword(dir, account)
          : await readNewPassword({ passwordStdin: values['password-stdin'] });
      if (!values.offline) {
        await checkLogin(account, password).catch((err: unknown) => {
          throw new CliError(`cannot add ${account.name}: ${describeError(err)}`, syncExitCode(err));
        });
      }
      if (account.password.kind === 'file') await storePassword(dir, account.name, password);
      state.addAccount(account);
      console.log(
        `added ${account.name}: ${account.protocol.toUpperCase()} ${account.user}@${account.host}:${account.port} → ${account.maildir}` +
          `${values.offline ? ' (login not checked)' : ''}; run: postyard sync run ${account.name}`,
      );
      return EX.OK;
    });
  },
};

export const syncRun: Command = {
  name: 'sync run',
  summary: 'sync accounts now (all, or the ones named)',
  usage: 'sync run [NAME...]',
  help: `Runs each account once and prints one summary line per account; notes (conflicts resolved,
a UIDVALIDITY change, EXPIRE shorter than --leave-days) go to stderr. A progress bar is shown on a terminal.
Exit code: 0 when every account synced; otherwise that of the first failure (75: server unreachable,
local changes kept for the next run; 77: login refused; 76: the server broke the protocol).
${STATE_HELP}

Example:
  postyard sync run laptop`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, STATE_OPTION, [], Number.POSITIVE_INFINITY);
    const dir = stateDirectory(values.state);
    return withState(dir, async (state) => {
      const accounts = selectAccounts(state, positionals);
      let code: number = EX.OK;
      for (const account of accounts) {
        try {
          const outcome = await runAccount(account, {
            stateDir: dir,
            state,
            progress: new SyncProgressBar(),
          });
          console.log(outcome.summary);
          for (const note of outcome.notes)
            process.stderr.write(`postyard: sync: ${account.name}: ${note}\n`);
        } catch (err) {
          process.stderr.write(`postyard: sync run: ${account.name}: ${describeError(err)}\n`);
          if (code === EX.OK) code = syncExitCode(err);
          if (account.protocol === 'imap') await recordLocalChanges({ account, state }).catch(() => {});
        }
      }
      return code;
    });
  },
};

export const syncWatch: Command = {
  name: 'sync watch',
  summary: 'keep an account in sync until stopped (IMAP IDLE, POP3 polling)',
  usage: 'sync watch NAME [--interval DURATION]',
  help: `Runs the account, then again whenever the server reports a change (IMAP IDLE on INBOX), the Maildir
changes, or --interval passes (POP3 polls at that interval; IMAP catches other folders). A failed run is
retried with backoff. Stops on Ctrl-C or SIGTERM. One summary line per run.

  --interval DURATION  30s, 5m, 1h (default: 5m)
${STATE_HELP}

Example:
  postyard sync watch laptop --interval 10m`,
  async run(args) {
    const options = { ...STATE_OPTION, interval: { type: 'string' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['NAME']);
    const intervalMs = parseInterval(values.interval ?? '5m');
    const dir = stateDirectory(values.state);
    return withState(dir, async (state) => {
      const [account] = selectAccounts(state, positionals);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop).once('SIGTERM', stop);
      try {
        await watchAccount(account!, {
          stateDir: dir,
          state,
          intervalMs,
          signal: controller.signal,
          progress: new SyncProgressBar(),
          onOutcome(outcome, error) {
            const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
            if (outcome) {
              console.log(`${at} ${outcome.summary}`);
              for (const note of outcome.notes)
                process.stderr.write(`postyard: sync: ${account!.name}: ${note}\n`);
            } else {
              process.stderr.write(`${at} postyard: sync watch: ${account!.name}: ${describeError(error)}\n`);
            }
          },
        });
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
      }
      return EX.OK;
    });
  },
};

export const syncStatus: Command = {
  name: 'sync status',
  summary: 'show sync accounts, their last run and pending local changes',
  usage: 'sync status [NAME]',
  help: `Without NAME: one line per account. With NAME: its settings, folders (UIDVALIDITY, HIGHESTMODSEQ),
POP3 policy and the server's EXPIRE, and every local change waiting for the server.
${STATE_HELP}

Example:
  postyard sync status laptop`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, STATE_OPTION, [], 1);
    const dir = stateDirectory(values.state);
    return withState(dir, async (state) => {
      if (positionals.length === 0) {
        console.log(
          state.listAccounts().length === 0
            ? 'no sync accounts yet (add one with: postyard sync add)'
            : statusTable(state),
        );
        return EX.OK;
      }
      const [account] = selectAccounts(state, positionals);
      if (account!.protocol === 'imap') await recordLocalChanges({ account: account!, state });
      console.log(statusDetails(state, state.getAccount(account!.name)!));
      return EX.OK;
    });
  },
};

export const syncDel: Command = {
  name: 'sync del',
  summary: 'forget a sync account (its Maildir is left alone)',
  usage: 'sync del NAME',
  help: `Removes the account, its sync state and its stored password. The Maildir and the server are untouched.
${STATE_HELP}

Example:
  postyard sync del laptop`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, STATE_OPTION, ['NAME']);
    const dir = stateDirectory(values.state);
    return withState(dir, async (state) => {
      const [account] = selectAccounts(state, positionals);
      state.removeAccount(account!.name);
      await removePassword(dir, account!.name);
      console.log(`deleted sync account ${account!.name} (Maildir ${account!.maildir} kept)`);
      return EX.OK;
    });
  },
};

async function withState<T>(dir: string, fn: (state: SyncState) => Promise<T>): Promise<T> {
  await ensureStateDirectory(dir);
  const state = SyncState.open(join(dir, STATE_FILE));
  try {
    return await fn(state);
  } finally {
    state.close();
  }
}

function selectAccounts(state: SyncState, names: readonly string[]): AccountConfig[] {
  if (names.length === 0) {
    const all = state.listAccounts().map((a) => a.config);
    if (all.length === 0)
      throw new CliError('no sync accounts yet (add one with: postyard sync add)', EX.NOUSER);
    return all;
  }
  return names.map((name) => {
    const record = state.getAccount(name);
    if (!record) throw new CliError(`no sync account ${name} (see postyard sync status)`, EX.NOUSER);
    return record.config;
  });
}

async function checkLogin(account: AccountConfig, password: string): Promise<void> {
  if (account.protocol === 'imap') {
    const client = await connectImap(account, password, 30_000);
    await client.logout();
    return;
  }
  const client = await Pop3Client.connect({ ...account, timeoutMs: 30_000 });
  try {
    await client.login(account.user, password);
    if (account.policy.kind !== 'delete') await client.uidl();
    await client.quit();
  } catch (err) {
    if (err instanceof UnsupportedError && account.policy.kind !== 'delete') {
      throw new UnsupportedError(`${err.message}: leaving mail on the server needs UIDL; use --delete`);
    }
    throw err;
  } finally {
    client.destroy();
  }
}

function parseInterval(text: string): number {
  const match = /^(\d+)\s*(s|m|h)?$/.exec(text.trim().toLowerCase());
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[(match?.[2] ?? 's') as 's' | 'm' | 'h'];
  const ms = match ? Number(match[1]) * unit : 0;
  if (ms < 1_000) throw new UsageError(`invalid --interval '${text}' (examples: 30s, 5m, 1h)`);
  return ms;
}

export function syncExitCode(err: unknown): number {
  if (err instanceof ServerProtocolError) return EX_PROTOCOL;
  if (err instanceof UnsupportedError) return EX.UNAVAILABLE;
  return exitCodeFor(err);
}
