/**
 * What every listener and session receives from the composition root (src/cli).
 * Sessions use the store only through the Store interface.
 */

import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { ChangeBus } from '../bus/bus.js';
import type { Coordinator } from '../bus/coordinator.js';
import type { Config } from '../config/types.js';
import type { QueuedMessage, Store } from '../store/store.js';
import type { ActivityRecorder } from './activity/recorder.js';
import type { AuthService } from './auth/auth.js';
import type { MemoryReclaimer } from './net/memory-reclaimer.js';
import type { UserConnections } from './net/user-connections.js';

export interface TlsProvider {
  /** Current secure context; replaced on SIGHUP reload without dropping connections. */
  context(): SecureContext;
}

export interface ServerContext {
  config: Config;
  store: Store;
  bus: ChangeBus;
  /** Locks, slots, counters and roles shared by every process on the store (src/server/cluster/README.md). */
  coordinator: Coordinator;
  auth: AuthService;
  tls: TlsProvider;
  log: Logger;
  /** True while the server is shutting down (SIGTERM): listeners stop accepting, sessions say goodbye. */
  shuttingDown(): boolean;
  /**
   * Per-user connection slots (limits.maxConnectionsPerUser). Set by startServer; optional so unit
   * tests can build a context without it. After login: `const release = ctx.userConnections?.acquire(
   * 'imap', account.id)`; null means refuse the login; call release() when the connection closes.
   */
  userConnections?: UserConnections;
  /** Device logins and mail events for the setup/admin pages (buffered). Optional like userConnections. */
  activity?: ActivityRecorder;
  /** The outgoing queue runner, told about each message submission queues (absent in unit tests). */
  outgoing?: { queued(message: QueuedMessage): void; wake(): void; now(): number };
  /** DKIM signing for submission: header fields for `domain`, '' when it has no key. */
  dkim?: { sign(message: Buffer, domain: string): Promise<string> };
  /** Told of every mail connection opening and closing; returns freed native memory after many close. */
  memoryReclaimer?: MemoryReclaimer;
}
