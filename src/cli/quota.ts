/** `postyard quota set|show`: per-account storage and message-count limits. */

import { formatSize, parseCount, parseSize } from '../lib/values.js';
import type { AccountSettings } from '../store/store.js';
import { formatPercent } from './args.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { EX } from './exit.js';
import { normalizeLogin } from './login.js';
import { resolvePaths } from './paths.js';
import { requireAccount, withRuntime } from './runtime.js';

export const quotaSet: Command = {
  name: 'quota set',
  summary: "set an account's storage (and message-count) quota",
  usage: 'quota set EMAIL SIZE [--messages N]',
  help: `SIZE is bytes with an optional binary unit (K, M, G, T) or "unlimited".
Existing mail is kept even when it is over the new limit; new mail is then refused.

  --messages N         message-count limit, or "unlimited"
${DATA_HELP}

Examples:
  postyard quota set you@example.com 2G
  postyard quota set you@example.com unlimited --messages 100000`,
  async run(args) {
    const options = { ...DATA_OPTIONS, messages: { type: 'string' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['EMAIL', 'SIZE']);
    const login = normalizeLogin(positionals[0]!);
    const settings: AccountSettings = { quotaBytes: parseSize(positionals[1]!) };
    if (values.messages !== undefined) settings.quotaMessages = parseCount(values.messages);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      await requireAccount(store, login);
      const account = await store.updateAccount(login, settings);
      const messages = account.quotaMessages === null ? 'unlimited' : `${account.quotaMessages} messages`;
      console.log(`quota for ${login}: ${formatSize(account.quotaBytes)}, ${messages}`);
      return EX.OK;
    });
  },
};

export const quotaShow: Command = {
  name: 'quota show',
  summary: "show an account's usage against its quota",
  usage: 'quota show EMAIL',
  help: `Prints storage and message usage, the limits and the percentage used.
${DATA_HELP}

Example:
  postyard quota show you@example.com`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const account = await requireAccount(store, login);
      const usage = await store.getQuotaUsage(account.id);
      console.log(`quota for ${login}`);
      console.log(`  storage:  ${usageLine(usage.bytes, usage.limitBytes, 'bytes', formatSize)}`);
      console.log(`  messages: ${usageLine(usage.messages, usage.limitMessages, 'messages', String)}`);
      return EX.OK;
    });
  },
};

/** `1048576 / 524288000 bytes (0.2%) — 1 MiB of 500 MiB` or `12 / unlimited messages`. */
export function usageLine(
  used: number,
  limit: number | null,
  unit: string,
  human: (n: number) => string,
): string {
  if (limit === null) return `${used} / unlimited ${unit}`;
  const readable = unit === 'bytes' ? ` — ${human(used)} of ${human(limit)}` : '';
  return `${used} / ${limit} ${unit} (${formatPercent(used, limit)})${readable}`;
}
