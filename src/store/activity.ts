/**
 * What the store keeps about activity and web access, for the setup and admin pages (issue 9): which
 * devices log in over which protocol, storage use over time, delivered and refused mail, web sessions
 * and API tokens. Part of the Store interface (store.ts); every backend implements it and runs the
 * contract suite's activity and web-access tests.
 */

/** One successful mail login (IMAP, POP3) by a device (its address, or the client's own name). */
export interface LoginRecord {
  accountId: number;
  protocol: string;
  device: string;
  at: Date;
}

/** Logins of one account over one protocol from one device, summed. */
export interface DeviceUsage {
  protocol: string;
  device: string;
  firstSeen: Date;
  lastSeen: Date;
  logins: number;
}

/** An account's storage use at the end of one UTC day (the last sample taken that day). */
export interface UsageSample {
  /** YYYY-MM-DD (UTC). */
  day: string;
  bytes: number;
  messages: number;
}

/** A message accepted for a local mailbox, or refused, for one recipient. */
export interface MailEvent {
  at: Date;
  outcome: 'delivered' | 'refused';
  /** The listener or tool that saw it: smtp, submission, lmtp, deliver, ... */
  protocol: string;
  /** Envelope sender ('' for a bounce). */
  sender: string;
  recipient: string;
  /** The local account it was for, when there is one. */
  accountId: number | null;
  size: number | null;
  /** Why it was refused, as told to the client (e.g. "552 5.2.2 Mailbox full"). */
  reason: string | null;
  remoteAddress: string | null;
}

export interface StoredMailEvent extends MailEvent {
  id: number;
}

/** Written together in one transaction: recorders buffer and flush, never a commit per event. */
export interface ActivityBatch {
  logins?: readonly LoginRecord[];
  mailEvents?: readonly MailEvent[];
}

export interface ActivityStore {
  recordActivity(batch: ActivityBatch): Promise<void>;
  /** Devices per protocol that logged in at or after `since`, most recent first. */
  loginHistory(accountId: number, since: Date): Promise<DeviceUsage[]>;
  /** Mail events, newest first: every account's, or one account's. */
  recentMailEvents(options: { limit: number; accountId?: number; since?: Date }): Promise<StoredMailEvent[]>;
  /** Samples every account's current usage as the value of `at`'s UTC day (a later sample replaces it). */
  recordUsageSamples(at: Date): Promise<number>;
  /** Daily samples from `since` on, oldest first. */
  usageHistory(accountId: number, since: Date): Promise<UsageSample[]>;
  /**
   * Drops what is older than the given limits: mail events and logins last seen before `before`,
   * usage samples before `usageBefore`, and expired web sessions. Returns rows removed.
   */
  pruneActivity(limits: { before: Date; usageBefore: Date; now: Date }): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Web sessions and API tokens. Only a hash of each secret is stored: a copy of the database lets
// nobody in.

export type WebSessionPurpose = 'session' | 'device-link';

export interface WebSession {
  tokenHash: string;
  accountId: number;
  /** `session`: a login on the web pages; `device-link`: a short-lived link (QR code) to one account's downloads. */
  purpose: WebSessionPurpose;
  /** The anti-CSRF token of this session's forms. */
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface ApiToken {
  id: number;
  accountId: number;
  name: string;
  createdAt: Date;
}

export interface WebAccessStore {
  createWebSession(session: WebSession): Promise<void>;
  /** The session with this token hash if it has not expired at `now`, else null. */
  getWebSession(tokenHash: string, now: Date): Promise<WebSession | null>;
  deleteWebSession(tokenHash: string): Promise<void>;
  /** Ends every session of the account (e.g. after a password change) except `keep`. Returns the count. */
  deleteWebSessions(accountId: number, options?: { keep?: string }): Promise<number>;
  /** EXISTS if the hash is taken (never by chance: tokens are random). NOT_FOUND for an unknown account. */
  createApiToken(accountId: number, name: string, tokenHash: string): Promise<ApiToken>;
  findApiToken(tokenHash: string): Promise<ApiToken | null>;
  /** One account's tokens, or everyone's; oldest first. */
  listApiTokens(accountId?: number): Promise<ApiToken[]>;
  /** NOT_FOUND if there is no such token. */
  deleteApiToken(id: number): Promise<void>;
}
