/**
 * Per-user concurrent connection limit (limits.maxConnectionsPerUser), counted per protocol across all
 * listeners of that protocol (IMAP and IMAPS share one count). Sessions acquire a slot right after a
 * successful login and release it when the connection closes. Slots taken with the session's details
 * are also the live sessions the admin pages list, and each is reported to `onLogin` (login history).
 * The count is the coordinator's (src/bus/coordinator.ts), so it holds across workers and nodes; the
 * list of live sessions is this process's own.
 */

import type { Coordinator } from '../../bus/coordinator.js';
import { LocalCoordinator } from '../../bus/local-coordinator.js';
import type { Config } from '../../config/types.js';
import { limitsOf } from '../../lib/limits.js';

export type ReleaseSlot = () => void;

/** Who logged in, from where: given by sessions when they take their slot. */
export interface SessionDetails {
  login: string;
  remoteAddress: string;
  /** TLS at login time (implicit TLS or after STARTTLS/STLS). */
  secure: boolean;
}

export interface LiveSession extends SessionDetails {
  protocol: string;
  accountId: number;
  since: Date;
}

export class UserConnections {
  private readonly counts = new Map<string, number>();
  private readonly live = new Set<LiveSession>();
  /** Told of every login that got a slot with details (the activity recorder's login history). */
  onLogin: ((session: LiveSession) => void) | null = null;

  /** `config.limits` is read on every acquire, so a SIGHUP reload applies to the next login. */
  constructor(
    private readonly config: Pick<Config, 'limits'>,
    private readonly coordinator: Pick<Coordinator, 'acquireSlot'> = new LocalCoordinator(),
  ) {}

  /**
   * Takes a slot for `accountId` on `protocol` ('imap', 'pop3', ...). Resolves to the release function
   * (idempotent), or null when the user already has maxConnectionsPerUser connections.
   */
  async acquire(protocol: string, accountId: number, details?: SessionDetails): Promise<ReleaseSlot | null> {
    const key = `${protocol}:${accountId}`;
    const slot = await this.coordinator.acquireSlot(
      `connections:${key}`,
      limitsOf(this.config).maxConnectionsPerUser,
    );
    if (!slot) return null;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const session = details ? { ...details, protocol, accountId, since: new Date() } : null;
    if (session) {
      this.live.add(session);
      this.onLogin?.(session);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slot();
      if (session) this.live.delete(session);
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    };
  }

  /** Connections of this process. */
  count(protocol: string, accountId: number): number {
    return this.counts.get(`${protocol}:${accountId}`) ?? 0;
  }

  /** Logged-in sessions of this process now, oldest first. */
  sessions(): LiveSession[] {
    return [...this.live];
  }
}
