/**
 * The ChangeBus of a cluster worker: its own sessions hear a change at once (a LocalBus), and the
 * change goes to the primary, which passes it to every other worker (one IPC hop). Changes the
 * primary relays, from other workers or from writers outside the cluster, are published locally.
 */
import type { ErrorLog } from '../lib/rate-limited-log.js';
import type { ChangeBus, ChangeListener, MailboxChange } from './bus.js';
import type { WorkerChannel } from './cluster-messages.js';
import { LocalBus } from './local.js';

export class ClusterBus implements ChangeBus {
  private readonly local: LocalBus;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly channel: WorkerChannel,
    log?: ErrorLog,
  ) {
    this.local = new LocalBus(log);
    this.unsubscribe = channel.onMessage((message) => {
      if (message.kind === 'change') this.local.publish(message.change);
    });
  }

  publish(change: MailboxChange): void {
    this.local.publish(change);
    this.channel.send({ postyard: 1, kind: 'change', change });
  }

  subscribeMailbox(mailboxId: number, listener: ChangeListener): () => void {
    return this.local.subscribeMailbox(mailboxId, listener);
  }

  subscribeAccount(accountId: number, listener: ChangeListener): () => void {
    return this.local.subscribeAccount(accountId, listener);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.local.close();
  }
}
