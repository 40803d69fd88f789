// Catalog admin CRUD and stock adjustments (embedded): who may change what, and the movements it publishes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from '@millrace/platform';
import { as, createCommerce, embeddedInfra, type Commerce } from './stack.ts';

describe('catalog (embedded)', () => {
  let infra: Awaited<ReturnType<typeof embeddedInfra>>;
  let c: Commerce;
  before(async () => {
    infra = await embeddedInfra();
    c = await createCommerce({ db: infra.db, bus: infra.bus, notifications: false });
  });
  after(async () => {
    await c.close();
    await infra.close();
  });

  test('admins create, edit and restock; anyone browses; customers change nothing; stock below reserved is refused', async () => {
    const body = { sku: 'MUG-1', name: 'Mug', price: 1299, currency: 'EUR', onHand: 12, lowStockThreshold: 5 };
    assert.equal((await c.app.inject({ method: 'POST', url: '/api/catalog/products', headers: as('eve'), payload: body })).statusCode, 403);
    const created = await c.app.inject({ method: 'POST', url: '/api/catalog/products', headers: as('root', 'admin'), payload: body });
    assert.equal(created.statusCode, 201, created.body);
    const p = created.json() as { id: string; reserved: number; price: number };
    assert.deepEqual([p.reserved, p.price], [0, 1299]);
    assert.equal((await c.app.inject({ method: 'POST', url: '/api/catalog/products', headers: as('root', 'admin'), payload: body })).statusCode, 409, 'SKU is unique');
    const list = await c.app.inject({ method: 'GET', url: '/api/catalog/products?search=mug' });
    assert.equal(list.json().items.length, 1);
    assert.equal((await c.app.inject({ method: 'POST', url: '/api/catalog/products', headers: as('root', 'admin'), payload: { ...body, sku: 'X', reserved: 3 } })).statusCode, 400, 'reserved is read-only');

    const adjusted = await c.app.inject({ method: 'POST', url: `/api/catalog/products/${p.id}/adjust-stock`, headers: as('root', 'admin'), payload: { delta: -8 } });
    assert.deepEqual(adjusted.json(), { productId: p.id, sku: 'MUG-1', onHand: 4, reserved: 0, available: 4 });
    assert.equal((await c.app.inject({ method: 'PATCH', url: `/api/catalog/products/${p.id}`, headers: as('root', 'admin'), payload: { onHand: 20 } })).json().onHand, 20);
    const { rows } = await sql<{ type: string }>`select type from millrace.outbox where topic in ('inventory', 'catalog') order by id`.execute(infra.db.kysely);
    assert.deepEqual(rows.map((r) => r.type), ['catalog.product-created', 'inventory.low-stock', 'inventory.stock-adjusted', 'inventory.stock-adjusted', 'catalog.product-updated']);
    const journal = await sql<{ kind: string; quantity: number; on_hand: number }>`select kind, quantity, on_hand from catalog.stock_movements order by id`.execute(infra.db.kysely);
    assert.deepEqual(journal.rows, [{ kind: 'adjust', quantity: -8, on_hand: 4 }, { kind: 'adjust', quantity: 16, on_hand: 20 }]);
    await sql`update catalog.products set reserved = 15 where id = ${p.id}`.execute(infra.db.kysely);
    assert.equal((await c.app.inject({ method: 'PATCH', url: `/api/catalog/products/${p.id}`, headers: as('root', 'admin'), payload: { onHand: 10 } })).statusCode, 409);
    assert.equal((await c.app.inject({ method: 'DELETE', url: `/api/catalog/products/${p.id}`, headers: as('root', 'admin') })).statusCode, 409, 'reserved units block deletion');
  });
});
