/**
 * Per-user concurrent connection limit (limits.maxConnectionsPerUser), counted per protocol across all
 * listeners of that protocol (IMAP and IMAPS share one count). Sessions acquire a slot right after a
 * successful login and release it when the connection closes.
 */

import type { Config } from '../../config/types.js';
import { limitsOf } from '../../lib/limits.js';

export type ReleaseSlot = () => void;

export class UserConnections {
  private readonly counts = new Map<string, number>();

  /** `config.limits` is read on every acquire, so a SIGHUP reload applies to the next login. */
  constructor(private readonly config: Pick<Config, 'limits'>) {}

  /**
   * Takes a slot for `accountId` on `protocol` ('imap', 'pop3', ...). Returns the release function
   * (idempotent), or null when the user already has maxConnectionsPerUser connections.
   */
  acquire(protocol: string, accountId: number): ReleaseSlot | null {
    const key = `${protocol}:${accountId}`;
    const current = this.counts.get(key) ?? 0;
    if (current >= limitsOf(this.config).maxConnectionsPerUser) return null;
    this.counts.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    };
  }

  count(protocol: string, accountId: number): number {
    return this.counts.get(`${protocol}:${accountId}`) ?? 0;
  }
}
