// Payments' tables (schema `payments`): one row per order's payment. Nobody else touches them.
import { lockMany, migrate, sql, updateMany, type Database, type Tx } from '@millrace/platform';
import { init } from './migrations/0001_init.ts';

export const PAYMENTS_SCHEMA = 'payments';

export type Executor = Database['kysely'] | Tx['db'];

export async function migratePayments(db: Database): Promise<void> {
  await migrate(db, PAYMENTS_SCHEMA, { '0001_init': init });
}

export type PaymentStatus = 'pending' | 'captured' | 'declined' | 'failed' | 'voided' | 'refund-pending' | 'refunded';

export interface PaymentRow {
  id: string;
  order_id: string;
  customer_id: string;
  amount: string;
  currency: string;
  status: PaymentStatus;
  attempts: number;
  next_attempt_at: Date;
  lease_token: string | null;
  lease_until: Date | null;
  cancel_requested: boolean;
  authorization_id: string | null;
  capture_id: string | null;
  refund_id: string | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export const payments = {
  /** Inserts, in one statement, a pending payment for each order that has none yet. */
  async insertMany(
    ex: Executor,
    rows: ReadonlyArray<Pick<PaymentRow, 'id' | 'order_id' | 'customer_id' | 'currency' | 'created_at'> & Partial<Pick<PaymentRow, 'lease_token' | 'lease_until' | 'attempts'>> & { amount: number }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await ex
      .insertInto('payments.payments')
      .values(rows.map((row) => ({ ...row, status: 'pending', next_attempt_at: row.created_at, updated_at: row.created_at })))
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
  },
  byOrder: (ex: Executor, orderId: string, forUpdate = false) => {
    const q = ex.selectFrom('payments.payments').selectAll().where('order_id', '=', orderId);
    return (forUpdate ? q.forUpdate() : q).executeTakeFirst() as Promise<PaymentRow | undefined>;
  },
  byId: (ex: Executor, id: string, forUpdate = false) => {
    const q = ex.selectFrom('payments.payments').selectAll().where('id', '=', id);
    return (forUpdate ? q.forUpdate() : q).executeTakeFirst() as Promise<PaymentRow | undefined>;
  },
  /** The payments of these orders, locked in id order. */
  lockByOrders: (ex: Executor, orderIds: readonly string[]) => lockMany<PaymentRow>(ex, 'payments.payments', 'order_id', orderIds, 'id'),
  /** These payments, locked in id order. */
  lockMany: (ex: Executor, ids: readonly string[]) => lockMany<PaymentRow>(ex, 'payments.payments', 'id', ids),
  /** Writes the mutable columns of each row (as changed in memory) in one statement. */
  writeMany: (ex: Executor, rows: readonly PaymentRow[]) =>
    updateMany(ex, 'payments.payments', ['id', 'text'], {
      status: 'text', attempts: 'int', next_attempt_at: 'timestamptz', lease_token: 'text', lease_until: 'timestamptz', cancel_requested: 'boolean',
      authorization_id: 'text', capture_id: 'text', refund_id: 'text', reason: 'text', updated_at: 'timestamptz',
    }, rows),
  update: (ex: Executor, id: string, patch: Partial<Omit<PaymentRow, 'id'>>) => ex.updateTable('payments.payments').set(patch).where('id', '=', id).execute(),
  /**
   * Claims due payments for one worker: a lease (token + deadline) that another worker may take over only once it
   * has expired (the holder died). Skips rows other workers are claiming right now.
   */
  async claimDue(ex: Executor, now: Date, leaseMs: number, token: string, limit: number): Promise<PaymentRow[]> {
    const until = new Date(now.getTime() + leaseMs);
    const { rows } = await sql<PaymentRow>`
      update payments.payments p set lease_token = ${token}, lease_until = ${until}, attempts = p.attempts + 1
      where p.id in (
        select id from payments.payments
        where status in ('pending', 'refund-pending') and next_attempt_at <= ${now} and (lease_until is null or lease_until < ${now})
        order by next_attempt_at limit ${limit} for update skip locked)
      returning p.*`.execute(ex);
    return rows;
  },
  async list(ex: Executor, filter: { status?: string | undefined; limit: number }) {
    let q = ex.selectFrom('payments.payments').selectAll().orderBy('created_at', 'desc').limit(filter.limit);
    if (filter.status) q = q.where('status', '=', filter.status);
    return (await q.execute()) as PaymentRow[];
  },
};

export function paymentView(p: PaymentRow) {
  return {
    id: p.id, orderId: p.order_id, customerId: p.customer_id, amount: Number(p.amount), currency: p.currency, status: p.status,
    attempts: p.attempts, authorizationId: p.authorization_id, captureId: p.capture_id, refundId: p.refund_id, reason: p.reason,
    createdAt: p.created_at.toISOString(), updatedAt: p.updated_at.toISOString(),
  };
}
