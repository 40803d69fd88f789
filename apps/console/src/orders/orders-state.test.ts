// "My orders" under live events and REST reads: new orders arrive, states only move forward, steps and reasons are kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveEvent } from '../live/event-log.ts';
import type { Order } from './order-types.ts';
import { timeline } from './order-status.ts';
import { initialOrders, ordersReducer, type OrdersState } from './orders-state.ts';

let n = 0;
const event = (type: string, data: Record<string, unknown>, time = `2026-11-22T03:00:0${n % 10}.000Z`): LiveEvent => ({
  id: `e${++n}`, type, version: 1, source: 'orders', key: String(data.orderId), time, data: { customerId: 'c1', ...data },
});

const order = (id: string, status: Order['status'], placedAt = '2026-11-22T02:00:00.000Z'): Order => ({
  id, customerId: 'c1', status, lines: [{ productId: 'p1', quantity: 2 }], pricedLines: null, amount: null, currency: null, paymentId: null,
  reason: null, detail: null, compensation: { stock: null, payment: null }, placedAt, updatedAt: placedAt,
});

function given(s: OrdersState, ...events: LiveEvent[]): OrdersState {
  return events.reduce((acc, e) => ordersReducer(acc, { type: 'event', event: e }), s);
}

const loaded = (...orders: Order[]) => ordersReducer(initialOrders, { type: 'loaded', orders, next: null });

test('a placement arrives as a new order on top; each event moves it and records the step', () => {
  const s = given(
    loaded(order('o1', 'delivered')),
    event('orders.order-placed', { orderId: 'o2', status: 'placed', lines: [{ productId: 'p1', quantity: 1 }], placedAt: '2026-11-22T03:00:00.000Z' }),
    event('orders.order-reserved', { orderId: 'o2', status: 'reserved', lines: [{ productId: 'p1', sku: 'MUG', quantity: 1, unitPrice: 1250 }], amount: 1250, currency: 'EUR' }),
    event('orders.order-paid', { orderId: 'o2', status: 'paid', paymentId: 'pay1', amount: 1250, currency: 'EUR' }),
  );
  assert.deepEqual(s.orders.map((o) => [o.id, o.status]), [['o2', 'paid'], ['o1', 'delivered']]);
  assert.equal(s.orders[0]!.amount, 1250);
  assert.equal(s.orders[0]!.pricedLines![0]!.sku, 'MUG');
  assert.deepEqual(s.steps.o2!.map((x) => x.status), ['placed', 'reserved', 'paid']);
  assert.deepEqual(timeline('paid', s.steps.o2!).map((x) => `${x.status}:${x.state}`), [
    'placed:done', 'reserved:done', 'paid:current', 'confirmed:ahead', 'shipped:ahead', 'delivered:ahead',
  ]);
});

test('a REST read older than the events never moves an order back; a late event does not either', () => {
  let s = given(loaded(order('o1', 'placed')), event('orders.order-confirmed', { orderId: 'o1', status: 'confirmed' }));
  s = ordersReducer(s, { type: 'loaded', orders: [order('o1', 'reserved')], next: null });
  assert.equal(s.orders[0]!.status, 'confirmed');
  s = given(s, event('orders.order-paid', { orderId: 'o1', status: 'paid', paymentId: 'x', amount: 1, currency: 'EUR' }));
  assert.equal(s.orders[0]!.status, 'confirmed');
  assert.deepEqual(s.steps.o1!.map((x) => x.status), ['paid', 'confirmed'], 'the step is still known');
});

test('a rejection keeps its reason and where it stopped; the timeline ends there', () => {
  const s = given(
    loaded(order('o1', 'reserved')),
    event('orders.order-rejected', { orderId: 'o1', status: 'rejected', reason: 'payment-declined', detail: 'payment declined: card', previousStatus: 'reserved' }),
  );
  assert.equal(s.orders[0]!.reason, 'payment-declined');
  assert.equal(s.orders[0]!.detail, 'payment declined: card');
  assert.deepEqual(timeline('rejected', s.steps.o1!).map((x) => `${x.status}:${x.state}`), ['placed:done', 'reserved:done', 'rejected:failed']);
});

test('an order read with its history gets its steps; orders loaded live stay after a reload', () => {
  let s = given(loaded(), event('orders.order-placed', { orderId: 'o9', status: 'placed', lines: [], placedAt: '2026-11-22T04:00:00.000Z' }));
  s = ordersReducer(s, { type: 'order', order: { ...order('o3', 'rejected'), reason: 'out-of-stock', history: [
    { status: 'placed', cause: 'customer', reason: null, at: '2026-11-22T02:00:00.000Z' },
    { status: 'rejected', cause: 'inventory.reservation-rejected', reason: 'out-of-stock', at: '2026-11-22T02:00:01.000Z' },
  ] } });
  s = ordersReducer(s, { type: 'loaded', orders: [order('o3', 'rejected')], next: null });
  assert.deepEqual(s.orders.map((o) => o.id), ['o9', 'o3']);
  assert.deepEqual(s.steps.o3!.map((x) => x.status), ['placed', 'rejected']);
});
