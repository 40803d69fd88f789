// Inventory decisions, given stock / when an order asks / then reserve or refuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertsFor, decideReservation, mergeLines, type ProductStock } from './domain.ts';

const p = (id: string, onHand: number, reserved = 0, extra: Partial<ProductStock> = {}): ProductStock =>
  ({ id, sku: id.toUpperCase(), price: 1250, currency: 'EUR', onHand, reserved, lowStockThreshold: 5, ...extra });

test('all lines available: priced at reservation, total in minor units', () => {
  const d = decideReservation([{ productId: 'b', quantity: 1 }, { productId: 'a', quantity: 2 }, { productId: 'b', quantity: 1 }], new Map([['a', p('a', 3)], ['b', p('b', 2)]]));
  assert.deepEqual(d, {
    ok: true, currency: 'EUR', amount: 5000,
    lines: [{ productId: 'a', sku: 'A', quantity: 2, unitPrice: 1250 }, { productId: 'b', sku: 'B', quantity: 2, unitPrice: 1250 }],
  });
});

test('one short line refuses the whole order (all or nothing); reserved units are not available', () => {
  assert.deepEqual(decideReservation([{ productId: 'a', quantity: 1 }, { productId: 'b', quantity: 2 }], new Map([['a', p('a', 9)], ['b', p('b', 3, 2)]])), {
    ok: false, reason: 'out-of-stock', productIds: ['b'],
  });
});

test('unknown products and mixed currencies are refused', () => {
  assert.equal((decideReservation([{ productId: 'zz', quantity: 1 }], new Map()) as { reason: string }).reason, 'unknown-product');
  const mixed = decideReservation([{ productId: 'a', quantity: 1 }, { productId: 'b', quantity: 1 }], new Map([['a', p('a', 1)], ['b', p('b', 1, 0, { currency: 'USD' })]]));
  assert.equal((mixed as { reason: string }).reason, 'mixed-currency');
});

test('lines merge per product in id order (the lock order)', () => {
  assert.deepEqual(mergeLines([{ productId: 'c', quantity: 1 }, { productId: 'a', quantity: 1 }, { productId: 'c', quantity: 2 }]), [{ productId: 'a', quantity: 1 }, { productId: 'c', quantity: 3 }]);
});

test('alerts: low stock when crossing the threshold, out of stock at zero, nothing when stock grows', () => {
  assert.deepEqual(alertsFor(p('a', 10, 4), p('a', 10, 5)).map((a) => a.type), ['inventory.low-stock']);
  assert.deepEqual(alertsFor(p('a', 10, 6), p('a', 10, 7)), [], 'already under the threshold');
  assert.deepEqual(alertsFor(p('a', 10, 9), p('a', 10, 10)).map((a) => a.type), ['inventory.out-of-stock']);
  assert.deepEqual(alertsFor(p('a', 10, 10), p('a', 10, 9)), []);
});
