/** `postyard sync status [NAME]`: every account's last run, what it holds, what waits for the server. */
import { describePolicy } from '../sync/account.js';
import type { AccountRecord, SyncState } from '../sync/state/state.js';
import { formatTable } from './table.js';

export function statusTable(state: SyncState): string {
  const rows = state.listAccounts().map((a) => {
    const c = a.config;
    const held = c.protocol === 'pop3' ? state.pop3.storedCount(c.name) : state.imap.messageCount(c.name);
    return [
      c.name,
      c.protocol.toUpperCase(),
      `${c.user}@${c.host}:${c.port}`,
      String(held),
      String(c.protocol === 'imap' ? state.imap.pending(c.name).length : 0),
      a.lastRunAt === null ? 'never' : new Date(a.lastRunAt).toISOString().replace(/\.\d+Z$/, 'Z'),
      a.lastResult ?? '',
    ];
  });
  return formatTable(['NAME', 'PROTO', 'SERVER', 'MESSAGES', 'PENDING', 'LAST RUN', 'RESULT'], rows);
}

export function statusDetails(state: SyncState, record: AccountRecord): string {
  const c = record.config;
  const lines = [
    `account:   ${c.name} (${c.protocol.toUpperCase()})`,
    `server:    ${c.host}:${c.port} as ${c.user}, ${c.security}${c.insecure ? ' (certificate not verified)' : ''}`,
    `maildir:   ${c.maildir}`,
    `password:  ${c.password.kind === 'env' ? `environment variable ${c.password.variable}` : 'stored in the state directory (0600)'}`,
  ];
  if (c.protocol === 'pop3') {
    lines.push(`policy:    ${describePolicy(c.policy)}`);
    const expire = record.server?.expire;
    lines.push(
      `EXPIRE:    ${expire === undefined ? 'not known yet' : expire === null ? 'not announced by the server' : `${expire} (server's CAPA)`}`,
    );
    lines.push(`stored:    ${state.pop3.storedCount(c.name)} messages by UIDL`);
  } else {
    lines.push(`folders:   ${c.folders.join(', ')}`);
    for (const f of state.imap.folders(c.name)) {
      const count = state.imap.messages(c.name, f.name).size;
      lines.push(
        `  ${f.name}: ${count} messages, UIDVALIDITY ${f.uidValidity}, HIGHESTMODSEQ ${f.highestModseq ?? '-'}`,
      );
    }
    const pending = state.imap.pending(c.name);
    lines.push(`pending:   ${pending.length} local changes not on the server yet`);
    for (const p of pending) lines.push(`  ${p.kind} ${p.folder}: ${p.detail}`);
  }
  if (record.server?.capabilities.length)
    lines.push(`server capabilities: ${record.server.capabilities.join(' ')}`);
  lines.push(
    `last run:  ${record.lastRunAt === null ? 'never' : new Date(record.lastRunAt).toISOString()} ${record.lastResult ?? ''}`.trimEnd(),
  );
  return lines.join('\n');
}
