/**
 * One delivery attempt of one queued message to the waiting recipients of one domain: route, send,
 * then per recipient delivered / failed / deferred (with the next retry time, or failed once the
 * message is past its expiry), the DSNs the sender asked for, and the outcome recorded in the store.
 * DSNs go out before the attempt is recorded: a crash in between repeats a DSN, never loses one.
 */
import type { Readable } from 'node:stream';
import type { AttemptOutcome, QueuedMessage, QueueRecipient } from '../../store/store.js';
import { type Notice, type NotifyContext, sendDsn, wantsNotice } from './notify.js';
import { delayWarningDue, expiresAt, isExpired, nextAttemptAt } from './retry.js';
import type { RouteResolver } from './routes.js';
import type { SessionPool } from './session-pool.js';
import { type GroupResult, type RecipientResult, sendGroup } from './transport.js';

/** Messages up to this size are read whole; larger ones stream from the blob. */
const READ_WHOLE_LIMIT = 1024 * 1024;

export interface AttemptContext extends NotifyContext {
  routes: RouteResolver;
  pool: SessionPool;
  now(): number;
}

export interface AttemptReport {
  messageId: number;
  domain: string;
  outcomes: AttemptOutcome[];
  remoteMta: string | null;
  secure: boolean;
}

export async function attemptDelivery(
  ctx: AttemptContext,
  message: QueuedMessage,
  domain: string,
  recipients: QueueRecipient[],
): Promise<AttemptReport> {
  const to = recipients.map((r) => r.address);
  let group: GroupResult;
  const route = await ctx.routes.resolve(domain);
  if (route.kind !== 'hosts') {
    const kind = route.kind === 'fail' ? 'failed' : 'deferred';
    const status = route.kind === 'fail' ? '5.1.2' : '4.4.3';
    const result: RecipientResult = { kind, reply: `${status} ${route.reply}` };
    group = {
      results: new Map(to.map((r) => [r, result])),
      remoteMta: null,
      remoteDsn: false,
      secure: false,
    };
  } else {
    const first = recipients[0]!;
    const dsnWanted = message.ret || message.envid || first.notify.length > 0 || first.orcpt;
    group = await sendGroup(ctx.config, ctx.pool, route, {
      envelope: {
        from: message.sender,
        to,
        size: message.blob.size,
        ...(dsnWanted
          ? {
              dsn: {
                ret: message.ret,
                envid: message.envid,
                notify: first.notify.length > 0 ? first.notify : null,
                orcpt: first.orcpt,
              },
            }
          : {}),
      },
      body: () => readBody(ctx, message),
    });
  }

  const now = ctx.now();
  const policy = ctx.config.outgoing.retry;
  const outcomes: AttemptOutcome[] = [];
  const notices: Notice[] = [];
  const deferred: QueueRecipient[] = [];
  for (const rcpt of recipients) {
    const result = group.results.get(rcpt.address) ?? { kind: 'deferred', reply: 'no reply' };
    if (result.kind === 'delivered') {
      outcomes.push({ address: rcpt.address, outcome: 'delivered', reply: result.reply });
      // RFC 3461 5.2.2: a server without DSN cannot report success, so we say "relayed".
      if (rcpt.notify.includes('SUCCESS') && !group.remoteDsn)
        notices.push({ recipient: rcpt, action: 'relayed', reply: result.reply, remoteMta: group.remoteMta });
    } else if (result.kind === 'failed' || isExpired(policy, message.createdAt, now)) {
      const reply = result.kind === 'failed' ? result.reply : `${result.reply} (delivery time expired)`;
      outcomes.push({ address: rcpt.address, outcome: 'failed', reply });
      if (wantsNotice(rcpt, 'FAILURE'))
        notices.push({ recipient: rcpt, action: 'failed', reply, remoteMta: group.remoteMta });
    } else {
      const nextAttempt = nextAttemptAt(policy, message.createdAt, rcpt.attempts + 1, now);
      outcomes.push({ address: rcpt.address, outcome: 'deferred', reply: result.reply, nextAttempt });
      deferred.push(rcpt);
    }
  }
  await sendDsn(ctx, message, notices, now);
  if (deferred.length > 0 && delayWarningDue(policy, message, now)) {
    const until = new Date(expiresAt(policy, message.createdAt));
    const delayed = deferred
      .filter((r) => wantsNotice(r, 'DELAY'))
      .map(
        (r): Notice => ({
          recipient: r,
          action: 'delayed',
          reply: group.results.get(r.address)?.reply ?? '',
          remoteMta: group.remoteMta,
          willRetryUntil: until,
        }),
      );
    await sendDsn(ctx, message, delayed, now);
    await ctx.store.markWarned(message.id, now);
  }
  await ctx.store.recordAttempt(message.id, outcomes, now);
  return { messageId: message.id, domain, outcomes, remoteMta: group.remoteMta, secure: group.secure };
}

async function readBody(ctx: AttemptContext, message: QueuedMessage): Promise<Buffer | Readable> {
  if (message.blob.size <= READ_WHOLE_LIMIT) return ctx.store.blobs.read(message.blob.id);
  return ctx.store.blobs.stream(message.blob.id);
}
