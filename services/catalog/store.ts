// Catalog's tables (schema `catalog`): products, reservations and the stock movement journal. Nobody else touches them.
import { lockMany, migrate, sql, updateMany, type Database, type Tx } from '@millrace/platform';
import type { PricedLine } from './contract.ts';
import type { ProductStock } from './domain.ts';
import { init } from './migrations/0001_init.ts';

export const CATALOG_SCHEMA = 'catalog';

/** A Kysely handle: the database itself or an open transaction (`tx.db`). */
export type Executor = Database['kysely'] | Tx['db'];

/** Creates or upgrades the catalog schema. Safe at every start. */
export async function migrateCatalog(db: Database): Promise<void> {
  await migrate(db, CATALOG_SCHEMA, { '0001_init': init });
}

interface ProductRow {
  id: string;
  sku: string;
  price: string;
  currency: string;
  on_hand: number;
  reserved: number;
  low_stock_threshold: number;
}

const toStock = (r: ProductRow): ProductStock => ({
  id: r.id, sku: r.sku, price: Number(r.price), currency: r.currency, onHand: r.on_hand, reserved: r.reserved, lowStockThreshold: r.low_stock_threshold,
});

export type ReservationStatus = 'held' | 'confirmed' | 'released' | 'returned';

export interface ReservationRow {
  order_id: string;
  status: ReservationStatus;
  lines: PricedLine[];
  amount: string;
  currency: string;
  expires_at: Date;
  release_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export const products = {
  /** Rows locked FOR UPDATE in id order: concurrent reservations of the same products queue instead of deadlocking. */
  async lock(ex: Executor, ids: readonly string[]): Promise<Map<string, ProductStock>> {
    if (ids.length === 0) return new Map();
    const rows = (await ex
      .selectFrom('catalog.products')
      .select(['id', 'sku', 'price', 'currency', 'on_hand', 'reserved', 'low_stock_threshold'])
      .where('id', 'in', [...ids])
      .orderBy('id')
      .forUpdate()
      .execute()) as ProductRow[];
    return new Map(rows.map((r) => [r.id, toStock(r)]));
  },
  async one(ex: Executor, id: string): Promise<ProductStock | undefined> {
    const r = (await ex.selectFrom('catalog.products').select(['id', 'sku', 'price', 'currency', 'on_hand', 'reserved', 'low_stock_threshold']).where('id', '=', id).executeTakeFirst()) as ProductRow | undefined;
    return r && toStock(r);
  },
  /** Writes the stock of each product in one statement. */
  setStockMany: (ex: Executor, stock: readonly ProductStock[], now: Date) =>
    updateMany(ex, 'catalog.products', ['id', 'text'], { on_hand: 'int', reserved: 'int', updated_at: 'timestamptz' },
      stock.map((p) => ({ id: p.id, on_hand: p.onHand, reserved: p.reserved, updated_at: now }))),
};

export const reservations = {
  byOrder: (ex: Executor, orderId: string) =>
    ex.selectFrom('catalog.reservations').selectAll().where('order_id', '=', orderId).executeTakeFirst() as Promise<ReservationRow | undefined>,
  /** The reservations of these orders, locked in order id order. */
  lockMany: (ex: Executor, orderIds: readonly string[]) => lockMany<ReservationRow>(ex, 'catalog.reservations', 'order_id', orderIds),
  insertMany: async (ex: Executor, rows: readonly ReservationRow[]) => {
    if (rows.length === 0) return;
    await ex.insertInto('catalog.reservations').values(rows.map((r) => ({ ...r, lines: JSON.stringify(r.lines) }))).execute();
  },
  /** Writes each reservation's status, reason and update time in one statement. */
  setStatusMany: (ex: Executor, rows: readonly ReservationRow[]) =>
    updateMany(ex, 'catalog.reservations', ['order_id', 'text'], { status: 'text', release_reason: 'text', updated_at: 'timestamptz' }, rows),
  /** Held reservations past their expiry, locked and skipped by other sweepers. */
  expired: async (ex: Executor, now: Date, limit: number) => {
    const { rows } = await sql<{ order_id: string }>`
      select order_id from catalog.reservations where status = 'held' and expires_at <= ${now}
      order by expires_at limit ${limit} for update skip locked`.execute(ex);
    return rows.map((r) => r.order_id);
  },
};

export const movements = {
  async record(ex: Executor, rows: ReadonlyArray<{ productId: string; orderId: string | null; kind: string; quantity: number; onHand: number; reserved: number }>, now: Date) {
    if (rows.length === 0) return;
    await ex
      .insertInto('catalog.stock_movements')
      .values(rows.map((r) => ({ product_id: r.productId, order_id: r.orderId, kind: r.kind, quantity: r.quantity, on_hand: r.onHand, reserved: r.reserved, at: now })))
      .execute();
  },
};
