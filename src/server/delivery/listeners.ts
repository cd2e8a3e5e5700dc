/**
 * Starts the delivery listeners configured in ctx.config.listeners (port 0 = any free port;
 * `enabled: false` skips one). Bound ports are reported under 'smtp', 'submission', 'submissions' and
 * 'lmtp'. `submissions` is submission over implicit TLS (RFC 8314).
 */
import type { ServerContext } from '../context.js';
import { listenError } from '../net/listen-error.js';
import type { DeliveryListener } from './delivery-server.js';
import { createLmtpListener } from './lmtp.js';
import { createSmtpListener } from './smtp.js';
import { createSubmissionListener } from './submission.js';

export interface DeliveryListeners {
  ports: Record<string, number>;
  /** Graceful: in-flight DATA is answered first. */
  close(): Promise<void>;
}

export async function startDeliveryListeners(ctx: ServerContext): Promise<DeliveryListeners> {
  const started: DeliveryListener[] = [];
  const ports: Record<string, number> = {};
  const listeners = ctx.config.listeners;
  const plan = [
    { name: 'smtp', config: listeners.smtp, create: createSmtpListener },
    { name: 'submission', config: listeners.submission, create: createSubmissionListener },
    {
      name: 'submissions',
      config: listeners.submissions,
      create: (c: ServerContext) => createSubmissionListener(c, { implicitTls: true }),
    },
    { name: 'lmtp', config: listeners.lmtp, create: createLmtpListener },
  ];
  try {
    for (const { name, config, create } of plan) {
      if (config.enabled === false) continue;
      const listener = create(ctx);
      ports[name] = await listener.listen(config.host, config.port).catch((err: unknown) => {
        throw listenError(name, config.host, config.port, err);
      });
      started.push(listener);
      ctx.log.info({ protocol: name, host: config.host, port: ports[name] }, 'listening');
    }
  } catch (err) {
    await Promise.allSettled(started.map((l) => l.close()));
    throw err;
  }
  return {
    ports,
    async close() {
      await Promise.allSettled(started.map((l) => l.close()));
    },
  };
}
