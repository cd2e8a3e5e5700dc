import { type ErrorLog, RateLimitedErrors } from '../lib/rate-limited-log.js';
import type { ChangeBus, ChangeListener, MailboxChange } from './bus.js';

/**
 * In-process bus: one node, one event loop. Listeners run synchronously and must not throw; one that
 * does is logged (rate-limited) and the others still get the notification.
 */
export class LocalBus implements ChangeBus {
  private readonly byMailbox = new Map<number, Set<ChangeListener>>();
  private readonly byAccount = new Map<number, Set<ChangeListener>>();
  private readonly errors: RateLimitedErrors;

  constructor(log?: ErrorLog) {
    this.errors = new RateLimitedErrors(log);
  }

  publish(change: MailboxChange): void {
    for (const l of this.byMailbox.get(change.mailboxId) ?? []) this.call(l, change);
    for (const l of this.byAccount.get(change.accountId) ?? []) this.call(l, change);
  }

  /**
   * Tells every mailbox listener to pull whatever changed (after notifications may have been lost): a
   * modseq above any real one makes each refresh from the store, which settles on the real value.
   */
  resyncMailboxes(): void {
    for (const [mailboxId, listeners] of this.byMailbox) {
      // The account is not known per mailbox subscription; mailbox listeners do not use it.
      const change: MailboxChange = { accountId: 0, mailboxId, modseq: Number.MAX_SAFE_INTEGER };
      for (const l of listeners) this.call(l, change);
    }
  }

  subscribeMailbox(mailboxId: number, listener: ChangeListener): () => void {
    return subscribe(this.byMailbox, mailboxId, listener);
  }

  subscribeAccount(accountId: number, listener: ChangeListener): () => void {
    return subscribe(this.byAccount, accountId, listener);
  }

  async close(): Promise<void> {
    this.byMailbox.clear();
    this.byAccount.clear();
  }

  /** A broken listener must not stop delivery of the notification to the others. */
  private call(listener: ChangeListener, change: MailboxChange): void {
    try {
      listener(change);
    } catch (err) {
      this.errors.report('change notification listener failed', err, { ...change });
    }
  }
}

function subscribe(map: Map<number, Set<ChangeListener>>, key: number, listener: ChangeListener): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) map.delete(key);
  };
}
