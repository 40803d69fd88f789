// The order state machine and the saga's reactions, given an order / when an event arrives / then its next state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CANCELLABLE, canMove, NEXT, react, SAGA_DONE, type OrderState, type OrderStatus } from './domain.ts';

const order = (status: OrderStatus): OrderState => ({ id: 'o1', customerId: 'c1', status, amount: null, currency: null, pricedLines: null, paymentId: null });
const lines = [{ productId: 'p', sku: 'P', quantity: 2, unitPrice: 500 }];

test('the happy path moves placed -> reserved -> paid -> confirmed', () => {
  assert.deepEqual(react(order('placed'), { type: 'inventory.stock-reserved', data: { amount: 1000, currency: 'EUR', lines } }), {
    to: 'reserved', patch: { amount: 1000, currency: 'EUR', pricedLines: lines },
  });
  assert.deepEqual(react(order('reserved'), { type: 'payments.payment-captured', data: { paymentId: 'pay1' } }), { to: 'paid', patch: { paymentId: 'pay1' } });
  assert.deepEqual(react(order('paid'), { type: 'inventory.reservation-confirmed', data: {} }), { to: 'confirmed' });
});

test('every failure rejects with its reason', () => {
  assert.equal(react(order('placed'), { type: 'inventory.reservation-rejected', data: { reason: 'out-of-stock', productIds: ['p'] } })?.reason, 'out-of-stock');
  assert.equal(react(order('reserved'), { type: 'payments.payment-declined', data: { reason: 'card' } })?.reason, 'payment-declined');
  assert.equal(react(order('reserved'), { type: 'payments.payment-failed', data: { reason: 'down' } })?.reason, 'payment-failed');
  assert.equal(react(order('paid'), { type: 'inventory.reservation-released', data: { reason: 'expired' } })?.reason, 'reservation-expired');
});

test('late answers for an order that moved on change nothing (the other services compensate)', () => {
  assert.equal(react(order('cancelled'), { type: 'payments.payment-captured', data: { paymentId: 'x' } }), null);
  assert.equal(react(order('cancelled'), { type: 'inventory.stock-reserved', data: { amount: 1, currency: 'EUR', lines } }), null);
  assert.deepEqual(react(order('cancelled'), { type: 'payments.payment-refunded', data: {} }), { compensation: { payment: 'refunded' } });
  assert.deepEqual(react(order('rejected'), { type: 'inventory.reservation-released', data: { reason: 'order-rejected' } }), { compensation: { stock: 'released' } });
});

test('final states have no way out; customers may cancel until shipping', () => {
  for (const s of ['delivered', 'rejected', 'cancelled'] as const) assert.deepEqual(NEXT[s], []);
  assert.ok(canMove('confirmed', 'cancelled') && !canMove('shipped', 'cancelled'));
  assert.deepEqual(CANCELLABLE, ['placed', 'reserved', 'paid', 'confirmed']);
  assert.ok(SAGA_DONE.every((s) => !CANCELLABLE.includes(s) || s === 'confirmed'));
});
