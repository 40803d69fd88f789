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
  insert: (ex: Executor, row: Pick<OrderRow, 'id' | 'customer_id' | 'status' | 'lines' | 'flow' | 'placed_at'>) =>
    ex.insertInto('orders.orders').values({ ...row, lines: JSON.stringify(row.lines), updated_at: row.placed_at }).execute(),
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

export const idempotencyKeys = {
  /** Claims `key` for this request; answers the stored claim when another request already holds it. */
  async claim(ex: Executor, row: { customer_id: string; key: string; request_hash: string; order_id: string; response: unknown; created_at: Date }) {
    const inserted = await ex
      .insertInto('orders.idempotency_keys')
      .values({ ...row, response: JSON.stringify(row.response) })
      .onConflict((oc) => oc.columns(['customer_id', 'key']).doNothing())
      .returning('order_id')
      .executeTakeFirst();
    if (inserted) return { claimed: true as const };
    const existing = (await ex.selectFrom('orders.idempotency_keys').select(['request_hash', 'order_id', 'response']).where('customer_id', '=', row.customer_id).where('key', '=', row.key).executeTakeFirstOrThrow()) as {
      request_hash: string; order_id: string; response: unknown;
    };
    return { claimed: false as const, request_hash: existing.request_hash, order_id: existing.order_id, response: JSON.parse(existing.response as string) as unknown };
  },
};
