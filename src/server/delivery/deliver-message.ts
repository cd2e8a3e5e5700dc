/**
 * One delivery: resolve recipients, ingest once (one shared blob), store.deliver once for all of them.
 * Never throws for mail-level problems: every recipient gets an outcome that the protocol maps to its
 * reply (smtp-replies.ts, the `deliver` CLI's sysexits).
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../../config/types.js';
import { type MailError, NotFoundError, TempError, toMailError } from '../../lib/errors.js';
import type { Account, AppendResult, BlobRef, IngestMeta, Store } from '../../store/store.js';
import { ingestMessage } from './ingest.js';
import { buildReceivedHeader, type ReceivedInfo } from './received-header.js';
import { resolveRecipient } from './recipients.js';

/** What delivery needs; a ServerContext has it, and so does the CLI without any listener. */
export interface DeliveryContext {
  store: Store;
  config: Pick<Config, 'hostname' | 'localDomains' | 'limits'>;
  log?: Logger;
}

export interface DeliveryRequest {
  /** Envelope sender (MAIL FROM), '' for the null sender; becomes Return-Path (RFC 5321 4.4). Omitted = none. */
  from?: string;
  recipients: string[];
  input: Buffer | Readable;
  /** Target mailbox; INBOX when omitted or when the named mailbox does not exist (like Dovecot's LDA). */
  mailbox?: string;
  /** Trace data for the Received: header; omitted = no Received header. */
  received?: Omit<ReceivedInfo, 'hostname' | 'recipient'>;
  /** Adds `Delivered-To: <recipient>` (an LDA's final-delivery header, one recipient only). */
  deliveredTo?: boolean;
  /** More trace fields (Authentication-Results, Received-SPF), each ending in CRLF. */
  traceFields?: string;
  log?: Logger;
}

export type RecipientOutcome =
  | { recipient: string; ok: true; account: Account; result: AppendResult }
  | { recipient: string; ok: false; error: MailError };

export async function deliverMessage(
  ctx: DeliveryContext,
  req: DeliveryRequest,
): Promise<RecipientOutcome[]> {
  const log = req.log ?? ctx.log;
  const accounts = await Promise.all(
    req.recipients.map((r) =>
      resolveRecipient(ctx.store, ctx.config, r).catch((err: unknown) => toMailError(err)),
    ),
  );
  const failed = (recipient: string, error: MailError): RecipientOutcome => ({ recipient, ok: false, error });
  const unknown = (r: string) => failed(r, new NotFoundError(`Unknown recipient ${r}`, { public: true }));
  const found = accounts.filter((a): a is Account => a !== null && !(a instanceof Error));
  if (found.length === 0) {
    drain(req.input);
    return req.recipients.map((r, i) =>
      accounts[i] === null ? unknown(r) : failed(r, accounts[i] as MailError),
    );
  }

  let message: Awaited<ReturnType<typeof ingestMessage>>;
  try {
    message = await ingestMessage(ctx.store, req.input, {
      maxSize: ctx.config.limits.maxMessageSize,
      prepend: traceHeaders(ctx, req),
    });
  } catch (err) {
    const error = toMailError(err);
    logFailure(log, 'ingest failed', error);
    return req.recipients.map((r, i) => (accounts[i] === null ? unknown(r) : failed(r, error)));
  }

  return storeForAccounts(ctx, message, req.recipients, accounts, req.mailbox, log, req.from);
}

/**
 * The store half of a delivery, for a message already ingested: one store.deliver for every distinct
 * account among `accounts` (resolved per recipient: null = unknown user, an error = lookup failed).
 */
export async function storeForAccounts(
  ctx: DeliveryContext,
  message: { blob: BlobRef; meta: IngestMeta },
  recipients: string[],
  accounts: Array<Account | MailError | null>,
  mailbox: string | undefined,
  log: Logger | undefined,
  from?: string,
): Promise<RecipientOutcome[]> {
  const failed = (recipient: string, error: MailError): RecipientOutcome => ({ recipient, ok: false, error });
  const unknown = (r: string) => failed(r, new NotFoundError(`Unknown recipient ${r}`, { public: true }));
  const found = accounts.filter((a): a is Account => a !== null && !(a instanceof Error));
  // One store recipient per distinct account: user+a and user+b share the delivery (no duplicates).
  const distinct = [...new Map(found.map((a) => [a.id, a])).values()];
  const mailboxes = await Promise.all(distinct.map((a) => targetMailbox(ctx.store, a, mailbox)));
  let stored: Map<number, Awaited<ReturnType<Store['deliver']>>[number]>;
  try {
    const outcomes = await ctx.store.deliver({
      blob: message.blob,
      meta: message.meta,
      internalDate: new Date(),
      recipients: distinct.map((a, i) => ({ accountId: a.id, mailbox: mailboxes[i] })),
    });
    stored = new Map(
      distinct.map((a, i) => [a.id, outcomes[i] ?? { ok: false, error: new TempError('no outcome') }]),
    );
  } catch (err) {
    const error = toMailError(err);
    logFailure(log, 'store.deliver failed', error);
    return recipients.map((r, i) => (accounts[i] === null ? unknown(r) : failed(r, error)));
  }

  const results = recipients.map((recipient, i): RecipientOutcome => {
    const account = accounts[i];
    if (account === null || account === undefined) return unknown(recipient);
    if (account instanceof Error) return failed(recipient, account);
    const outcome = stored.get(account.id)!;
    if (outcome.ok) return { recipient, ok: true, account, result: outcome.result };
    const error = toMailError(outcome.error);
    if (error.code !== 'OVER_QUOTA' && error.code !== 'NOT_FOUND')
      logFailure(log, 'store refused a recipient', error);
    // The account vanished between RCPT and commit: it is an unknown user now.
    if (error.code === 'NOT_FOUND') return unknown(recipient);
    return failed(recipient, error);
  });
  log?.info(
    {
      from,
      size: message.blob.size,
      blob: message.blob.id,
      delivered: results.filter((r) => r.ok).map((r) => r.recipient),
      failed: results.flatMap((r) => (r.ok ? [] : [`${r.recipient}: ${r.error.code}`])),
    },
    'delivery',
  );
  return results;
}

/** Return-Path (final delivery, RFC 5321 4.4) and Received (trace) fields, each ending in CRLF. */
function traceHeaders(ctx: DeliveryContext, req: DeliveryRequest): string {
  let headers = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = (address: string) => address.replace(/[\x00-\x1f\x7f<>]/g, '');
  if (req.from !== undefined) headers += `Return-Path: <${clean(req.from)}>\r\n`;
  if (req.deliveredTo && req.recipients.length === 1)
    headers += `Delivered-To: <${clean(req.recipients[0]!)}>\r\n`;
  if (req.traceFields) headers += req.traceFields;
  if (req.received) {
    const recipient = req.recipients.length === 1 ? req.recipients[0] : undefined;
    headers += buildReceivedHeader({ ...req.received, hostname: ctx.config.hostname, recipient });
  }
  return headers;
}

async function targetMailbox(store: Store, account: Account, name: string | undefined): Promise<string> {
  if (!name || name.toUpperCase() === 'INBOX') return 'INBOX';
  return (await store.getMailbox(account.id, name)) ? name : 'INBOX';
}

function drain(input: Buffer | Readable): void {
  if (!Buffer.isBuffer(input)) input.resume();
}

function logFailure(log: Logger | undefined, msg: string, error: MailError): void {
  if (error.code === 'TOO_BIG' || error.code === 'BAD_INPUT')
    log?.info({ code: error.code, err: error.message }, msg);
  else log?.error({ code: error.code, err: error }, msg);
}
