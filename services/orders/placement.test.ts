// Placements that arrive together share one transaction: keys, orders and history are written once for the batch,
// and each request still gets its own answer (a new order, the first answer again, or its own refusal).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EventRegistry, migratePlatform, MillraceError, openDatabase, Outbox, sql, type Database } from '@millrace/platform';
import { contract } from './contract.ts';
import { Orders } from './orders.ts';
import { migrateOrders } from './store.ts';

let db: Database;
let orders: Orders;

before(async () => {
  db = await openDatabase({});
  await migratePlatform(db);
  await migrateOrders(db);
  orders = new Orders({ outbox: new Outbox(db, { source: 'orders', registry: new EventRegistry([contract]) }), now: () => new Date() });
});
after(() => db.close());

test('one batch: a key twice, the key reused for another request, the same key of another customer, no key', async () => {
  const two = [{ productId: 'p1', quantity: 2 }];
  // while a first placement commits, the next five queue up and go together (PGlite: one batch in flight)
  const ahead = orders.place('zed', two);
  const results = await Promise.allSettled([
    orders.place('ann', two, 'k1'),
    orders.place('ann', two, 'k1'),
    orders.place('ann', [{ productId: 'p1', quantity: 3 }], 'k1'),
    orders.place('bob', two, 'k1'),
    orders.place('ann', two),
  ]);
  await ahead;
  const [first, again, reused, bob, unkeyed] = results;
  assert.ok(first.status === 'fulfilled' && again.status === 'fulfilled' && bob.status === 'fulfilled' && unkeyed.status === 'fulfilled');
  assert.equal(first.value.replayed, false);
  assert.deepEqual(again.value, { order: first.value.order, replayed: true }, 'the same answer, nothing created');
  assert.ok(reused.status === 'rejected' && reused.reason instanceof MillraceError && reused.reason.code === 'ORDERS_IDEMPOTENCY_KEY_REUSED');
  assert.equal(bob.value.replayed, false);
  assert.notEqual(bob.value.order.id, first.value.order.id, 'keys belong to their customer');
  assert.equal(unkeyed.value.replayed, false);

  const { rows } = await sql<{ customer_id: string; n: string }>`select customer_id, count(*)::text as n from orders.orders group by 1 order by 1`.execute(db.kysely);
  assert.deepEqual(rows.map((r) => [r.customer_id, Number(r.n)]), [['ann', 2], ['bob', 1], ['zed', 1]]);
  const { rows: placed } = await sql<{ n: string }>`select count(*)::text as n from millrace.outbox where type = 'orders.order-placed'`.execute(db.kysely);
  assert.equal(placed[0]!.n, '4', 'one event per order created');
  const { rows: tx } = await sql<{ n: string }>`select count(distinct txid)::text as n from millrace.outbox where type = 'orders.order-placed'`.execute(db.kysely);
  assert.equal(tx[0]!.n, '2', 'the five went in one transaction, after the first');

  // a retry after the batch committed gets the stored answer
  assert.deepEqual(await orders.place('ann', two, 'k1'), { order: first.value.order, replayed: true });
});
