// What a service hands to the server that mounts it: routes, consumer subscriptions, realtime channels, start and close.
import type { FastifyInstance } from 'fastify';
import type { EventBus, Subscription, SubscriptionHandle } from './events/event-bus.ts';
import type { Channel } from './realtime/channels.ts';

/** A mounted service: the server registers `routes`, adds `channels` to the realtime gateway, then calls `start`. */
export interface Service {
  /** Fastify plugin with the service's routes: `await app.register(service.routes)`. */
  routes(app: FastifyInstance): Promise<void>;
  /** Its consumers, with stable group names. */
  readonly subscriptions: readonly Subscription[];
  /** What browsers may follow live. */
  readonly channels: readonly Channel[];
  /** Subscribes and starts background work (workers, sweepers). */
  start(): Promise<void>;
  /** Stops background work, then the subscriptions (finishing what is in flight). */
  close(): Promise<void>;
}

/**
 * `start` and `close` for a service: subscribes every subscription, runs `hooks.start` after; on close runs
 * `hooks.close` first (stop producing work), then closes the subscriptions.
 * @example return { ...serviceLifecycle(bus, subscriptions, { start: () => worker.start(), close: () => worker.stop() }), routes, subscriptions, channels }
 */
export function serviceLifecycle(
  bus: EventBus,
  subscriptions: readonly Subscription[],
  hooks: { start?(): void | Promise<void>; close?(): void | Promise<void> } = {},
): Pick<Service, 'start' | 'close'> {
  const handles: SubscriptionHandle[] = [];
  return {
    async start() {
      for (const s of subscriptions) handles.push(await bus.subscribe(s));
      await hooks.start?.();
    },
    async close() {
      await hooks.close?.();
      await Promise.all(handles.splice(0).map((h) => h.close()));
    },
  };
}
