import type { ChangeBus, ChangeListener, MailboxChange } from './bus.js';

/** In-process bus: one node, one event loop. Listeners run synchronously but must not throw. */
export class LocalBus implements ChangeBus {
  private readonly byMailbox = new Map<number, Set<ChangeListener>>();
  private readonly byAccount = new Map<number, Set<ChangeListener>>();

  publish(change: MailboxChange): void {
    for (const l of this.byMailbox.get(change.mailboxId) ?? []) safeCall(l, change);
    for (const l of this.byAccount.get(change.accountId) ?? []) safeCall(l, change);
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

function safeCall(listener: ChangeListener, change: MailboxChange): void {
  try {
    listener(change);
  } catch {
    // A broken listener must not stop delivery of the notification to the others.
  }
}
