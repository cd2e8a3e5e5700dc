/**
 * The bus across nodes on one PostgreSQL: a change is delivered to this process's listeners at once
 * and sent to the other nodes with NOTIFY on one channel; every process LISTENs on one dedicated
 * connection and ignores its own notifications (already delivered). Sessions pull the changes from the
 * store, so a lost notification (a dropped connection) only delays an update until the next command.
 */
import { randomUUID } from 'node:crypto';

import type { ErrorLog } from '../lib/rate-limited-log.js';
import { RateLimitedErrors } from '../lib/rate-limited-log.js';
import type { ChangeBus, ChangeListener, MailboxChange } from './bus.js';
import { LocalBus } from './local.js';
import { ReconnectingListener } from './postgres-listener.js';

export const CHANGE_CHANNEL = 'postyard_changes';

/** Compact on the wire: NOTIFY payloads are limited (8000 bytes) and every node parses each one. */
interface Wire {
  /** Sending node. */
  n: string;
  a: number;
  m: number;
  s: number;
  st?: 1;
}

export class PostgresBus implements ChangeBus {
  private readonly local: LocalBus;
  private readonly node = randomUUID();
  private readonly errors: RateLimitedErrors;
  private readonly listener: ReconnectingListener;

  private constructor(url: string, log?: ErrorLog) {
    this.local = new LocalBus(log);
    this.errors = new RateLimitedErrors(log);
    this.listener = new ReconnectingListener(
      url,
      [CHANGE_CHANNEL],
      (_channel, payload) => this.receive(payload),
      log,
    );
  }

  /** Resolves once this node is listening, so nothing published after it is missed. */
  static async open(url: string, log?: ErrorLog): Promise<PostgresBus> {
    const bus = new PostgresBus(url, log);
    await bus.listener.start();
    return bus;
  }

  publish(change: MailboxChange): void {
    this.local.publish(change);
    const wire: Wire = { n: this.node, a: change.accountId, m: change.mailboxId, s: change.modseq };
    if (change.structural) wire.st = 1;
    this.listener.notify(CHANGE_CHANNEL, JSON.stringify(wire)).catch((err: unknown) => {
      this.errors.report('sending a change to the other nodes failed', err, { ...change });
    });
  }

  subscribeMailbox(mailboxId: number, listener: ChangeListener): () => void {
    return this.local.subscribeMailbox(mailboxId, listener);
  }

  subscribeAccount(accountId: number, listener: ChangeListener): () => void {
    return this.local.subscribeAccount(accountId, listener);
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.local.close();
  }

  private receive(payload: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch {
      return;
    }
    if (wire.n === this.node || typeof wire.m !== 'number') return;
    const change: MailboxChange = { accountId: wire.a, mailboxId: wire.m, modseq: wire.s };
    if (wire.st) change.structural = true;
    this.local.publish(change);
  }
}
