// The saga step takes a consumer batch whole: several events for one order in one batch move it step by step, as
// one event per transaction would, with each history row and event; late and foreign events change nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { envelopeFactory, EventRegistry, migratePlatform, openDatabase, Outbox, sql, type Database, type Envelope } from '@millrace/platform';
import { contract } from './contract.ts';
import { Orders } from './orders.ts';
import { migrateOrders } from './store.ts';

let db: Database;
let orders: Orders;
const published: Envelope[] = [];
const now = new Date('2026-05-01T10:00:00Z');
const line = { productId: 'p1', sku: 'P1', quantity: 2, unitPrice: 500 };
const from = (source: string) => {
  const make = envelopeFactory({ source, now: () => now });
  return (type: string, data: Record<string, unknown>) => make({ type, key: String(data.orderId), data }).envelope;
};
const inventory = from('catalog');
const payments = from('payments');

before(async () => {
  db = await openDatabase({});
  await migratePlatform(db);
  await migrateOrders(db);
  orders = new Orders({ outbox: new Outbox(db, { source: 'orders', registry: new EventRegistry([contract]), now: () => now }), now: () => now });
});
after(() => db.close());

test('one batch: reserved, paid and confirmed for one order, rejected for another, and a late answer', async () => {
  const a = (await orders.place('cust-a', [{ productId: 'p1', quantity: 2 }])).order.id;
  const b = (await orders.place('cust-b', [{ productId: 'p1', quantity: 9 }])).order.id;
  await orders.outbox.transaction(async (tx) => {
    const spy = { db: tx.db, publish: <D>(e: Parameters<typeof tx.publish<D>>[0]) => { const env = tx.publish(e); published.push(env as Envelope); return env; } };
    await orders.onSagaEvents(spy, [
      inventory('inventory.stock-reserved', { orderId: a, lines: [line], amount: 1000, currency: 'EUR', expiresAt: now.toISOString(), levels: [] }),
      inventory('inventory.reservation-rejected', { orderId: b, reason: 'out-of-stock', productIds: ['p1'] }),
      payments('payments.payment-captured', { paymentId: 'pay-1', orderId: a, amount: 1000, currency: 'EUR', authorizationId: 'au', captureId: 'ca' }),
      inventory('inventory.reservation-confirmed', { orderId: a, lines: [line], levels: [] }),
      payments('payments.payment-declined', { paymentId: 'pay-2', orderId: b, amount: 0, currency: 'EUR', reason: 'late' }), // b moved on: nothing
      inventory('inventory.stock-reserved', { orderId: 'no-such-order', lines: [line], amount: 1, currency: 'EUR', expiresAt: now.toISOString(), levels: [] }),
    ]);
  });
  assert.deepEqual(published.map((e) => [e.type, e.key]), [
    ['orders.order-reserved', a], ['orders.order-rejected', b], ['orders.order-paid', a], ['orders.order-confirmed', a],
  ]);
  assert.deepEqual(published[0]!.data, { orderId: a, customerId: 'cust-a', status: 'reserved', lines: [line], amount: 1000, currency: 'EUR' });
  assert.equal((published[1]!.data as { previousStatus: string }).previousStatus, 'placed');
  const { rows } = await sql<{ id: string; status: string; amount: string; payment_id: string | null; reason: string | null; version: number; priced_lines: unknown }>`
    select id, status, amount::text, payment_id, reason, version, priced_lines from orders.orders order by customer_id`.execute(db.kysely);
  assert.deepEqual(rows.map((r) => [r.status, r.amount, r.payment_id, r.reason, r.version]), [
    ['confirmed', '1000', 'pay-1', null, 4],
    ['rejected', null, null, 'out-of-stock', 2],
  ]);
  assert.deepEqual(rows[0]!.priced_lines, [line]);
  const { rows: history } = await sql<{ order_id: string; status: string; cause: string }>`select order_id, status, cause from orders.history order by id`.execute(db.kysely);
  assert.deepEqual(history.filter((h) => h.order_id === a).map((h) => [h.status, h.cause]), [
    ['placed', 'customer'], ['reserved', 'inventory.stock-reserved'], ['paid', 'payments.payment-captured'], ['confirmed', 'inventory.reservation-confirmed'],
  ]);
  assert.deepEqual(history.filter((h) => h.order_id === b).map((h) => h.status), ['placed', 'rejected']);
});
