// "My orders" live: over the realtime gateway a customer sees every state of their own order, and nobody else's.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { createRealtimeGateway, silentLogger, type RealtimeGateway } from '@millrace/platform';
import { waitFor } from '@millrace/platform/testing';
import { as, createCommerce, embeddedInfra, testAuthenticator, type Commerce } from './stack.ts';
import { createProduct } from './commerce.suite.ts';

type Msg = { op: string; id?: string; channel?: string; code?: string; event?: { type: string; data: { orderId: string; customerId: string; status: string } } };

describe('orders channel (embedded, WebSocket)', () => {
  let infra: Awaited<ReturnType<typeof embeddedInfra>>;
  let c: Commerce;
  let gateway: RealtimeGateway;
  let url = '';

  before(async () => {
    infra = await embeddedInfra();
    c = await createCommerce({ db: infra.db, bus: infra.bus, payments: { pollMs: 10 } });
    await c.start();
    gateway = createRealtimeGateway({ bus: infra.bus, log: silentLogger(), channels: c.channels, authenticators: [testAuthenticator] });
    await gateway.start();
    gateway.attach(c.app.server);
    await c.app.listen({ port: 0, host: '127.0.0.1' });
    url = `ws://127.0.0.1:${(c.app.server.address() as AddressInfo).port}/realtime`;
  });
  after(async () => {
    await gateway.close();
    await c.close();
    await infra.close();
  });

  async function connect(user: string, roles = 'customer') {
    const ws = new WebSocket(url, ['millrace.v1'], { headers: as(user, roles) });
    const messages: Msg[] = [];
    ws.on('message', (raw) => messages.push(JSON.parse(String(raw)) as Msg));
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    await waitFor('welcome', () => messages.some((m) => m.op === 'welcome'));
    const subscribe = async (channel: string) => {
      ws.send(JSON.stringify({ op: 'subscribe', id: channel, channel }));
      return waitFor(`answer for ${channel}`, () => messages.find((m) => (m.op === 'subscribed' || m.op === 'error') && (m.id === channel || m.channel === channel)));
    };
    return { ws, messages, subscribe };
  }

  test('the owner sees placed, reserved, paid, confirmed, shipped, delivered; another customer sees nothing and may not follow it', async () => {
    const product = await createProduct(c, 'live-1', 5);
    const alice = await connect('alice');
    const bob = await connect('bob');
    const ops = await connect('ops', 'operator');
    assert.equal((await alice.subscribe('orders')).op, 'subscribed');
    assert.equal((await bob.subscribe('orders')).op, 'subscribed');
    assert.equal((await ops.subscribe('orders')).op, 'subscribed');
    assert.equal((await alice.subscribe('inventory')).op, 'subscribed', 'inventory levels are live for signed-in users');
    assert.equal((await alice.subscribe('payments')).op, 'error', 'payments are for staff');

    const placed = await c.app.inject({ method: 'POST', url: '/api/orders/orders', headers: as('alice'), payload: { lines: [{ productId: product.id, quantity: 1 }] } });
    const id = placed.json().id as string;
    const statuses = () => alice.messages.filter((m) => m.op === 'event' && m.event?.type.startsWith('orders.') && m.event.data.orderId === id).map((m) => m.event!.data.status);
    await waitFor('confirmed pushed', () => statuses().includes('confirmed'), 20_000);
    await c.app.inject({ method: 'POST', url: `/api/orders/orders/${id}/ship`, headers: as('ops', 'operator'), payload: { carrier: 'DHL', trackingNumber: 'T1' } });
    await c.app.inject({ method: 'POST', url: `/api/orders/orders/${id}/deliver`, headers: as('ops', 'operator') });
    await waitFor('delivered pushed', () => statuses().includes('delivered'), 20_000);
    assert.deepEqual(statuses(), ['placed', 'reserved', 'paid', 'confirmed', 'shipped', 'delivered']);

    const level = alice.messages.find((m) => m.op === 'event' && m.event?.type === 'inventory.reservation-confirmed');
    assert.ok(level, 'stock levels arrive live');
    assert.ok(ops.messages.filter((m) => m.op === 'event' && m.event?.data.orderId === id).length === 6, 'operators see every order');
    assert.equal(bob.messages.filter((m) => m.op === 'event').length, 0, "bob sees none of alice's events");
    assert.equal((await bob.subscribe(`orders:${id}`)).op, 'error', "bob may not follow alice's order");
    assert.equal((await alice.subscribe(`orders:${id}`)).op, 'subscribed');
    for (const x of [alice, bob, ops]) x.ws.close();
  });
});
