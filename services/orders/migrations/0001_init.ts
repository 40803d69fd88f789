// orders schema, first version: orders, their state history (the saga's log), and idempotency keys with the answer given.
import { sql, type Migration } from '@millrace/platform';

export const init: Migration = {
  async up(db) {
    await sql`
      create table orders.orders (
        id text primary key,
        customer_id text not null,
        status text not null,
        lines jsonb not null,
        priced_lines jsonb,
        amount bigint,
        currency text,
        payment_id text,
        reason text,
        detail text,
        stock_compensation text,
        payment_compensation text,
        flow text not null default 'events' check (flow in ('events', 'sync')),
        placed_at timestamptz not null,
        updated_at timestamptz not null,
        version integer not null default 1
      )`.execute(db);
    await sql`create index orders_customer on orders.orders (customer_id, placed_at desc, id desc)`.execute(db);
    await sql`create index orders_status on orders.orders (status, updated_at)`.execute(db);
    await sql`
      create table orders.history (
        id bigserial primary key,
        order_id text not null,
        status text not null,
        cause text not null,
        reason text,
        at timestamptz not null
      )`.execute(db);
    await sql`create index history_order on orders.history (order_id, id)`.execute(db);
    await sql`
      create table orders.idempotency_keys (
        customer_id text not null,
        key text not null,
        request_hash text not null,
        order_id text not null,
        response text not null, -- the answer as sent, byte for byte
        created_at timestamptz not null,
        primary key (customer_id, key)
      )`.execute(db);
  },
};
