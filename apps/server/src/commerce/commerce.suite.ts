// The commerce scenarios run on every driver (embedded log on PGlite, Kafka on PostgreSQL): TC1 and idempotency.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql, type Database, type EventBus } from '@millrace/platform';
import { waitFor } from '@millrace/platform/testing';
import { as, createCommerce, type Commerce } from './stack.ts';
import { SAGA_DONE } from '@millrace/orders';

export interface Infra {
  readonly db: Database;
  readonly bus: EventBus;
  /** Topics and consumer groups of this run (shared Kafka). */
  readonly namespace?: string;
  close(): Promise<void>;
}

export async function createProduct(c: Commerce, sku: string, onHand: number, price = 2500) {
  const res = await c.app.inject({ method: 'POST', url: '/api/catalog/products', headers: as('admin', 'admin'), payload: { sku, name: `Product ${sku}`, price, currency: 'EUR', onHand, lowStockThreshold: 10 } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string };
}

async function countBy(db: Database, q: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  const { rows } = await q.execute(db.kysely);
  return Number(rows[0]?.n ?? 0);
}

/** Registers the shared scenarios; `infra()` gives a fresh database + bus per test. */
export function commerceSuite(label: string, infra: () => Promise<Infra>, o: { orders: number; stock: number; timeoutMs: number; notifications: boolean }) {
  test(`${label}: TC1 ${o.orders} concurrent orders for ${o.stock} units: exactly ${o.stock} confirmed, the rest rejected, stock 0, no charge for a rejection`, { timeout: o.timeoutMs }, async () => {
    const { db, bus, namespace, close } = await infra();
    const c = await createCommerce({ db, bus, payments: { pollMs: 20 }, ...(namespace ? { namespace } : {}), ...(o.notifications ? {} : { notifications: false as const }) });
    try {
      await c.start();
      const product = await createProduct(c, `tc1-${Date.now()}`, o.stock);
      const t0 = Date.now();
      const answers = await Promise.all(Array.from({ length: o.orders }, (_, i) => c.app.inject({
        method: 'POST', url: '/api/orders/orders', headers: { ...as(`customer-${i}`), 'idempotency-key': `tc1-${i}` },
        payload: { lines: [{ productId: product.id, quantity: 1 }] },
      })));
      assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [201], answers.find((a) => a.statusCode !== 201)?.body);
      const placedMs = Date.now() - t0;
      // every order reaches a state where the saga is done
      await waitFor('every order terminal', async () => {
        const open = await countBy(db, sql<{ n: string }>`select count(*)::text as n from orders.orders where not (status = any(${[...SAGA_DONE]}::text[]))`);
        return open === 0;
      }, o.timeoutMs - 10_000, 100);
      const doneMs = Date.now() - t0;
      const { rows: byStatus } = await sql<{ status: string; reason: string | null; n: string }>`
        select status, reason, count(*)::text as n from orders.orders group by 1, 2 order by 1`.execute(db.kysely);
      assert.deepEqual(byStatus.map((r) => [r.status, r.reason, Number(r.n)]), [['confirmed', null, o.stock], ['rejected', 'out-of-stock', o.orders - o.stock]]);
      const { rows: [stock] } = await sql<{ on_hand: number; reserved: number }>`select on_hand, reserved from catalog.products where id = ${product.id}`.execute(db.kysely);
      assert.deepEqual(stock, { on_hand: 0, reserved: 0 }, 'stock ends at 0, nothing left reserved');
      // never negative at any point: every movement left available >= 0 (and the CHECK constraints forbid otherwise)
      assert.equal(await countBy(db, sql<{ n: string }>`select count(*)::text as n from catalog.stock_movements where on_hand - reserved < 0 or on_hand < 0`), 0);
      assert.equal(await countBy(db, sql<{ n: string }>`select count(*)::text as n from catalog.stock_movements where kind = 'reserve'`), o.stock);
      // payments exist only for confirmed orders, each captured once
      assert.equal(await countBy(db, sql<{ n: string }>`
        select count(*)::text as n from payments.payments p join orders.orders o on o.id = p.order_id where o.status <> 'confirmed'`), 0, 'no payment for a rejected order');
      assert.equal(await countBy(db, sql<{ n: string }>`select count(*)::text as n from payments.payments where status = 'captured'`), o.stock);
      console.log(`[${label}] ${o.orders} orders acknowledged in ${placedMs} ms; all terminal after ${doneMs} ms`);
    } finally {
      await c.close();
      await close();
    }
  });

  test(`${label}: 50 concurrent identical requests with one Idempotency-Key create one order and all get the same answer`, { timeout: 60_000 }, async () => {
    const { db, bus, namespace, close } = await infra();
    const c = await createCommerce({ db, bus, payments: { pollMs: 20 }, ...(namespace ? { namespace } : {}) });
    try {
      await c.start();
      const product = await createProduct(c, `idem-${Date.now()}`, 10);
      const request = () => c.app.inject({
        method: 'POST', url: '/api/orders/orders', headers: { ...as('carol'), 'idempotency-key': 'checkout-7f3a' },
        payload: { lines: [{ productId: product.id, quantity: 2 }] },
      });
      const answers = await Promise.all(Array.from({ length: 50 }, request));
      assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [201]);
      assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'every answer is the same body');
      assert.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 49);
      const order = answers[0]!.json() as { id: string };
      assert.equal(await countBy(db, sql<{ n: string }>`select count(*)::text as n from orders.orders`), 1);
      // a later retry still answers the same, even after the order moved on
      await waitFor('order confirmed', async () => (await c.app.inject({ method: 'GET', url: `/api/orders/orders/${order.id}`, headers: as('carol') })).json().status === 'confirmed', 30_000);
      const late = await request();
      assert.equal(late.body, answers[0]!.body);
      // the same key for a different request is refused, and another customer's identical key is their own
      const other = await c.app.inject({ method: 'POST', url: '/api/orders/orders', headers: { ...as('carol'), 'idempotency-key': 'checkout-7f3a' }, payload: { lines: [{ productId: product.id, quantity: 3 }] } });
      assert.equal(other.statusCode, 409);
      const dave = await c.app.inject({ method: 'POST', url: '/api/orders/orders', headers: { ...as('dave'), 'idempotency-key': 'checkout-7f3a' }, payload: { lines: [{ productId: product.id, quantity: 2 }] } });
      assert.equal(dave.statusCode, 201);
      assert.notEqual(dave.json().id, order.id);
      const { rows: [stock] } = await sql<{ on_hand: number }>`select on_hand from catalog.products where id = ${product.id}`.execute(db.kysely);
      await waitFor('dave confirmed', async () => (await c.app.inject({ method: 'GET', url: `/api/orders/orders/${dave.json().id}`, headers: as('dave') })).json().status === 'confirmed', 30_000);
      assert.ok(stock!.on_hand <= 8);
      const { rows: [after] } = await sql<{ on_hand: number }>`select on_hand from catalog.products where id = ${product.id}`.execute(db.kysely);
      assert.equal(after!.on_hand, 6, 'two orders of 2 units: 10 - 4');
    } finally {
      await c.close();
      await close();
    }
  });
}
