// Notifications' tables (schema `notifications`): inbox, deliveries, preferences, webhooks. Nobody else touches them.
import { migrate, sql, type Database, type Tx } from '@millrace/platform';
import { init } from './migrations/0001_init.ts';

export type Executor = Database['kysely'] | Tx['db'];

export async function migrateNotifications(db: Database): Promise<void> {
  await migrate(db, 'notifications', { '0001_init': init });
}

export interface NotificationRow {
  id: string; customer_id: string; order_id: string; source_event_id: string; template: string; title: string; body: string;
  read_at: Date | null; created_at: Date;
}

export interface DeliveryRow {
  id: string; notification_id: string; customer_id: string; channel: 'in-app' | 'email' | 'webhook'; target: string;
  status: 'pending' | 'delivered' | 'failed'; attempts: number; next_attempt_at: Date; lease_until: Date | null;
  last_error: string | null; delivered_at: Date | null; created_at: Date;
}

export const notificationView = (n: NotificationRow) => ({
  id: n.id, orderId: n.order_id, template: n.template, title: n.title, body: n.body, read: n.read_at !== null, createdAt: n.created_at.toISOString(),
});

export const deliveryView = (d: DeliveryRow) => ({
  id: d.id, notificationId: d.notification_id, customerId: d.customer_id, channel: d.channel, target: d.channel === 'email' ? d.target : d.target,
  status: d.status, attempts: d.attempts, lastError: d.last_error, deliveredAt: d.delivered_at?.toISOString() ?? null,
});

export const store = {
  /** Inserts unless this event already produced a notification; true when inserted. */
  async insertNotification(ex: Executor, row: Omit<NotificationRow, 'read_at'>): Promise<boolean> {
    const r = await ex.insertInto('notifications.notifications').values(row).onConflict((oc) => oc.column('source_event_id').doNothing()).returning('id').executeTakeFirst();
    return r !== undefined;
  },
  insertDeliveries: (ex: Executor, rows: ReadonlyArray<Omit<DeliveryRow, 'lease_until' | 'last_error'>>) =>
    rows.length === 0 ? Promise.resolve() : ex.insertInto('notifications.deliveries').values([...rows]).execute().then(() => undefined),
  email: async (ex: Executor, customerId: string) =>
    ((await ex.selectFrom('notifications.preferences').select('email').where('customer_id', '=', customerId).executeTakeFirst()) as { email: string | null } | undefined)?.email ?? null,
  setEmail: (ex: Executor, customerId: string, email: string | null, now: Date) =>
    ex.insertInto('notifications.preferences').values({ customer_id: customerId, email, updated_at: now })
      .onConflict((oc) => oc.column('customer_id').doUpdateSet({ email, updated_at: now })).execute(),
  activeWebhooks: (ex: Executor) =>
    ex.selectFrom('notifications.webhooks').select(['id', 'url', 'secret', 'events']).where('active', '=', true).execute() as Promise<Array<{ id: string; url: string; secret: string; events: string[] }>>,
  webhook: (ex: Executor, id: string) =>
    ex.selectFrom('notifications.webhooks').selectAll().where('id', '=', id).executeTakeFirst() as Promise<{ id: string; url: string; secret: string; events: string[]; active: boolean } | undefined>,
  /** Claims due deliveries with a lease; a dead worker's claims are taken over once their lease ends. */
  async claimDue(ex: Executor, now: Date, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
    const { rows } = await sql<DeliveryRow>`
      update notifications.deliveries d set lease_until = ${new Date(now.getTime() + leaseMs)}, attempts = d.attempts + 1
      where d.id in (select id from notifications.deliveries where status = 'pending' and next_attempt_at <= ${now}
        and (lease_until is null or lease_until < ${now}) order by next_attempt_at limit ${limit} for update skip locked)
      returning d.*`.execute(ex);
    return rows;
  },
  notification: (ex: Executor, id: string) => ex.selectFrom('notifications.notifications').selectAll().where('id', '=', id).executeTakeFirst() as Promise<NotificationRow | undefined>,
};
