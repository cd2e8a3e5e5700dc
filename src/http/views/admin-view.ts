/** The admin pages' data, shared with the admin JSON API (/api/admin/...). */
import type { StoredMailEvent } from '../../store/activity.js';
import type { HttpServices } from '../services.js';

export interface AccountRow {
  email: string;
  admin: boolean;
  bytes: number;
  messages: number;
  quotaBytes: number | null;
  quotaMessages: number | null;
  /** bytes / quotaBytes in percent, or null when unlimited. */
  percent: number | null;
  retentionDays: number | null;
  popDeletePolicy: string;
  liveSessions: number;
  createdAt: string;
}

export interface SessionRow {
  protocol: string;
  email: string;
  remoteAddress: string;
  secure: boolean;
  since: string;
}

export interface MailEventRow {
  at: string;
  outcome: 'delivered' | 'refused';
  protocol: string;
  sender: string;
  recipient: string;
  size: number | null;
  reason: string | null;
  remoteAddress: string | null;
}

export async function accountRows(services: HttpServices): Promise<AccountRow[]> {
  const { store, config, userConnections } = services.ctx;
  const live = userConnections?.sessions() ?? [];
  const accounts = await store.listAccounts();
  return Promise.all(
    accounts.map(async (account): Promise<AccountRow> => {
      const usage = await store.getQuotaUsage(account.id);
      return {
        email: account.login,
        admin: account.admin,
        bytes: usage.bytes,
        messages: usage.messages,
        quotaBytes: usage.limitBytes,
        quotaMessages: usage.limitMessages,
        percent: usage.limitBytes ? Math.round((usage.bytes / usage.limitBytes) * 1000) / 10 : null,
        retentionDays: account.retentionDays,
        popDeletePolicy: account.popDeletePolicy ?? config.pop3.deletePolicy,
        liveSessions: live.filter((s) => s.accountId === account.id).length,
        createdAt: account.createdAt.toISOString(),
      };
    }),
  );
}

export function sessionRows(services: HttpServices): SessionRow[] {
  return (services.ctx.userConnections?.sessions() ?? []).map((s) => ({
    protocol: s.protocol,
    email: s.login,
    remoteAddress: s.remoteAddress,
    secure: s.secure,
    since: s.since.toISOString(),
  }));
}

/** Live sessions counted per protocol (every protocol listed, zero included). */
export function sessionCounts(rows: readonly SessionRow[]): Record<string, number> {
  const counts: Record<string, number> = { imap: 0, pop3: 0 };
  for (const row of rows) counts[row.protocol] = (counts[row.protocol] ?? 0) + 1;
  return counts;
}

export async function mailEventRows(services: HttpServices, limit = 200): Promise<MailEventRow[]> {
  await services.ctx.activity?.flush();
  const events = await services.ctx.store.recentMailEvents({ limit });
  return events.map(toRow);
}

function toRow(e: StoredMailEvent): MailEventRow {
  return {
    at: e.at.toISOString(),
    outcome: e.outcome,
    protocol: e.protocol,
    sender: e.sender,
    recipient: e.recipient,
    size: e.size,
    reason: e.reason,
    remoteAddress: e.remoteAddress,
  };
}

export interface Overview {
  accounts: number;
  bytes: number;
  messages: number;
  sessions: Record<string, number>;
  /** Last 24 hours. */
  delivered: number;
  refused: number;
}

export async function overview(services: HttpServices, accounts: readonly AccountRow[]): Promise<Overview> {
  await services.ctx.activity?.flush();
  const since = new Date(services.now().getTime() - 86_400_000);
  const events = await services.ctx.store.recentMailEvents({ limit: 100_000, since });
  return {
    accounts: accounts.length,
    bytes: accounts.reduce((sum, a) => sum + a.bytes, 0),
    messages: accounts.reduce((sum, a) => sum + a.messages, 0),
    sessions: sessionCounts(sessionRows(services)),
    delivered: events.filter((e) => e.outcome === 'delivered').length,
    refused: events.filter((e) => e.outcome === 'refused').length,
  };
}
