/** What the web part gets from the composition root: the server context and the bound mail ports. */
import type { ServerContext } from '../server/context.js';

export interface HttpServices {
  ctx: ServerContext;
  /** Bound port of every running listener (RunningServer.ports): what clients are told to use. */
  ports: Record<string, number>;
  /** Time source (tests may move it). */
  now(): Date;
}

/** How long a login on the pages lasts, and a QR-code device link. */
export const SESSION_TTL_MS = 8 * 3_600_000;
export const DEVICE_LINK_TTL_MS = 15 * 60_000;
/** What the pages look back on: devices used lately, storage chart, mail events. */
export const RECENT_DAYS = 30;
export const CHART_DAYS = 90;
/** Leave-a-copy days recommended to a POP3 device (the 14–30). */
export const POP_LEAVE_DAYS = 14;
export const MIN_PASSWORD_LENGTH = 10;
