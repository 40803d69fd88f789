// The commerce services (catalog, orders, payments, notifications) on one HTTP app and one event bus: the embedded
// composition used by the commerce tests and `npm run bench -- commerce` (apps/server mounts the same pieces).
import {
  createEventBus, createHttpApp, createLogDriver, EventRegistry, migratePlatform, openDatabase, platformContract, silentLogger,
  type Channel, type Database, type EventBus, type Logger,
} from '@millrace/platform';
import { as, testAuthenticator } from '@millrace/platform/testing';
import type { FastifyInstance } from 'fastify';
import { contract as catalogContract, createCatalog, type CatalogService } from '@millrace/catalog';
import { contract as ordersContract, createOrders, type OrdersService } from '@millrace/orders';
import { contract as notificationsContract, createNotifications, type NotificationsService, type NotificationsServiceOptions } from '@millrace/notifications';
import { contract as paymentsContract, createPayments, simulatedProvider, type PaymentProvider, type PaymentsService } from '@millrace/payments';

export { as, testAuthenticator };

export { simulatedProvider, sqlProviderRecords, type SimulatedProvider } from '@millrace/payments';

/** Every contract whose events flow between the commerce services: the registry of their event bus. */
export const COMMERCE_CONTRACTS = [platformContract, catalogContract, ordersContract, paymentsContract, notificationsContract] as const;

export function commerceRegistry(): EventRegistry {
  return new EventRegistry([...COMMERCE_CONTRACTS]);
}



export interface CommerceOptions {
  readonly db: Database;
  readonly bus: EventBus;
  readonly log?: Logger;
  readonly provider?: PaymentProvider;
  readonly reservationTtlMs?: number;
  readonly sweepMs?: number;
  /** Wire the synchronous variant: calls go to this base URL (set once the app listens) with a service credential. */
  readonly syncBaseUrl?: () => string;
  readonly defaultFlow?: 'events' | 'sync';
  /** Last changes to the app before it is ready (hooks, extra routes). */
  readonly configure?: (app: FastifyInstance) => void;
  /** Topics and consumer groups apart from other runs on a shared Kafka. */
  readonly namespace?: string;
  /** Notifications options (senders, retry timing); false leaves the service out. */
  readonly notifications?: false | Partial<Pick<NotificationsServiceOptions, 'email' | 'webhook' | 'smtp' | 'maxAttempts' | 'retryBaseMs' | 'pollMs'>>;
  readonly payments?: { readonly maxAttempts?: number; readonly backoffMs?: number; readonly leaseMs?: number; readonly concurrency?: number; readonly pollMs?: number };
}

export interface Commerce {
  readonly app: FastifyInstance;
  readonly catalog: CatalogService;
  readonly orders: OrdersService;
  readonly payments: PaymentsService;
  readonly notifications: NotificationsService | undefined;
  readonly channels: readonly Channel[];
  /** Subscribes every service's groups and starts the workers. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the services on `db` + `bus` and mounts their routes on one app (test authenticator). */
export async function createCommerce(o: CommerceOptions): Promise<Commerce> {
  const log = o.log ?? silentLogger();
  const ns = o.namespace ? { namespace: o.namespace } : {};
  const catalog = await createCatalog({
    db: o.db, bus: o.bus, log, ...ns,
    ...(o.reservationTtlMs !== undefined ? { reservationTtlMs: o.reservationTtlMs } : {}),
    ...(o.sweepMs !== undefined ? { sweepMs: o.sweepMs } : {}),
  });
  const payments = await createPayments({ db: o.db, bus: o.bus, log, ...ns, ...(o.provider ? { provider: o.provider } : {}), ...o.payments });
  const orders = await createOrders({
    db: o.db, bus: o.bus, log, ...ns,
    ...(o.defaultFlow ? { defaultFlow: o.defaultFlow } : {}),
    ...(o.syncBaseUrl
      ? {
        sync: { catalogUrl: o.syncBaseUrl, paymentsUrl: o.syncBaseUrl, headers: as('orders-service', 'service') },
      }
      : {}),
  });
  const notifications = o.notifications === false ? undefined : await createNotifications({ db: o.db, bus: o.bus, log, ...ns, ...o.notifications });
  const app = await createHttpApp({ log, authenticators: [testAuthenticator], openapi: false });
  await app.register(catalog.routes);
  await app.register(orders.routes);
  await app.register(payments.routes);
  if (notifications) await app.register(notifications.routes);
  o.configure?.(app);
  await app.ready();
  return {
    app, catalog, orders, payments, notifications,
    channels: [...catalog.channels, ...orders.channels, ...payments.channels, ...(notifications?.channels ?? [])],
    async start() {
      await o.bus.start();
      await catalog.start();
      await payments.start();
      await orders.start();
      await notifications?.start();
    },
    async close() {
      await app.close();
      await orders.close();
      await notifications?.close();
      await payments.close();
      await catalog.close();
    },
  };
}

/** Kafka on a fresh PostgreSQL database: the distributed mode's infrastructure, all services in this process. */
export async function kafkaInfra(options: { url: string; brokers: readonly string[]; clientId: string; log?: Logger; partitions?: number; replicationFactor?: number }) {
  const db = await openDatabase({ url: options.url, poolSize: 16 });
  await migratePlatform(db);
  const bus = await createEventBus({
    db, registry: commerceRegistry(), log: options.log ?? silentLogger(), kafkaBrokers: options.brokers, clientId: options.clientId,
    ...(options.partitions ? { partitions: options.partitions } : {}), ...(options.replicationFactor ? { replicationFactor: options.replicationFactor } : {}),
  });
  return {
    db, bus,
    async close() {
      await bus.close();
      await db.close();
    },
  };
}

/** The embedded mode: PGlite in memory (or at `dir`) and the log driver. */
export async function embeddedInfra(options: { dir?: string; log?: Logger } = {}): Promise<{ db: Database; bus: EventBus; close(): Promise<void> }> {
  const db = await openDatabase({ ...(options.dir ? { pgliteDir: options.dir } : {}) });
  await migratePlatform(db);
  const bus = createLogDriver({ db, registry: commerceRegistry(), log: options.log ?? silentLogger(), pollMs: 200 });
  return {
    db, bus,
    async close() {
      await bus.close();
      await db.close();
    },
  };
}
