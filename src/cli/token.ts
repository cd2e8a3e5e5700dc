/**
 * `postyard token create|list|revoke`: API tokens for the JSON API (/api/...). A token acts as its
 * account; /api/admin/... needs an admin account (`user add --admin`). Only a hash is stored, so a
 * token is shown once, when it is created.
 */
import { hashSecret, newApiToken } from '../http/web-auth.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, EX, UsageError } from './exit.js';
import { normalizeLogin } from './login.js';
import { resolvePaths } from './paths.js';
import { requireAccount, withRuntime } from './runtime.js';
import { formatTable } from './table.js';

export const tokenCreate: Command = {
  name: 'token create',
  summary: 'create an API token for an account (shown once)',
  usage: 'token create EMAIL [--name NAME]',
  help: `Prints a new token for the JSON API. Send it as "Authorization: Bearer TOKEN". It can read what
the account can see on the pages; an admin account's token also reads /api/admin/...
Only its hash is stored: copy it now, it cannot be shown again.

  --name NAME          what the token is for (default: api)
${DATA_HELP}

Example:
  postyard token create admin@example.com --name monitoring
  curl -H "Authorization: Bearer pyt_..." http://127.0.0.1:8080/api/admin/accounts`,
  async run(args) {
    const options = { ...DATA_OPTIONS, name: { type: 'string' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    const name = (values.name ?? 'api').trim();
    if (!name || name.length > 100) throw new UsageError('--name must be 1 to 100 characters');
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const account = await requireAccount(store, login);
      const token = newApiToken();
      const created = await store.createApiToken(account.id, name, hashSecret(token));
      console.log(token);
      console.error(
        `token ${created.id} "${name}" for ${account.login}${account.admin ? ' (admin)' : ''}; it is not shown again`,
      );
      return EX.OK;
    });
  },
};

export const tokenList: Command = {
  name: 'token list',
  summary: 'list API tokens (never the tokens themselves)',
  usage: 'token list [EMAIL]',
  help: `One line per token: id, account, name, creation date.
${DATA_HELP}

Example:
  postyard token list`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, [], 1);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const account = positionals[0]
        ? await requireAccount(store, normalizeLogin(positionals[0]))
        : undefined;
      const tokens = await store.listApiTokens(account?.id);
      if (tokens.length === 0) {
        console.log('no API tokens');
        return EX.OK;
      }
      const logins = new Map((await store.listAccounts()).map((a) => [a.id, a.login]));
      const rows = tokens.map((t) => [
        String(t.id),
        logins.get(t.accountId) ?? '?',
        t.name,
        t.createdAt.toISOString().slice(0, 10),
      ]);
      console.log(formatTable(['ID', 'ACCOUNT', 'NAME', 'CREATED'], rows));
      return EX.OK;
    });
  },
};

export const tokenRevoke: Command = {
  name: 'token revoke',
  summary: 'revoke an API token by its id',
  usage: 'token revoke ID',
  help: `Deletes the token (see \`token list\` for ids); requests with it are refused from now on.
${DATA_HELP}

Example:
  postyard token revoke 3`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['ID']);
    const id = Number(positionals[0]);
    if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`'${positionals[0]}' is not a token id`);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      await store.deleteApiToken(id).catch((err: { code?: string }) => {
        throw err.code === 'NOT_FOUND' ? new CliError(`no API token ${id}`, EX.DATAERR) : err;
      });
      console.log(`revoked API token ${id}`);
      return EX.OK;
    });
  },
};
