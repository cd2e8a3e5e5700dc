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
