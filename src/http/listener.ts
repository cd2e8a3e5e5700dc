/**
 * The `http` and `https` listeners: the normal listener code (listener.ts in server/net: per-IP limits,
 * implicit TLS with the certificate SIGHUP reloads) hands each connection to the one Fastify app.
 */
import type { Socket } from 'node:net';
import { listenerEnabled } from '../config/config.js';
import type { ServerContext } from '../server/context.js';
import type { ProtocolHandler } from '../server/net/connection.js';
import { type RunningListener, startListener } from '../server/net/listener.js';
import { createHttpApp } from './app.js';

export interface HttpListeners {
  listeners: RunningListener[];
  handler: ProtocolHandler;
  ports: Record<string, number>;
}

/** Starts the enabled web listeners. `ports` holds the mail listeners' bound ports (what apps are told). */
export async function startHttpListeners(
  ctx: ServerContext,
  ports: Record<string, number>,
): Promise<HttpListeners> {
  const livePorts = { ...ports };
  const app = await createHttpApp({ ctx, ports: livePorts, now: () => new Date() });
  const sockets = new Set<Socket>();
  const handler: ProtocolHandler = {
    handle(socket) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      // The http server takes any connected stream, TLS included (req.socket.encrypted → https).
      app.server.emit('connection', socket);
    },
    async shutdown() {
      app.server.closeIdleConnections();
      // Busy connections close after their response (onRequest sets Connection: close while stopping).
      await Promise.all([...sockets].map((s) => new Promise((resolve) => s.once('close', resolve))));
    },
  };
  const listeners: RunningListener[] = [];
  const bound: Record<string, number> = {};
  try {
    for (const name of ['http', 'https'] as const) {
      const settings = ctx.config.listeners[name];
      if (!listenerEnabled(settings)) continue;
      const listener = await startListener(ctx, {
        name,
        host: settings.host,
        port: settings.port,
        implicitTls: name === 'https',
        protocol: handler,
      });
      listeners.push(listener);
      bound[name] = listener.port;
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  // The pages link to https when it runs, so they need its port too.
  Object.assign(livePorts, bound);
  return { listeners, handler, ports: bound };
}
