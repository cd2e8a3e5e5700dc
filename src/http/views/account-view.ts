/**
 * Everything the setup page shows about one account, as plain data: the page renders it and
 * GET /api/account returns it as JSON, so both always agree.
 */

import type { PopDeletePolicy } from '../../lib/pop-delete-policy.js';
import type { DeviceUsage, UsageSample } from '../../store/activity.js';
import { type MailServer, mailServers } from '../clients/mail-settings.js';
import { CHART_DAYS, type HttpServices, POP_LEAVE_DAYS, RECENT_DAYS } from '../services.js';
import type { WebUser } from '../web-auth.js';

const DAY_MS = 86_400_000;

export interface ProtocolUse {
  protocol: string;
  /** Distinct devices (client addresses) in the last RECENT_DAYS days. */
  devices: number;
  logins: number;
  lastSeen: string | null;
}

export interface AccountView {
  email: string;
  admin: boolean;
  createdAt: string;
  usage: { bytes: number; messages: number; quotaBytes: number | null; quotaMessages: number | null };
  /** INBOX mail older than this many days (since it arrived) is removed; null = kept. */
  retentionDays: number | null;
  pop3: {
    /** What a POP3 app's delete does on the server: expunge = gone for every device; hide = only for POP3. */
    deletePolicy: PopDeletePolicy;
    /** Whether a POP3 download marks the message read for the IMAP devices too. */
    marksSeen: boolean;
    leaveDays: number;
  };
  servers: MailServer[];
  recentDays: number;
  protocols: ProtocolUse[];
  devices: Array<{ protocol: string; device: string; firstSeen: string; lastSeen: string; logins: number }>;
  liveSessions: Array<{ protocol: string; remoteAddress: string; secure: boolean; since: string }>;
  usageHistory: UsageSample[];
}

export async function accountView(services: HttpServices, user: WebUser): Promise<AccountView> {
  const { ctx } = services;
  const { account } = user;
  const now = services.now();
  await ctx.activity?.flush();
  const [usage, history, samples] = await Promise.all([
    ctx.store.getQuotaUsage(account.id),
    ctx.store.loginHistory(account.id, new Date(now.getTime() - RECENT_DAYS * DAY_MS)),
    ctx.store.usageHistory(account.id, new Date(now.getTime() - CHART_DAYS * DAY_MS)),
  ]);
  const today = now.toISOString().slice(0, 10);
  // The chart ends with the usage right now, not the last maintenance sample.
  const usageHistory = [
    ...samples.filter((s) => s.day !== today),
    { day: today, bytes: usage.bytes, messages: usage.messages },
  ];
  const live = ctx.userConnections?.sessions().filter((s) => s.accountId === account.id) ?? [];
  return {
    email: account.login,
    admin: account.admin,
    createdAt: account.createdAt.toISOString(),
    usage: {
      bytes: usage.bytes,
      messages: usage.messages,
      quotaBytes: usage.limitBytes,
      quotaMessages: usage.limitMessages,
    },
    retentionDays: account.retentionDays,
    pop3: {
      deletePolicy: account.popDeletePolicy ?? ctx.config.pop3.deletePolicy,
      marksSeen: ctx.config.pop3.markSeenOnRetr,
      leaveDays: popLeaveDays(account.retentionDays),
    },
    servers: mailServers(ctx.config, services.ports),
    recentDays: RECENT_DAYS,
    protocols: protocolUse(history),
    devices: history.map((d) => ({
      protocol: d.protocol,
      device: d.device,
      firstSeen: d.firstSeen.toISOString(),
      lastSeen: d.lastSeen.toISOString(),
      logins: d.logins,
    })),
    liveSessions: live.map((s) => ({
      protocol: s.protocol,
      remoteAddress: s.remoteAddress,
      secure: s.secure,
      since: s.since.toISOString(),
    })),
    usageHistory,
  };
}

/** Leave a copy for POP3_LEAVE_DAYS, but never longer than the server keeps the mail anyway. */
export function popLeaveDays(retentionDays: number | null): number {
  return retentionDays === null ? POP_LEAVE_DAYS : Math.max(1, Math.min(POP_LEAVE_DAYS, retentionDays));
}

function protocolUse(history: readonly DeviceUsage[]): ProtocolUse[] {
  return ['imap', 'pop3'].map((protocol) => {
    const rows = history.filter((d) => d.protocol === protocol);
    const last = rows.reduce<Date | null>((max, d) => (!max || d.lastSeen > max ? d.lastSeen : max), null);
    return {
      protocol,
      devices: new Set(rows.map((d) => d.device)).size,
      logins: rows.reduce((sum, d) => sum + d.logins, 0),
      lastSeen: last ? last.toISOString() : null,
    };
  });
}
