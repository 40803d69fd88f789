// Payments wiring: schema, outbox, the provider (simulated by default), the charging worker, the saga subscription, routes, channels.
import { topicIn, defineChannel, EventRegistry, hasRole, Outbox, serviceLifecycle, type Database, type EventBus, type Logger, type Service } from '@millrace/platform';
import { paymentRoutes } from './api.ts';
import { contract } from './contract.ts';
import { orderPaymentsHandler } from './handlers.ts';
import { Payments, type PaymentsOptions } from './payments.ts';
import type { PaymentProvider } from './provider.ts';
import { simulatedProvider } from './simulated-provider.ts';
import { migratePayments } from './store.ts';

export { contract } from './contract.ts';
export { Payments, keys as providerKeys } from './payments.ts';
export type { PaymentProvider, AuthorizeRequest, AuthorizeResult, CaptureRequest, RefundRequest } from './provider.ts';
export { providerUnavailable } from './provider.ts';
export { simulatedProvider, sqlProviderRecords, memoryProviderRecords, type SimulatedProvider, type SimulatedProviderOptions } from './simulated-provider.ts';
export { ORDER_PAYMENTS_GROUP } from './handlers.ts';
export { loadPaymentsConfig } from './config.ts';

export interface PaymentsServiceOptions extends Partial<Pick<PaymentsOptions, 'maxAttempts' | 'backoffMs' | 'leaseMs' | 'concurrency' | 'pollMs'>> {
  readonly db: Database;
  readonly bus: EventBus;
  readonly log?: Logger;
  readonly now?: () => Date;
  /** Default: `simulatedProvider()` in memory. */
  readonly provider?: PaymentProvider;
  /** Run the charging worker in this process. Default true. */
  readonly worker?: boolean;
  /** Keeps topics and consumer groups apart on a shared Kafka (tests, benchmarks). Default none. */
  readonly namespace?: string;
}

/** Channel: `payments`, staff only. */
export interface PaymentsService extends Service {
  readonly payments: Payments;
  readonly provider: PaymentProvider;
  readonly outbox: Outbox;
}

/**
 * @example const payments = await createPayments({ db: rt.db, bus: rt.bus, provider: simulatedProvider({ declineRate: 0.05 }) })
 */
export async function createPayments(options: PaymentsServiceOptions): Promise<PaymentsService> {
  const now = options.now ?? (() => new Date());
  await migratePayments(options.db);
  const outbox = new Outbox(options.db, { source: contract.source, registry: new EventRegistry([contract]), now });
  const provider = options.provider ?? simulatedProvider();
  const payments = new Payments({
    outbox, provider, now, log: options.log, namespace: options.namespace,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
  const subscriptions = [orderPaymentsHandler(payments, options.namespace)];
  return {
    payments, provider, outbox, subscriptions,
    channels: [defineChannel({ topic: topicIn(options.namespace ?? '', 'payments'), permission: hasRole('admin', 'operator') })],
    routes: (app) => paymentRoutes(app, { payments, db: options.db.kysely }),
    // the charging worker
    ...serviceLifecycle(options.bus, subscriptions, {
      start: () => void ((options.worker ?? true) && payments.start()),
      close: () => payments.stop(),
    }),
  };
}
