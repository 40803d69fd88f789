// Orders' tables (schema `orders`): orders, their history and idempotency keys. Nobody else touches them.
import { lockMany, migrate, sql, updateMany, type Database, type Tx } from '@millrace/platform';
import type { OrderStatus } from './contract.ts';
import type { OrderState, PricedLine } from './domain.ts';
import { init } from './migrations/0001_init.ts';

export const ORDERS_SCHEMA = 'orders';

export type Executor = Database['kysely'] | Tx['db'];

export async function migrateOrders(db: Database): Promise<void> {
  await migrate(db, ORDERS_SCHEMA, { '0001_init': init });
}

export interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  lines: Array<{ productId: string; quantity: number }>;
  priced_lines: PricedLine[] | null;
  amount: string | null;
  currency: string | null;
  payment_id: string | null;
  reason: string | null;
  detail: string | null;
  stock_compensation: string | null;
  payment_compensation: string | null;
  flow: 'events' | 'sync';
  placed_at: Date;
  updated_at: Date;
  version: number;
}

export const stateOf = (r: OrderRow): OrderState => ({
  id: r.id, customerId: r.customer_id, status: r.status, amount: r.amount === null ? null : Number(r.amount), currency: r.currency,
  pricedLines: r.priced_lines, paymentId: r.payment_id,
});

/** The order as clients see it. */
export function orderView(r: OrderRow) {
  return {
    id: r.id, customerId: r.customer_id, status: r.status, lines: r.lines, pricedLines: r.priced_lines,
    amount: r.amount === null ? null : Number(r.amount), currency: r.currency, paymentId: r.payment_id,
    reason: r.reason, detail: r.detail,
    compensation: { stock: r.stock_compensation, payment: r.payment_compensation },
    flow: r.flow, placedAt: r.placed_at.toISOString(), updatedAt: r.updated_at.toISOString(), version: r.version,
  };
}
export type OrderView = ReturnType<typeof orderView>;

export const orders = {
  insertMany: async (ex: Executor, rows: ReadonlyArray<Pick<OrderRow, 'id' | 'customer_id' | 'status' | 'lines' | 'flow' | 'placed_at'>>) => {
    if (rows.length === 0) return;
    await ex.insertInto('orders.orders').values(rows.map((row) => ({
      id: row.id, customer_id: row.customer_id, status: row.status, lines: JSON.stringify(row.lines), flow: row.flow, placed_at: row.placed_at, updated_at: row.placed_at,
    }))).execute();
  },
  byId: (ex: Executor, id: string, forUpdate = false) => {
    const q = ex.selectFrom('orders.orders').selectAll().where('id', '=', id);
    return (forUpdate ? q.forUpdate() : q).executeTakeFirst() as Promise<OrderRow | undefined>;
  },
  /** The orders with these ids, locked in id order. */
  lockMany: (ex: Executor, ids: readonly string[]) => lockMany<OrderRow>(ex, 'orders.orders', 'id', ids),
  /** Writes the mutable columns of each row (as changed in memory) in one statement. */
  writeMany: (ex: Executor, rows: readonly OrderRow[]) =>
    updateMany(ex, 'orders.orders', ['id', 'text'], {
      status: 'text', priced_lines: 'jsonb', amount: 'bigint', currency: 'text', payment_id: 'text', reason: 'text', detail: 'text',
      stock_compensation: 'text', payment_compensation: 'text', updated_at: 'timestamptz', version: 'int',
    }, rows),
  async list(ex: Executor, q: { customerId?: string | undefined; status?: string | undefined; limit: number; before?: { at: Date; id: string } | undefined }) {
    let query = ex.selectFrom('orders.orders').selectAll().orderBy('placed_at', 'desc').orderBy('id', 'desc').limit(q.limit);
    if (q.customerId) query = query.where('customer_id', '=', q.customerId);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.before) {
      const b = q.before;
      query = query.where((eb) => eb.or([eb('placed_at', '<', b.at), eb.and([eb('placed_at', '=', b.at), eb('id', '<', b.id)])]));
    }
    return (await query.execute()) as OrderRow[];
  },
};

export interface HistoryRow {
  order_id: string;
  status: string;
  cause: string;
  reason: string | null;
  at: Date;
}

export const history = {
  addMany: async (ex: Executor, rows: readonly HistoryRow[]) => {
    if (rows.length > 0) await ex.insertInto('orders.history').values([...rows]).execute();
  },
  of: (ex: Executor, orderId: string) =>
    ex.selectFrom('orders.history').select(['status', 'cause', 'reason', 'at']).where('order_id', '=', orderId).orderBy('id').execute() as Promise<
      Array<{ status: string; cause: string; reason: string | null; at: Date }>
    >,
};

export interface IdempotencyKeyRow {
  customer_id: string;
  key: string;
  request_hash: string;
  order_id: string;
  response: unknown;
  created_at: Date;
}

export const idempotencyKeys = {
  /**
   * Claims the keys not held yet, in one statement, in (customer, key) order: two concurrent batches lock the same
   * keys in the same order, so they queue instead of deadlocking. A key given twice is claimed by its first row.
   * Returns the order ids of the rows that claimed their key.
   */
  async claimMany(ex: Executor, rows: readonly IdempotencyKeyRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const sorted = [...rows].sort((a, b) => (a.customer_id === b.customer_id ? cmp(a.key, b.key) : cmp(a.customer_id, b.customer_id)));
    const inserted = await ex
      .insertInto('orders.idempotency_keys')
      .values(sorted.map((r) => ({ ...r, response: JSON.stringify(r.response) })))
      .onConflict((oc) => oc.columns(['customer_id', 'key']).doNothing())
      .returning('order_id')
      .execute();
    return new Set(inserted.map((r) => r.order_id as string));
  },
  /** The stored claims of these (customer, key) pairs, with the answer given then. */
  async find(ex: Executor, pairs: ReadonlyArray<readonly [customerId: string, key: string]>) {
    if (pairs.length === 0) return [];
    const { rows } = await sql<{ customer_id: string; key: string; request_hash: string; response: string }>`
      select k.customer_id, k.key, k.request_hash, k.response from orders.idempotency_keys k
      join unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as v(c, k2) on k.customer_id = v.c and k.key = v.k2`.execute(ex);
    return rows.map((r) => ({ customer_id: r.customer_id, key: r.key, request_hash: r.request_hash, response: JSON.parse(r.response) as unknown }));
  },
};

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
