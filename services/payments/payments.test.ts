// Payments against the simulated provider: no double charge whatever the retries, lost answers or concurrent workers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migratePlatform, openDatabase, Outbox, sql } from '@millrace/platform';
import { Payments } from './payments.ts';
import { simulatedProvider, sqlProviderRecords } from './simulated-provider.ts';
import { migratePayments } from './store.ts';

test('the same idempotency key never charges twice, and a retried authorization gets the same answer', async () => {
  const p = simulatedProvider({ latencyMs: 0, declineRate: 0.5 });
  const keys = Array.from({ length: 40 }, (_, i) => `authorize:o${i}`);
  const first = await Promise.all(keys.map((k) => p.authorize({ idempotencyKey: k, reference: k, amount: 100, currency: 'EUR' })));
  const again = await Promise.all(keys.map((k) => p.authorize({ idempotencyKey: k, reference: k, amount: 100, currency: 'EUR' })));
  assert.deepEqual(again, first);
  assert.ok(first.some((r) => r.status === 'declined') && first.some((r) => r.status === 'authorized'), 'about half declined');
});

test('lost answers, outages and two competing workers: each order captured exactly once at the provider', async () => {
  const db = await openDatabase({});
  await migratePlatform(db);
  await migratePayments(db);
  const records = await sqlProviderRecords(db);
  const provider = simulatedProvider({ latencyMs: [0, 3], lostResponseRate: 0.3, records });
  const outbox = new Outbox(db, { source: 'payments' });
  const make = () => new Payments({ outbox, provider, now: () => new Date(), backoffMs: 5, leaseMs: 200, maxAttempts: 50, pollMs: 5 });
  const [a, b] = [make(), make()];
  for (let i = 0; i < 30; i++) await outbox.transaction((tx) => a.request(tx, { orderId: `o${i}`, customerId: 'c', amount: 100 + i, currency: 'EUR' }));
  a.start();
  b.start();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from payments.payments where status <> 'captured'`.execute(db.kysely);
    if (rows[0]!.n === '0' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await a.stop();
  await b.stop();
  const { rows } = await sql<{ captured: string; ops: string; per_order_max: string; events: string }>`
    select (select count(*) from payments.payments where status = 'captured')::text as captured,
      (select count(*) from paysim.operations where kind = 'capture')::text as ops,
      (select max(n) from (select count(*) as n from paysim.operations where kind = 'capture' group by reference) x)::text as per_order_max,
      (select count(*) from millrace.outbox where type = 'payments.payment-captured')::text as events`.execute(db.kysely);
  assert.deepEqual(rows[0], { captured: '30', ops: '30', per_order_max: '1', events: '30' });
  assert.ok(provider.calls.capture > 30, `retries happened (${provider.calls.capture} capture calls)`);
  await db.close();
});

test('the simulated provider is configured from the environment; a bad value is refused with its name', async () => {
  const { loadPaymentsConfig } = await import('./config.ts');
  assert.deepEqual(loadPaymentsConfig({ PAYMENTS_SIM_LATENCY_MS: '5-20', PAYMENTS_SIM_DECLINE_RATE: '0.1', PAYMENTS_SIM_OUTAGE: 'true' }).simulated, {
    latencyMs: [5, 20], declineRate: 0.1, outage: true, lostResponseRate: 0,
  });
  assert.throws(() => loadPaymentsConfig({ PAYMENTS_SIM_DECLINE_RATE: '2' }), /PAYMENTS_SIM_DECLINE_RATE/);
});
