/**
 * IDLE (RFC 9051 §6.3.13, RFC 2177): after `+ idling`, notifications for the selected mailbox are
 * pushed as they arrive (the shared index calls onChange) until the client sends DONE. A periodic
 * untagged OK finds dead peers (the write fails) without ending live IDLEs.
 */

import { encodeContinuation } from '../../protocol/imap/encoder.js';
import type { ImapSession } from './session.js';

/** Interval of `* OK Still here` during IDLE (Dovecot uses 2 minutes too). */
const KEEPALIVE_MS = 2 * 60_000;

export class IdleMode {
  private tag: string | null = null;
  private flushing: Promise<void> | null = null;
  private keepalive: NodeJS.Timeout | null = null;

  constructor(private readonly session: ImapSession) {}

  get active(): boolean {
    return this.tag !== null;
  }

  start(tag: string): void {
    const session = this.session;
    this.tag = tag;
    session.writer.push(encodeContinuation('idling'));
    session.receiver.startIdle();
    this.schedule();
    this.keepalive = setInterval(() => {
      session.send({ status: 'OK', text: 'Still here' });
      session.writer.flush();
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** A change was queued for the selected mailbox: push it out now if idling. */
  readonly onChange = (): void => {
    if (this.active) this.schedule();
  };

  /** DONE arrived (or the session closes): returns the IDLE command's tag once pushing has stopped. */
  async end(): Promise<string | null> {
    const tag = this.tag;
    this.tag = null;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    if (this.flushing) await this.flushing;
    return tag;
  }

  private schedule(): void {
    const session = this.session;
    // NOTIFY SELECTED pushes the selected mailbox's changes itself, idling or not (notify.ts).
    if (session.notify.pushesSelected) {
      session.notify.schedule();
      return;
    }
    if (this.flushing) return;
    this.flushing = (async () => {
      // Let a burst of changes coalesce into one refresh.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.active && session.selected?.hasPending()) {
        await session.flushNotifications(true);
        await session.writer.drained();
      }
      session.writer.flush();
    })()
      .catch((err) => session.log.warn({ err }, 'IDLE notification failed'))
      .finally(() => {
        this.flushing = null;
        if (this.active && session.selected?.hasPending()) this.schedule();
      });
  }
}
