// catalog schema, first version: products with their stock, reservations per order, and the stock movement journal.
import { sql, type Migration } from '@millrace/platform';

export const init: Migration = {
  async up(db) {
    await sql`
      create table catalog.products (
        id text primary key,
        sku text not null unique,
        name text not null,
        price bigint not null check (price >= 0),
        currency text not null,
        on_hand integer not null check (on_hand >= 0),
        reserved integer not null default 0 check (reserved >= 0),
        low_stock_threshold integer not null default 0 check (low_stock_threshold >= 0),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        -- never oversell: what is reserved is always on hand
        constraint products_reserved_on_hand check (reserved <= on_hand)
      )`.execute(db);
    await sql`create index products_created on catalog.products (created_at, id)`.execute(db);
    await sql`
      create table catalog.reservations (
        order_id text primary key,
        status text not null check (status in ('held', 'confirmed', 'released', 'returned')),
        lines jsonb not null,
        amount bigint not null,
        currency text not null,
        expires_at timestamptz not null,
        release_reason text,
        created_at timestamptz not null,
        updated_at timestamptz not null
      )`.execute(db);
    await sql`create index reservations_expiring on catalog.reservations (expires_at) where status = 'held'`.execute(db);
    // one row per product per movement: the audit trail that proves available stock never went below zero
    await sql`
      create table catalog.stock_movements (
        id bigserial primary key,
        product_id text not null,
        order_id text,
        kind text not null check (kind in ('reserve', 'confirm', 'release', 'return', 'adjust')),
        quantity integer not null,
        on_hand integer not null,
        reserved integer not null,
        at timestamptz not null
      )`.execute(db);
    await sql`create index stock_movements_product on catalog.stock_movements (product_id, id)`.execute(db);
  },
};
