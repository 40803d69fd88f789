// Notifications wiring: schema, outbox, channels (in-app always; e-mail when SMTP is configured; webhooks), worker, routes.
import { defineChannel, EventRegistry, isOwner, Outbox, type Channel, type Database, type EventBus, type Logger, type Subscription, type SubscriptionHandle } from '@millrace/platform';
import type { FastifyInstance } from 'fastify';
import { notificationRoutes } from './api.ts';
import { emailSender, webhookSender, type Sender, type SmtpOptions } from './channels.ts';
import { contract } from './contract.ts';
import { orderEventsHandler } from './handlers.ts';
import { topicIn } from './namespace.ts';
import { Notifications } from './notifications.ts';
import { migrateNotifications } from './store.ts';

export { contract } from './contract.ts';
export { signPayload, verifySignature, SIGNATURE_HEADER, DELIVERY_HEADER, type Sender, type SmtpOptions } from './channels.ts';
export { ORDER_EVENTS_GROUP } from './handlers.ts';
export { loadNotificationsConfig } from './config.ts';
export { TEMPLATES, render, messageFor } from './domain.ts';

export interface NotificationsServiceOptions {
  readonly db: Database;
  readonly bus: EventBus;
  readonly log?: Logger;
  readonly now?: () => Date;
  /** SMTP for e-mail (e.g. from `NOTIFICATIONS_SMTP_URL` / `NOTIFICATIONS_SMTP_FROM`); without it e-mail is off. */
  readonly smtp?: SmtpOptions;
  /** Replace the e-mail or webhook sender (tests). */
  readonly email?: Sender;
  readonly webhook?: Sender;
  readonly maxAttempts?: number;
  readonly retryBaseMs?: number;
  readonly pollMs?: number;
  readonly namespace?: string;
}

export interface NotificationsService {
  readonly notifications: Notifications;
  readonly outbox: Outbox;
  routes(app: FastifyInstance): Promise<void>;
  readonly subscriptions: readonly Subscription[];
  /** `notifications`: each customer follows their own messages (family or `notifications:<customerId>`). */
  readonly channels: readonly Channel[];
  start(): Promise<void>;
  close(): Promise<void>;
}

/** @example const n = await createNotifications({ db: rt.db, bus: rt.bus, smtp: { url, from } }) */
export async function createNotifications(options: NotificationsServiceOptions): Promise<NotificationsService> {
  const now = options.now ?? (() => new Date());
  await migrateNotifications(options.db);
  const outbox = new Outbox(options.db, { source: contract.source, registry: new EventRegistry([contract]), now });
  const smtp = options.smtp ? emailSender(options.smtp) : undefined;
  const notifications = new Notifications({
    outbox, now, log: options.log, email: options.email ?? smtp, webhook: options.webhook ?? webhookSender({ now }), namespace: options.namespace,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
  const subscriptions = [orderEventsHandler(notifications, options.namespace)];
  const handles: SubscriptionHandle[] = [];
  return {
    notifications, outbox, subscriptions,
    channels: [defineChannel({ topic: topicIn(options.namespace ?? '', 'notifications'), permission: isOwner('customerId'), load: async (key) => ({ customerId: key }) })],
    routes: (app) => notificationRoutes(app, { db: options.db.kysely, now }),
    async start() {
      for (const s of subscriptions) handles.push(await options.bus.subscribe(s));
      notifications.start();
    },
    async close() {
      await notifications.stop();
      await Promise.all(handles.splice(0).map((h) => h.close()));
      smtp?.close();
    },
  };
}
