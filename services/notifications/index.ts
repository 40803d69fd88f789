// Notifications wiring: schema, outbox, channels (in-app always; e-mail when SMTP is configured; webhooks), worker, routes.
import { topicIn, defineChannel, EventRegistry, isOwner, Outbox, serviceLifecycle, type Database, type EventBus, type Logger, type Service } from '@millrace/platform';
import { notificationRoutes } from './api.ts';
import { emailSender, webhookSender, type Sender, type SmtpOptions } from './channels.ts';
import { contract } from './contract.ts';
import { orderEventsHandler } from './handlers.ts';
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

/** Channel: `notifications`, each customer follows their own messages (family or `notifications:<customerId>`). */
export interface NotificationsService extends Service {
  readonly notifications: Notifications;
  readonly outbox: Outbox;
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
  return {
    notifications, outbox, subscriptions,
    channels: [defineChannel({ topic: topicIn(options.namespace ?? '', 'notifications'), permission: isOwner('customerId'), load: async (key) => ({ customerId: key }) })],
    routes: (app) => notificationRoutes(app, { db: options.db.kysely, now }),
    // the delivery worker
    ...serviceLifecycle(options.bus, subscriptions, {
      start: () => notifications.start(),
      async close() {
        await notifications.stop();
        smtp?.close();
      },
    }),
  };
}
