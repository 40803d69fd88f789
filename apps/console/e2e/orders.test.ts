// Browser (TC2): an order placed in the shop moves live on "my orders" through every state; an operator ships and delivers it; out of stock is shown as rejected.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accessToken, apiCall, eventually, launchBrowser, openPage, register, signIn, startServer, type ConsoleServer } from './harness.ts';

let server: ConsoleServer;
let browser: Browser;
let admin: string;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await register(server, 'admin@example.com'); // the first account: admin
  admin = await token('admin@example.com');
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const token = (email: string) => accessToken(server, email);
const call = (method: string, path: string, bearer: string, body?: unknown, headers?: Record<string, string>) => apiCall(server, method, path, bearer, body, headers);

/** An admin creates a product with stock through the catalog API; returns its id. */
async function product(sku: string, name: string, price: number, onHand: number): Promise<string> {
  const r = await call('POST', '/api/catalog/products', admin, { sku, name, price, currency: 'EUR', onHand });
  assert.equal(r.status, 201);
  return String(r.json.id);
}

/**
 * Records, in the page itself, every `data-state` each order row shows (rows added and attributes changed), so the
 * test sees the states the page displayed, however briefly; also marks the document to prove it is never reloaded.
 */
async function recordStates(page: Page): Promise<void> {
  // a string, not a function: tsx's transform would wrap named functions in a helper the page does not have
  await page.evaluate(`(() => {
    const seen = {};
    const note = (el) => {
      const id = el.getAttribute('data-order-id');
      const state = el.getAttribute('data-state');
      if (!id || !state) return;
      const list = (seen[id] ??= []);
      if (list.at(-1) !== state) list.push(state);
    };
    const rows = (root) => root.querySelectorAll('[data-testid="order-row"]').forEach(note);
    rows(document);
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes' && r.target.getAttribute('data-testid') === 'order-row') note(r.target);
        for (const n of r.addedNodes) {
          if (!(n instanceof Element)) continue;
          if (n.getAttribute('data-testid') === 'order-row') note(n);
          rows(n);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    Object.assign(globalThis, { e2eStates: seen, e2eSameDocument: true });
  })()`);
}

async function statesShown(page: Page, orderId: string): Promise<string[]> {
  return page.evaluate((id) => [...((globalThis as { e2eStates?: Record<string, string[]> }).e2eStates?.[id] ?? [])], orderId);
}

/** Places an order through the shop's form: `quantities` by SKU. Returns the order id of the answer. */
async function placeInShop(shop: Page, quantities: Readonly<Record<string, number>>): Promise<string> {
  for (const [sku, q] of Object.entries(quantities)) await shop.locator(`[data-testid="product-row"][data-sku="${sku}"]`).getByTestId('quantity').fill(String(q));
  await shop.getByTestId('place-order').click();
  const result = shop.locator('[data-testid="order-result"][data-outcome="placed"]');
  await result.waitFor();
  return (await result.getAttribute('data-order-id'))!;
}

test('TC2: an order placed in the shop moves live on "my orders" through every state; an operator ships and delivers it', async () => {
  const mug = await product('MUG-1', 'Enamel mug', 1250, 5);
  const tea = await product('TEA-1', 'Green tea', 899, 10);
  await register(server, 'carol@example.com');
  const op = await register(server, 'olga@example.com');
  assert.equal((await call('PUT', `/api/identity/users/${op.id}/role`, admin, { role: 'operator' })).status, 200);

  const { context, page: orders, problems } = await openPage(browser);
  await signIn(orders, server, 'carol@example.com');
  await orders.getByRole('link', { name: 'Shop' }).waitFor();
  assert.equal(await orders.getByRole('link', { name: 'Operations' }).count(), 0, 'customers have no operations page');
  await orders.getByRole('link', { name: 'My orders' }).click();
  await orders.getByTestId('orders-empty').waitFor();
  await orders.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  await recordStates(orders);

  // the same customer in a second tab: the shop, with stock live
  const shop = await context.newPage();
  await shop.goto(`${server.url}/shop`);
  await shop.locator(`[data-testid="product-row"][data-product-id="${mug}"][data-available="5"]`).waitFor();
  await shop.locator(`[data-testid="product-row"][data-product-id="${tea}"][data-available="10"]`).waitFor();
  await shop.getByTestId('place-order').click();
  await shop.getByRole('alert').filter({ hasText: 'Choose a quantity' }).waitFor();
  await shop.locator('[data-testid="product-row"][data-sku="MUG-1"]').getByTestId('quantity').fill('2');
  await shop.locator('[data-testid="product-row"][data-sku="TEA-1"]').getByTestId('quantity').fill('1');
  await shop.getByText('2 lines, total 33.99 EUR').waitFor();
  const orderId = await placeInShop(shop, {});

  // "my orders", never reloaded, follows the order through its states as they happen
  const row = orders.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
  await orders.locator(`[data-testid="order-row"][data-order-id="${orderId}"][data-state="confirmed"]`).waitFor();
  const shown = await statesShown(orders, orderId);
  const path = shown.filter((s) => ['reserved', 'paid', 'confirmed'].includes(s));
  assert.deepEqual(path, ['reserved', 'paid', 'confirmed'], `states shown: ${shown.join(' → ')}`);
  assert.equal(await row.getByTestId('order-amount').getAttribute('data-minor'), '3399');
  for (const step of ['placed', 'reserved', 'paid', 'confirmed']) {
    await row.locator(`[data-testid="timeline-step"][data-step="${step}"][data-done="true"]`).waitFor();
  }
  assert.equal(await row.locator('[data-testid="timeline-step"][data-step="shipped"]').getAttribute('data-done'), 'false');
  // the shop's answer followed it too, and the stock moved live: 5 - 2 mugs
  await shop.locator(`[data-testid="order-result"][data-order-id="${orderId}"][data-state="confirmed"]`).waitFor();
  await shop.locator(`[data-testid="product-row"][data-product-id="${mug}"][data-available="3"]`).waitFor();
  await orders.locator(`[data-testid="message"][data-order-id="${orderId}"]`).filter({ hasText: 'confirmed' }).waitFor();

  // the operator ships and delivers it on the operations page; the customer's page follows
  const ops = await openPage(browser);
  await signIn(ops.page, server, 'olga@example.com');
  await ops.page.getByRole('link', { name: 'Operations' }).click();
  await ops.page.locator('[data-testid="state-count"][data-state="confirmed"][data-count="1"]').waitFor();
  await ops.page.locator(`[data-testid="inventory-row"][data-product-id="${mug}"][data-on-hand="3"][data-reserved="0"]`).waitFor();
  const ship = ops.page.locator(`[data-testid="ship-row"][data-order-id="${orderId}"]`);
  await ship.getByTestId('carrier').fill('DHL');
  await ship.getByTestId('tracking').fill('JD0001');
  await ship.getByTestId('ship').click();
  await orders.locator(`[data-testid="order-row"][data-order-id="${orderId}"][data-state="shipped"]`).waitFor();
  assert.match(await row.getByTestId('shipment').innerText(), /DHL.*JD0001/);
  await ops.page.locator(`[data-testid="deliver-row"][data-order-id="${orderId}"]`).getByTestId('deliver').click();
  await orders.locator(`[data-testid="order-row"][data-order-id="${orderId}"][data-state="delivered"]`).waitFor();
  await ops.page.locator('[data-testid="state-count"][data-state="delivered"][data-count="1"]').waitFor();
  await ops.page.getByTestId('fulfilment-empty').waitFor();

  const all = await statesShown(orders, orderId);
  assert.deepEqual(all.filter((s) => s !== 'placed'), ['reserved', 'paid', 'confirmed', 'shipped', 'delivered'], `states shown: ${all.join(' → ')}`);
  assert.equal(await row.getByTestId('cancel-order').count(), 0, 'a delivered order cannot be cancelled');
  assert.equal(await orders.evaluate(() => (globalThis as { e2eSameDocument?: boolean }).e2eSameDocument), true, 'no reload happened');
  assert.deepEqual(problems, []);
  assert.deepEqual(ops.problems, []);
  await ops.context.close();
  await context.close();
});

test('more than the stock is rejected with its reason; a confirmed order is cancelled and its stock returns', async () => {
  const lamp = await product('LAMP-1', 'Desk lamp', 4500, 2);
  await register(server, 'dave@example.com');
  const { context, page: orders, problems } = await openPage(browser);
  await signIn(orders, server, 'dave@example.com');
  await orders.getByRole('link', { name: 'My orders' }).click();
  await orders.getByTestId('orders-empty').waitFor();
  await recordStates(orders);
  const shop = await context.newPage();
  await shop.goto(`${server.url}/shop`);
  await shop.locator(`[data-testid="product-row"][data-product-id="${lamp}"][data-available="2"]`).waitFor();

  // three lamps of two: the page warns, the order is placed, inventory rejects it
  await shop.locator('[data-testid="product-row"][data-sku="LAMP-1"]').getByTestId('quantity').fill('3');
  await shop.getByText('more than in stock').waitFor();
  const rejectedId = await placeInShop(shop, {});
  const rejected = orders.locator(`[data-testid="order-row"][data-order-id="${rejectedId}"][data-state="rejected"]`);
  await rejected.waitFor();
  const reason = rejected.getByTestId('order-reason');
  assert.equal(await reason.getAttribute('data-reason'), 'out-of-stock');
  assert.match(await reason.innerText(), /Out of stock: inventory: out-of-stock .*You have not been charged/);
  await rejected.locator('[data-testid="timeline-step"][data-step="rejected"]').waitFor();
  assert.equal(await rejected.locator('[data-testid="timeline-step"][data-step="reserved"]').count(), 0, 'it never got stock');
  assert.equal(await rejected.getByTestId('cancel-order').count(), 0);
  await shop.locator(`[data-testid="order-result"][data-order-id="${rejectedId}"][data-state="rejected"]`).waitFor();
  assert.deepEqual(await statesShown(orders, rejectedId), ['placed', 'rejected']);

  // two lamps go through; cancelled once confirmed, they return to stock (live in the shop)
  const okId = await placeInShop(shop, { 'LAMP-1': 2 });
  const row = orders.locator(`[data-testid="order-row"][data-order-id="${okId}"]`);
  await orders.locator(`[data-testid="order-row"][data-order-id="${okId}"][data-state="confirmed"]`).waitFor();
  await shop.locator(`[data-testid="product-row"][data-product-id="${lamp}"][data-available="0"]`).waitFor();
  await row.getByTestId('cancel-order').click();
  await row.getByTestId('confirm-cancel').click();
  await orders.locator(`[data-testid="order-row"][data-order-id="${okId}"][data-state="cancelled"]`).waitFor();
  assert.equal(await row.getByTestId('order-reason').getAttribute('data-reason'), 'customer');
  await row.locator('[data-testid="timeline-step"][data-step="confirmed"][data-done="true"]').waitFor();
  await shop.locator(`[data-testid="product-row"][data-product-id="${lamp}"][data-available="2"]`).waitFor();

  // the operator's view counts both failures with their compensations
  const r = await call('GET', '/api/orders/stats', admin);
  assert.equal((r.json.byStatus as Record<string, number>).cancelled, 1);
  assert.deepEqual(problems, []);
  await context.close();
});
