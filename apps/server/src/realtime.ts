// The realtime gateway of the server: the channels of every mounted service, on the same port as the HTTP API.
import { createRealtimeGateway, defineChannel, hasRole, type Authenticator, type Channel, type RealtimeGateway, type Runtime } from '@millrace/platform';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** The realtime gateway serving `/realtime` on this server. */
    realtime: RealtimeGateway;
  }
}

/** Channels of the platform itself: dead letters for operators, the identity audit trail for admins. */
export const platformChannels: readonly Channel[] = [
  defineChannel({ topic: 'millrace', permission: hasRole('admin', 'operator') }),
  defineChannel({ topic: 'identity', permission: hasRole('admin') }),
];

/**
 * Starts the gateway on the runtime's event bus and mounts it on `app`: WebSocket upgrades at `/realtime`,
 * `GET /api/realtime/channels`, closed before the HTTP server on shutdown.
 * @example await mountRealtime(app, rt, { authenticators, channels: [...platformChannels, ...orders.channels] })
 */
export async function mountRealtime(
  app: FastifyInstance,
  rt: Runtime,
  options: { authenticators: readonly Authenticator[]; channels: readonly Channel[]; allowedOrigins?: readonly string[] },
): Promise<RealtimeGateway> {
  const gateway = createRealtimeGateway({
    bus: rt.bus, log: rt.log, metrics: rt.metrics, authenticators: options.authenticators, channels: options.channels,
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  await gateway.start();
  gateway.attach(app.server);
  await app.register(gateway.routes);
  app.decorate('realtime', gateway);
  // before the HTTP server closes: open WebSockets would otherwise hold it open
  app.addHook('preClose', async () => gateway.close());
  return gateway;
}
