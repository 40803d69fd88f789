// One unit of work for a whole batch of saga steps: each decision sees the stock the previous step left, and the
// products, reservations and journal are written once, ending exactly where step-by-step work would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EventRegistry, migratePlatform, openDatabase, Outbox, sql, type Database, type Envelope } from '@millrace/platform';
import { contract } from './contract.ts';
import { Inventory } from './inventory.ts';
import { migrateCatalog } from './store.ts';

let db: Database;
let outbox: Outbox;
const now = new Date('2026-05-01T10:00:00Z');
const inventory = new Inventory({ now: () => now, reservationTtlMs: 60_000 });

before(async () => {
  db = await openDatabase({});
  await migratePlatform(db);
  await migrateCatalog(db);
  outbox = new Outbox(db, { source: 'catalog', registry: new EventRegistry([contract]), now: () => now });
  await sql`insert into catalog.products (id, sku, name, price, currency, on_hand, reserved, low_stock_threshold, created_at, updated_at)
    values ('p1', 'P1', 'One', 500, 'EUR', 3, 0, 0, ${now}, ${now}), ('p2', 'P2', 'Two', 700, 'EUR', 10, 0, 0, ${now}, ${now})`.execute(db.kysely);
});
after(() => db.close());

test('a batch: reserve, refuse for want of stock, release, reserve again, confirm, return; levels and journal in order', async () => {
  const published: Envelope[] = [];
  const outcomes = await outbox.transaction(async (tx) => {
    const spy = { db: tx.db, publish: <D>(e: Parameters<typeof tx.publish<D>>[0]) => { const env = tx.publish(e); published.push(env as Envelope); return env; } };
    return inventory.apply(spy, [
      { op: 'reserve', orderId: 'o1', lines: [{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 1 }] },
      { op: 'reserve', orderId: 'o2', lines: [{ productId: 'p1', quantity: 2 }] }, // only 1 of p1 left available
      { op: 'release', orderId: 'o1', reason: 'order-cancelled' },
      { op: 'reserve', orderId: 'o3', lines: [{ productId: 'p1', quantity: 3 }] }, // all 3 free again
      { op: 'reserve', orderId: 'o3', lines: [{ productId: 'p1', quantity: 3 }] }, // a redelivery: the first answer again
      { op: 'confirm', orderId: 'o3' },
      { op: 'release', orderId: 'o3', reason: 'order-cancelled' }, // confirmed, then cancelled: the stock returns
      { op: 'confirm', orderId: 'o1' }, // released before: not confirmed
    ]);
  });
  assert.deepEqual(outcomes.map((o) => (typeof o === 'object' ? o.ok : o)), [true, false, undefined, true, true, true, undefined, false]);
  assert.deepEqual(published.map((e) => e.type), [
    'inventory.stock-reserved', 'inventory.reservation-rejected', 'inventory.reservation-released',
    'inventory.out-of-stock', // o3 takes the last available unit of p1: the alert goes out with the movement
    'inventory.stock-reserved', 'inventory.reservation-confirmed', 'inventory.stock-returned',
  ]);
  const levels = (type: string) => (published.find((e) => e.type === type)!.data as { levels: Array<{ productId: string; onHand: number; reserved: number }> }).levels;
  assert.deepEqual(levels('inventory.reservation-released').map((l) => [l.productId, l.onHand, l.reserved]), [['p1', 3, 0], ['p2', 10, 0]]);
  assert.deepEqual(levels('inventory.stock-returned').map((l) => [l.productId, l.onHand, l.reserved]), [['p1', 3, 0]]);

  const { rows: products } = await sql<{ id: string; on_hand: number; reserved: number }>`select id, on_hand, reserved from catalog.products order by id`.execute(db.kysely);
  assert.deepEqual(products.map((p) => [p.id, p.on_hand, p.reserved]), [['p1', 3, 0], ['p2', 10, 0]]);
  const { rows: reservations } = await sql<{ order_id: string; status: string; release_reason: string | null }>`
    select order_id, status, release_reason from catalog.reservations order by order_id`.execute(db.kysely);
  assert.deepEqual(reservations.map((r) => [r.order_id, r.status, r.release_reason]), [['o1', 'released', 'order-cancelled'], ['o3', 'returned', 'order-cancelled']]);
  const { rows: journal } = await sql<{ product_id: string; order_id: string; kind: string; on_hand: number; reserved: number }>`
    select product_id, order_id, kind, on_hand, reserved from catalog.stock_movements order by id`.execute(db.kysely);
  assert.deepEqual(journal.map((j) => [j.order_id, j.kind, j.product_id, j.on_hand, j.reserved]), [
    ['o1', 'reserve', 'p1', 3, 2], ['o1', 'reserve', 'p2', 10, 1],
    ['o1', 'release', 'p1', 3, 0], ['o1', 'release', 'p2', 10, 0],
    ['o3', 'reserve', 'p1', 3, 3],
    ['o3', 'confirm', 'p1', 0, 0],
    ['o3', 'return', 'p1', 3, 0],
  ]);
});
