// notifications schema, first version: the inbox, deliveries per channel, customer preferences and webhook endpoints.
import { sql, type Migration } from '@millrace/platform';

export const init: Migration = {
  async up(db) {
    await sql`
      create table notifications.notifications (
        id text primary key,
        customer_id text not null,
        order_id text not null,
        source_event_id text not null unique,
        template text not null,
        title text not null,
        body text not null,
        read_at timestamptz,
        created_at timestamptz not null
      )`.execute(db);
    await sql`create index notifications_inbox on notifications.notifications (customer_id, created_at desc, id desc)`.execute(db);
    await sql`
      create table notifications.deliveries (
        id text primary key,
        notification_id text not null references notifications.notifications (id),
        customer_id text not null,
        channel text not null check (channel in ('in-app', 'email', 'webhook')),
        target text not null,
        status text not null check (status in ('pending', 'delivered', 'failed')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null,
        lease_until timestamptz,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz not null
      )`.execute(db);
    await sql`create index deliveries_due on notifications.deliveries (next_attempt_at) where status = 'pending'`.execute(db);
    await sql`create index deliveries_notification on notifications.deliveries (notification_id)`.execute(db);
    await sql`
      create table notifications.preferences (
        customer_id text primary key,
        email text,
        updated_at timestamptz not null
      )`.execute(db);
    await sql`
      create table notifications.webhooks (
        id text primary key,
        url text not null,
        secret text not null,
        events text[] not null,
        active boolean not null default true,
        created_at timestamptz not null
      )`.execute(db);
  },
};
