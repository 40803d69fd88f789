// The synchronous variant (benchmark baseline): orders calls inventory and payments over HTTP inside the request.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from '@millrace/platform';
import { as, createCommerce, embeddedInfra, simulatedProvider, type Commerce, type SimulatedProvider } from './stack.ts';
import { createProduct } from './commerce.suite.ts';

describe('synchronous order flow (embedded, over loopback HTTP)', () => {
  let infra: Awaited<ReturnType<typeof embeddedInfra>>;
  let c: Commerce;
  let provider: SimulatedProvider;
  let base = '';

  before(async () => {
    infra = await embeddedInfra();
    provider = simulatedProvider({ latencyMs: 1 });
    c = await createCommerce({ db: infra.db, bus: infra.bus, provider, syncBaseUrl: () => base, notifications: false, payments: { maxAttempts: 1 } });
    await c.start();
    await c.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(c.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await c.close();
    await infra.close();
  });

  const place = (who: string, productId: string, quantity: number) => fetch(`${base}/api/orders/orders?flow=sync`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...as(who) }, body: JSON.stringify({ lines: [{ productId, quantity }] }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string; status: string; reason: string | null } }));

  test('the answer is the final state: confirmed, or rejected with the stock released and nothing charged', async () => {
    const { id } = await createProduct(c, 'sync-1', 3);
    const ok = await place('alice', id, 2);
    assert.deepEqual([ok.status, ok.body.status], [201, 'confirmed']);
    const short = await place('bob', id, 2);
    assert.deepEqual([short.body.status, short.body.reason], ['rejected', 'out-of-stock']);
    provider.setOutage(true);
    const down = await place('carol', id, 1);
    provider.setOutage(false);
    assert.deepEqual([down.body.status, down.body.reason], ['rejected', 'payment-failed']);
    const { rows } = await sql<{ on_hand: number; reserved: number }>`select on_hand, reserved from catalog.products where id = ${id}`.execute(infra.db.kysely);
    assert.deepEqual(rows[0], { on_hand: 1, reserved: 0 });
    const { rows: pays } = await sql<{ status: string; n: string }>`select status, count(*)::text as n from payments.payments group by 1 order by 1`.execute(infra.db.kysely);
    assert.deepEqual(pays.map((p) => [p.status, p.n]), [['captured', '1'], ['failed', '1']]);
    // no saga events drive a synchronous order
    const { rows: ev } = await sql<{ n: string }>`select count(*)::text as n from millrace.outbox where topic = 'orders'`.execute(infra.db.kysely);
    assert.equal(ev[0]!.n, '0');
  });
});
