// Catalog wiring: schema, outbox, inventory, the order-saga subscription, the expiry sweeper, routes and live channels.
import { topicIn, authenticated, defineChannel, EventRegistry, Outbox, serviceLifecycle, type Database, type EventBus, type Logger, type Service } from '@millrace/platform';
import { catalogRoutes } from './api.ts';
import { contract } from './contract.ts';
import { reservationHandler } from './handlers.ts';
import { Inventory } from './inventory.ts';
import { migrateCatalog } from './store.ts';

export { contract } from './contract.ts';
export { Inventory } from './inventory.ts';
export { RESERVATIONS_GROUP } from './handlers.ts';

export interface CatalogOptions {
  readonly db: Database;
  readonly bus: EventBus;
  readonly log?: Logger;
  readonly now?: () => Date;
  /** Default 15 minutes. */
  readonly reservationTtlMs?: number;
  /** How often expired reservations are released; 0 disables the sweeper. Default 1 000 ms. */
  readonly sweepMs?: number;
  /** Keeps topics and consumer groups apart on a shared Kafka (tests, benchmarks). Default none. */
  readonly namespace?: string;
}

/** Channels: `inventory` (every stock movement with levels) and `catalog` (product changes), for any signed-in user. */
export interface CatalogService extends Service {
  readonly inventory: Inventory;
  readonly outbox: Outbox;
}

/**
 * Migrates the catalog schema (the platform schema must exist: createRuntime does it) and wires everything.
 * @example const catalog = await createCatalog({ db: rt.db, bus: rt.bus }); await app.register(catalog.routes); await catalog.start()
 */
export async function createCatalog(options: CatalogOptions): Promise<CatalogService> {
  const now = options.now ?? (() => new Date());
  await migrateCatalog(options.db);
  const outbox = new Outbox(options.db, { source: contract.source, registry: new EventRegistry([contract]), now });
  const inventory = new Inventory({ now, reservationTtlMs: options.reservationTtlMs ?? 15 * 60_000, namespace: options.namespace ?? '' });
  const subscriptions = [reservationHandler(inventory, options.namespace)];
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  return {
    inventory, outbox, subscriptions,
    channels: [
      defineChannel({ topic: topicIn(options.namespace ?? '', 'inventory'), permission: authenticated }),
      defineChannel({ topic: 'catalog', permission: authenticated }),
    ],
    routes: (app) => catalogRoutes(app, { outbox, inventory, now }),
    // the sweeper releases expired reservations
    ...serviceLifecycle(options.bus, subscriptions, {
      start() {
        const sweepMs = options.sweepMs ?? 1_000;
        if (sweepMs <= 0) return;
        timer = setInterval(() => {
          sweeping = outbox.transaction((tx) => inventory.expireDue(tx)).catch((err) => options.log?.warn({ err }, 'reservation sweep failed'));
        }, sweepMs);
        timer.unref();
      },
      async close() {
        if (timer) clearInterval(timer);
        await sweeping;
      },
    }),
  };
}
