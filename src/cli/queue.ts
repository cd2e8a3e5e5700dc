/**
 * `postyard queue list|show|retry|delete`: the outgoing queue, like Postfix's postqueue -p / postcat -q /
 * postqueue -f / postsuper -d. The running server picks up a retry within a minute (its queue poll).
 */

import { formatSize } from '../lib/values.js';
import type { QueuedMessage } from '../store/store.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, EX, UsageError } from './exit.js';
import { resolvePaths } from './paths.js';
import { withRuntime } from './runtime.js';
import { formatTable } from './table.js';

export const queueList: Command = {
  name: 'queue list',
  summary: 'list the outgoing queue: messages waiting, their recipients and last errors',
  usage: 'queue list',
  help: `One row per queued message: id, age, size, sender, the recipients still waiting, the next attempt
and the last reply. A summary line follows.
${DATA_HELP}

Example:
  postyard queue list`,
  async run(args) {
    const { values } = parseCommandArgs(this, args, DATA_OPTIONS);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const messages = await store.listQueue();
      const now = Date.now();
      if (messages.length === 0) {
        console.log('queue: empty');
        return EX.OK;
      }
      const rows = messages.map((m) => {
        const waiting = m.recipients.filter((r) => r.state === 'queued');
        const next = Math.min(...waiting.map((r) => r.nextAttempt));
        const last = waiting.find((r) => r.lastReply)?.lastReply ?? '';
        return [
          String(m.id),
          age(now - m.createdAt),
          formatSize(m.blob.size),
          m.sender === '' ? '<>' : m.sender,
          waiting.map((r) => r.address).join(', '),
          next <= now ? 'now' : `in ${age(next - now)}`,
          oneLine(last, 60),
        ];
      });
      console.log(
        formatTable(['ID', 'AGE', 'SIZE', 'SENDER', 'WAITING FOR', 'NEXT TRY', 'LAST REPLY'], rows),
      );
      const summary = await store.queueSummary();
      console.log(
        `\n${summary.messages} message(s), ${summary.recipients} recipient(s) waiting, ${formatSize(summary.bytes)}`,
      );
      return EX.OK;
    });
  },
};

export const queueShow: Command = {
  name: 'queue show',
  summary: 'show one queued message: envelope, every recipient, and its header',
  usage: 'queue show ID [--body]',
  help: `Prints the envelope (sender, DSN parameters, arrival), each recipient with its state, attempts, next
attempt and last reply, then the message header (the whole message with --body).

  --body               print the whole message, not only its header
${DATA_HELP}

Example:
  postyard queue show 42`,
  async run(args) {
    const options = { ...DATA_OPTIONS, body: { type: 'boolean' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['ID']);
    const id = parseId(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const message = await store.getQueued(id);
      if (!message) throw new CliError(`no queued message ${id}`, EX.NOINPUT);
      console.log(describe(message).join('\n'));
      const raw = await store.blobs.read(message.blob.id);
      const end = raw.indexOf('\r\n\r\n');
      console.log('');
      process.stdout.write(values.body || end === -1 ? raw : raw.subarray(0, end + 2));
      return EX.OK;
    });
  },
};

export const queueRetry: Command = {
  name: 'queue retry',
  summary: 'make queued messages due now (one by ID, or all)',
  usage: 'queue retry [ID]',
  help: `Sets the next attempt of every waiting recipient (of message ID, or of all messages) to now. The running
server tries them within a minute.
${DATA_HELP}

Examples:
  postyard queue retry
  postyard queue retry 42`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, [], 1);
    const id = positionals[0] === undefined ? null : parseId(positionals[0]);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const count = await store.rescheduleQueue(id, Date.now()).catch((err: { code?: string }) => {
        if (err.code === 'NOT_FOUND') throw new CliError(`no queued message ${id}`, EX.NOINPUT);
        throw err;
      });
      console.log(`${count} recipient(s) due now`);
      return EX.OK;
    });
  },
};

export const queueDelete: Command = {
  name: 'queue delete',
  summary: 'remove a message from the outgoing queue (no bounce is sent)',
  usage: 'queue delete ID',
  help: `Removes the message and all its waiting recipients; the sender is not told.
${DATA_HELP}

Example:
  postyard queue delete 42`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['ID']);
    const id = parseId(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      await store.deleteQueued(id).catch((err: { code?: string }) => {
        if (err.code === 'NOT_FOUND') throw new CliError(`no queued message ${id}`, EX.NOINPUT);
        throw err;
      });
      console.log(`deleted queued message ${id}`);
      return EX.OK;
    });
  },
};

function describe(m: QueuedMessage): string[] {
  const lines = [
    `id:        ${m.id}`,
    `sender:    ${m.sender === '' ? '<> (a bounce)' : m.sender}`,
    `arrived:   ${new Date(m.createdAt).toISOString()}`,
    `size:      ${m.blob.size} bytes (blob ${m.blob.id})`,
  ];
  if (m.ret || m.envid) lines.push(`dsn:       RET=${m.ret ?? '-'} ENVID=${m.envid ?? '-'}`);
  if (m.warnedAt) lines.push(`warned:    ${new Date(m.warnedAt).toISOString()} (delay warning sent)`);
  lines.push(
    '',
    formatTable(
      ['RECIPIENT', 'STATE', 'ATTEMPTS', 'NEXT TRY', 'LAST REPLY'],
      m.recipients.map((r) => [
        r.address,
        r.state,
        String(r.attempts),
        r.state === 'queued' ? new Date(r.nextAttempt).toISOString() : '-',
        oneLine(r.lastReply ?? '', 80),
      ]),
    ),
  );
  return lines;
}

function parseId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`queue id must be a number, got '${text}'`);
  return Number(text);
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
