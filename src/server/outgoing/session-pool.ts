/**
 * Idle connections kept per destination for a few seconds, so a burst of messages to one domain or
 * smarthost reuses connections instead of paying a connect, TLS handshake and EHLO each (Postfix's
 * connection cache does the same). A reused connection is RSET first; a broken one is dropped.
 */
import { SmtpSession } from './smtp-session.js';

type SessionOptions = Parameters<typeof SmtpSession.open>[1];

/** How long an idle connection is kept, and how many transactions one connection carries at most. */
const IDLE_MS = 5_000;
const MAX_USES = 100;

export class SessionPool {
  private readonly idle = new Map<string, SmtpSession[]>();
  private readonly timers = new Map<SmtpSession, NodeJS.Timeout>();

  /** An idle connection to `key`, or a new one. */
  async acquire(key: string, options: SessionOptions): Promise<SmtpSession> {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const session = list.pop()!;
      this.clearTimer(session);
      if (session.closed) continue;
      try {
        await session.reset();
        return session;
      } catch {
        session.close();
      }
    }
    return SmtpSession.open(key, options);
  }

  /** Gives a healthy connection back for reuse; `broken` ones are closed. */
  release(session: SmtpSession, broken = false): void {
    if (broken || session.closed || session.used >= MAX_USES) {
      session.close();
      return;
    }
    const list = this.idle.get(session.key) ?? [];
    list.push(session);
    this.idle.set(session.key, list);
    const timer = setTimeout(() => {
      this.timers.delete(session);
      const current = this.idle.get(session.key);
      if (current)
        this.idle.set(
          session.key,
          current.filter((s) => s !== session),
        );
      session.close();
    }, IDLE_MS);
    timer.unref();
    this.timers.set(session, timer);
  }

  /** Closes every idle connection. */
  closeAll(): void {
    for (const list of this.idle.values()) for (const session of list) session.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.idle.clear();
    this.timers.clear();
  }

  private clearTimer(session: SmtpSession): void {
    const timer = this.timers.get(session);
    if (timer) clearTimeout(timer);
    this.timers.delete(session);
  }
}
