// The order saga's failure paths on the embedded mode: every one ends in a final state with its compensations done.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from '@millrace/platform';
import { waitFor } from '@millrace/platform/testing';
import { as, createCommerce, embeddedInfra, simulatedProvider, type Commerce, type SimulatedProvider } from './stack.ts';
import { createProduct } from './commerce.suite.ts';

type Order = { id: string; status: string; reason: string | null; compensation: { stock: string | null; payment: string | null }; history: Array<{ status: string }> };

describe('order saga compensations (embedded)', () => {
  let infra: Awaited<ReturnType<typeof embeddedInfra>>;
  let c: Commerce;
  let provider: SimulatedProvider;
  let productId: string;

  before(async () => {
    infra = await embeddedInfra();
    provider = simulatedProvider({ latencyMs: 1 });
    c = await createCommerce({ db: infra.db, bus: infra.bus, provider, reservationTtlMs: 1_500, sweepMs: 100, payments: { pollMs: 10, backoffMs: 20, maxAttempts: 3 } });
    await c.start();
    productId = (await createProduct(c, 'saga-1', 20, 1999)).id;
  });
  after(async () => {
    await c.close();
    await infra.close();
  });

  const place = async (customer: string, quantity = 1) => {
    const r = await c.app.inject({ method: 'POST', url: '/api/orders/orders', headers: as(customer), payload: { lines: [{ productId, quantity }] } });
    assert.equal(r.statusCode, 201, r.body);
    return r.json() as Order;
  };
  const get = async (id: string, who = 'ops:operator') => (await c.app.inject({ method: 'GET', url: `/api/orders/orders/${id}`, headers: as(...(who.split(':') as [string, string])) })).json() as Order;
  const until = (id: string, pred: (o: Order) => boolean, what: string) => waitFor(what, async () => {
    const o = await get(id);
    return pred(o) ? o : undefined;
  }, 20_000, 20);
  const stock = async () => (await sql<{ on_hand: number; reserved: number }>`select on_hand, reserved from catalog.products where id = ${productId}`.execute(infra.db.kysely)).rows[0]!;
  const payment = async (orderId: string) => (await sql<{ status: string }>`select status from payments.payments where order_id = ${orderId}`.execute(infra.db.kysely)).rows[0]?.status;

  test('happy path: placed -> reserved -> paid -> confirmed -> shipped -> delivered, visible only to its customer', async () => {
    const o = await place('alice', 2);
    const confirmed = await until(o.id, (x) => x.status === 'confirmed', 'confirmed');
    assert.deepEqual(confirmed.history.map((h) => h.status), ['placed', 'reserved', 'paid', 'confirmed']);
    assert.equal((await c.app.inject({ method: 'GET', url: `/api/orders/orders/${o.id}`, headers: as('mallory') })).statusCode, 404);
    assert.equal((await c.app.inject({ method: 'POST', url: `/api/orders/orders/${o.id}/ship`, headers: as('alice'), payload: { carrier: 'x', trackingNumber: 'y' } })).statusCode, 403);
    const mine = (await c.app.inject({ method: 'GET', url: '/api/orders/orders', headers: as('alice') })).json() as { items: Order[] };
    assert.deepEqual(mine.items.map((i) => i.id), [o.id]);
    assert.equal((await c.app.inject({ method: 'GET', url: '/api/orders/orders', headers: as('mallory') })).json().items.length, 0);
    const ship = await c.app.inject({ method: 'POST', url: `/api/orders/orders/${o.id}/ship`, headers: as('ops', 'operator'), payload: { carrier: 'DHL', trackingNumber: 'JD0001' } });
    assert.equal(ship.json().status, 'shipped');
    assert.equal((await c.app.inject({ method: 'POST', url: `/api/orders/orders/${o.id}/cancel`, headers: as('alice') })).statusCode, 409, 'shipped orders are not cancellable');
    assert.equal((await c.app.inject({ method: 'POST', url: `/api/orders/orders/${o.id}/deliver`, headers: as('ops', 'operator') })).json().status, 'delivered');
    assert.equal(await payment(o.id), 'captured');
  });

  test('payment declined: rejected, stock released, nothing charged', async () => {
    const before = await stock();
    const declining = simulatedProvider({ declineRate: 1, latencyMs: 1 });
    const authorize = provider.authorize;
    Object.assign(provider, { authorize: declining.authorize });
    try {
      const o = await place('bob');
      const done = await until(o.id, (x) => x.status === 'rejected' && x.compensation.stock === 'released', 'rejected + released');
      assert.equal(done.reason, 'payment-declined');
      assert.equal(await payment(o.id), 'declined');
      assert.deepEqual(await stock(), before);
    } finally {
      Object.assign(provider, { authorize });
    }
  });

  test('provider outage: retries, then rejected as payment-failed with the stock released', async () => {
    const before = await stock();
    provider.setOutage(true);
    try {
      const o = await place('carol');
      const done = await until(o.id, (x) => x.status === 'rejected' && x.compensation.stock === 'released', 'rejected after outage');
      assert.equal(done.reason, 'payment-failed');
      assert.equal(await payment(o.id), 'failed');
      assert.deepEqual(await stock(), before);
    } finally {
      provider.setOutage(false);
    }
  });

  test('customer cancels a confirmed order: the payment is refunded and the units return to stock', async () => {
    const before = await stock();
    const o = await place('dave', 3);
    await until(o.id, (x) => x.status === 'confirmed', 'confirmed');
    assert.equal((await stock()).on_hand, before.on_hand - 3);
    const r = await c.app.inject({ method: 'POST', url: `/api/orders/orders/${o.id}/cancel`, headers: as('dave'), payload: { detail: 'changed my mind' } });
    assert.equal(r.json().status, 'cancelled');
    const done = await until(o.id, (x) => x.compensation.payment === 'refunded' && x.compensation.stock === 'returned', 'refund + return');
    assert.equal(done.reason, 'customer');
    assert.equal(await payment(o.id), 'refunded');
    assert.deepEqual(await stock(), before);
  });

  test('the reservation expires while the provider is down: rejected, stock back, the payment never charged', async () => {
    const before = await stock();
    provider.setOutage(true);
    try {
      // more attempts than the reservation lives: the expiry wins
      const o = await place('erin');
      const done = await until(o.id, (x) => x.status === 'rejected', 'rejected');
      if (done.reason === 'reservation-expired') {
        await until(o.id, (x) => x.compensation.payment === 'voided' || (x.compensation.payment === null && x.compensation.stock === 'released'), 'voided');
      }
      assert.ok(['reservation-expired', 'payment-failed'].includes(done.reason!), done.reason!);
    } finally {
      provider.setOutage(false);
    }
    await waitFor('stock back', async () => JSON.stringify(await stock()) === JSON.stringify(before), 10_000);
  });

  test('operations view: orders per state and the saga failures with their compensations', async () => {
    const stats = (await c.app.inject({ method: 'GET', url: '/api/orders/stats', headers: as('ops', 'operator') })).json() as { byStatus: Record<string, number>; failures: Array<{ reason: string }> };
    assert.equal(stats.byStatus.delivered, 1);
    assert.ok(stats.byStatus.rejected! >= 3);
    assert.ok(stats.failures.some((f) => f.reason === 'payment-declined'));
    assert.equal((await c.app.inject({ method: 'GET', url: '/api/orders/stats', headers: as('alice') })).statusCode, 403);
    const failures = (await c.app.inject({ method: 'GET', url: '/api/orders/saga-failures', headers: as('ops', 'operator') })).json() as { items: Order[] };
    assert.ok(failures.items.length >= 4);
  });
});
