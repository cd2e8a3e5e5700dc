/**
 * Sending delivery status notifications back to a queued message's sender: who asked for which
 * (RFC 3461 4.1 NOTIFY; absent = FAILURE and DELAY, as Postfix does), never to the null sender (RFC 5321
 * 6.1: no bounce of a bounce), and the DSN itself delivered like any mail: straight into the store for a
 * local sender (the usual case: submission only takes a user's own addresses), else queued with the
 * null sender.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/types.js';
import type { QueuedMessage, QueueRecipient, Store } from '../../store/store.js';
import { deliverMessage } from '../delivery/deliver-message.js';
import { lookupRecipient } from '../delivery/recipients.js';
import { buildDsn, type DsnRecipient, statusFromReply } from './dsn.js';

export interface NotifyContext {
  store: Store;
  config: Config;
  log: Logger;
  /** Called after a DSN was queued for a remote sender. */
  queued(message: QueuedMessage): void;
}

export function wantsNotice(recipient: QueueRecipient, kind: 'SUCCESS' | 'FAILURE' | 'DELAY'): boolean {
  if (recipient.notify.length === 0) return kind !== 'SUCCESS';
  return recipient.notify.includes(kind);
}

export interface Notice {
  recipient: QueueRecipient;
  action: DsnRecipient['action'];
  reply: string;
  remoteMta?: string | null;
  willRetryUntil?: Date;
}

/** Sends one DSN for `notices` (all of one message). Never throws: a DSN that fails is logged. */
export async function sendDsn(
  ctx: NotifyContext,
  message: QueuedMessage,
  notices: Notice[],
  now: number,
): Promise<void> {
  if (message.sender === '' || notices.length === 0) return;
  const log = ctx.log.child({ queueId: message.id });
  try {
    const original = await ctx.store.blobs.read(message.blob.id);
    const dsn = buildDsn({
      reportingMta: ctx.config.hostname,
      to: message.sender,
      envid: message.envid,
      arrivalDate: new Date(message.createdAt),
      ret: message.ret,
      original,
      date: new Date(now),
      queueId: String(message.id),
      recipients: notices.map((n) => ({
        address: n.recipient.address,
        orcpt: n.recipient.orcpt,
        action: n.action,
        status: n.action === 'delivered' || n.action === 'relayed' ? '2.0.0' : statusOf(n),
        diagnostic: n.reply,
        ...(n.remoteMta ? { remoteMta: n.remoteMta } : {}),
        lastAttempt: new Date(now),
        ...(n.willRetryUntil ? { willRetryUntil: n.willRetryUntil } : {}),
      })),
    });
    const found = await lookupRecipient(ctx.store, ctx.config, message.sender);
    if (found.kind === 'local') {
      const [outcome] = await deliverMessage(
        { store: ctx.store, config: ctx.config, log },
        { from: '', recipients: [message.sender], input: dsn },
      );
      if (!outcome?.ok) throw outcome?.error ?? new Error('DSN not delivered');
    } else {
      const blob = await ctx.store.blobs.put(dsn);
      const queued = await ctx.store.enqueue({
        blob,
        sender: '',
        recipients: [{ address: message.sender }],
        now,
      });
      ctx.queued(queued);
    }
    log.info(
      { to: message.sender, actions: notices.map((n) => `${n.recipient.address}: ${n.action}`) },
      'DSN sent',
    );
  } catch (err) {
    log.error({ err, to: message.sender }, 'could not send the DSN');
  }
}

function statusOf(notice: Notice): string {
  const fallback = notice.action === 'failed' ? 5 : 4;
  if (/delivery time expired/.test(notice.reply)) return '4.4.7';
  return statusFromReply(notice.reply, fallback);
}
