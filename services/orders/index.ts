// Orders wiring: schema, outbox, the saga subscription, the optional synchronous variant, routes and live channels.
import { topicIn, defineChannel, EventRegistry, hasRole, isOwner, or, Outbox, serviceLifecycle, type Database, type EventBus, type Logger, type Service } from '@millrace/platform';
import { orderRoutes } from './api.ts';
import { contract } from './contract.ts';
import { sagaHandler } from './handlers.ts';
import { Orders } from './orders.ts';
import { orders as store } from './store.ts';
import { migrateOrders } from './store.ts';
import { SyncFlow, type SyncFlowOptions } from './sync-flow.ts';

export { contract } from './contract.ts';
export { Orders, type PlaceResult } from './orders.ts';
export { SAGA_GROUP } from './handlers.ts';
export { NEXT, SAGA_DONE, CANCELLABLE, react } from './domain.ts';
export type { OrderView } from './store.ts';

export interface OrdersServiceOptions {
  readonly db: Database;
  readonly bus: EventBus;
  readonly log?: Logger;
  readonly now?: () => Date;
  /** The synchronous variant (benchmark): where catalog and payments answer over HTTP. */
  readonly sync?: SyncFlowOptions;
  /** Which flow `POST /api/orders/orders` uses without `?flow=`. Default `events`. */
  readonly defaultFlow?: 'events' | 'sync';
  /** Keeps topics and consumer groups apart on a shared Kafka (tests, benchmarks). Default none. */
  readonly namespace?: string;
}

/** Channel: `orders` (staff: all; a customer: own orders only, family or `orders:<orderId>`). */
export interface OrdersService extends Service {
  readonly orders: Orders;
  readonly outbox: Outbox;
}

/**
 * @example const orders = await createOrders({ db: rt.db, bus: rt.bus }); await app.register(orders.routes); await orders.start()
 */
export async function createOrders(options: OrdersServiceOptions): Promise<OrdersService> {
  const now = options.now ?? (() => new Date());
  await migrateOrders(options.db);
  const outbox = new Outbox(options.db, { source: contract.source, registry: new EventRegistry([contract]), now });
  const orders = new Orders({ outbox, now, namespace: options.namespace ?? '' });
  const syncFlow = options.sync ? new SyncFlow(orders, { ...options.sync, log: options.log }) : undefined;
  const subscriptions = [sagaHandler(orders, options.namespace)];
  return {
    orders, outbox, subscriptions,
    channels: [
      defineChannel({
        topic: topicIn(options.namespace ?? '', 'orders'),
        permission: or(hasRole('admin', 'operator'), isOwner('customerId')),
        load: async (id) => {
          const row = await store.byId(options.db.kysely, id);
          return row ? { customerId: row.customer_id } : undefined;
        },
      }),
    ],
    routes: (app) => orderRoutes(app, { orders, db: options.db.kysely, syncFlow, defaultFlow: options.defaultFlow ?? 'events', now }),
    ...serviceLifecycle(options.bus, subscriptions),
  };
}
