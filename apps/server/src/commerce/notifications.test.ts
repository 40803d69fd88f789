// Notifications through the order saga on the embedded mode: the inbox, signed webhooks with retries, e-mail, delivery status.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { sql } from '@millrace/platform';
import { waitFor } from '@millrace/platform/testing';
import { verifySignature, type Sender } from '@millrace/notifications';
import { as, createCommerce, embeddedInfra, type Commerce } from './stack.ts';

describe('notifications of an order (embedded)', () => {
  let infra: Awaited<ReturnType<typeof embeddedInfra>>;
  let c: Commerce;
  const hook = Fastify();
  const received: Array<{ body: string; signature: string; delivery: string }> = [];
  let failFirst = 2;
  const emails: Array<{ to: string; subject: string }> = [];
  const email: Sender = { async send(target, m) { emails.push({ to: target.address, subject: m.title }); } };
  let url = '';

  before(async () => {
    hook.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    hook.post('/hook', async (req, reply) => {
      if (failFirst-- > 0) return reply.code(503).send('busy');
      received.push({ body: req.body as string, signature: String(req.headers['x-millrace-signature']), delivery: String(req.headers['x-millrace-delivery']) });
      return { ok: true };
    });
    await hook.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hook`;
    infra = await embeddedInfra();
    c = await createCommerce({ db: infra.db, bus: infra.bus, notifications: { email, retryBaseMs: 50, pollMs: 20 }, payments: { pollMs: 10 } });
    await c.start();
  });
  after(async () => {
    await c.close();
    await infra.close();
    await hook.close();
  });

  test('placed and confirmed reach the inbox, e-mail and a signed webhook (after two failed attempts); statuses are recorded', async () => {
    const created = await c.app.inject({ method: 'POST', url: '/api/notifications/webhooks', headers: as('root', 'admin'), payload: { url, events: ['order-confirmed'] } });
    assert.equal(created.statusCode, 201, created.body);
    const { secret } = created.json() as { secret: string };
    assert.equal((await c.app.inject({ method: 'POST', url: '/api/notifications/webhooks', headers: as('alice'), payload: { url, events: ['*'] } })).statusCode, 403);
    assert.equal((await c.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: as('alice'), payload: { email: 'alice@example.com' } })).statusCode, 200);
    const p = await c.app.inject({ method: 'POST', url: '/api/catalog/products', headers: as('root', 'admin'), payload: { sku: 'n-1', name: 'Lamp', price: 4900, currency: 'EUR', onHand: 5 } });
    const order = await c.app.inject({ method: 'POST', url: '/api/orders/orders', headers: as('alice'), payload: { lines: [{ productId: p.json().id, quantity: 1 }] } });
    const orderId = order.json().id as string;

    const inbox = await waitFor('two messages', async () => {
      const r = (await c.app.inject({ method: 'GET', url: '/api/notifications/inbox', headers: as('alice') })).json() as { items: Array<{ id: string; template: string; orderId: string }>; unread: number };
      return r.items.length === 2 ? r : undefined;
    }, 20_000);
    assert.deepEqual(inbox.items.map((i) => i.template), ['order-confirmed', 'order-placed']);
    assert.equal(inbox.unread, 2);
    assert.equal((await c.app.inject({ method: 'GET', url: '/api/notifications/inbox', headers: as('bob') })).json().items.length, 0, 'only your own');
    assert.equal((await c.app.inject({ method: 'POST', url: `/api/notifications/inbox/${inbox.items[0]!.id}/read`, headers: as('bob') })).statusCode, 404);
    assert.equal((await c.app.inject({ method: 'POST', url: `/api/notifications/inbox/${inbox.items[0]!.id}/read`, headers: as('alice') })).statusCode, 204);
    assert.equal((await c.app.inject({ method: 'GET', url: '/api/notifications/inbox?unread=true', headers: as('alice') })).json().unread, 1);

    // the in-app channel: one notification-created event per message, for the customer's live page
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from millrace.outbox where type = 'notifications.notification-created'`.execute(infra.db.kysely);
    assert.equal(Number(rows[0]!.n), 2);

    await waitFor('webhook delivered', () => received.length === 1, 20_000);
    const w = received[0]!;
    assert.ok(verifySignature(secret, w.signature, w.body, Date.now() / 1000), 'signed with the endpoint secret');
    assert.equal(JSON.parse(w.body).orderId, orderId);
    await waitFor('emails', () => emails.length === 2, 10_000);
    assert.deepEqual(emails.map((e) => e.to), ['alice@example.com', 'alice@example.com']);

    const deliveries = await waitFor('statuses', async () => {
      const d = (await c.app.inject({ method: 'GET', url: '/api/notifications/deliveries?channel=webhook', headers: as('ops', 'operator') })).json() as { items: Array<{ status: string; attempts: number; id: string }> };
      return d.items[0]?.status === 'delivered' ? d : undefined;
    }, 10_000);
    assert.equal(deliveries.items[0]!.attempts, 3, 'two refusals, then delivered');
    assert.equal(w.delivery, deliveries.items[0]!.id, 'receivers dedupe by the delivery id');
  });
});
